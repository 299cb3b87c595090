#!/usr/bin/env node
// Checks the package as a user gets it: packs the working tree (npm pack, after the TypeScript
// build in dist/), lists what the tarball holds (file count and size; no tests, benches, examples
// or fuzz suite), installs it into an empty project (npm init -y && npm install <tarball>: the
// dependencies come from the npm registry and the native addon is compiled, as for a user), then
// runs from there `cortado --version`, `cortado example mnist-hdf5` and the README's quick start as an ES module script, and
// type-checks a TypeScript file using the installed declarations (typos in definitions must fail).
//
//   node scripts/check-package.mjs [--skip-native] [--keep]
//
// --skip-native sets CORTADO_SKIP_NATIVE for the install (no addon build; much faster); --keep
// leaves the temporary project in place. Exit status 0 when everything works, 1 otherwise. It
// needs the network and takes minutes, so it is a script (npm run check-package), not a test.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'cortado-package-'));
const started = Date.now();
const say = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

function run(cmd, argv, cwd, env = {}) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} (in ${cwd}) failed with status ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The first ```js block after the README's "## Quick start" heading. */
function quickStart() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf('## Quick start');
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !m) throw new Error('README.md has no ```js block under "## Quick start"');
  return m[1];
}

try {
  say('building (tsc -p tsconfig.json)');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  say('packing');
  const [pack] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root));
  const paths = pack.files.map((f) => f.path);
  // The definition files `cortado example` copies (package.json's files) ship, with their folders' READMEs (npm adds those).
  const listed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).files.filter((f) => f.startsWith('examples/'));
  const shipped = new Set([...listed, ...listed.map((f) => `${dirname(f)}/README.md`)]);
  const stray = paths.filter((p) => (/^(dist\/)?(test|bench|examples|fuzz)\//.test(p) && !shipped.has(p)) || /\.test\.js$/.test(p));
  say(`${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  if (stray.length) throw new Error(`the tarball holds files users do not need: ${stray.slice(0, 10).join(', ')}${stray.length > 10 ? ' ...' : ''}`);
  for (const need of ['package.json', 'README.md', 'binding.gyp', 'scripts/install-native.mjs', 'dist/src/node/index.js', 'dist/src/node/index.d.ts', 'dist/src/node/cli/main.js', 'native/src/addon.cc']) {
    if (!paths.includes(need)) throw new Error(`the tarball lacks ${need}`);
  }
  const project = join(work, 'project');
  mkdirSync(project);
  run(npm, ['init', '-y'], project);
  say(`installing into an empty project (${args.has('--skip-native') ? 'native addon skipped' : 'compiling the native addon'})`);
  run(npm, ['install', '--no-audit', '--no-fund', join(work, pack.filename)], project, args.has('--skip-native') ? { CORTADO_SKIP_NATIVE: '1' } : {});
  const version = run(process.execPath, [join(project, 'node_modules/cortado/dist/src/node/cli/main.js'), '--version'], project).trim();
  if (version !== JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) throw new Error(`cortado --version printed "${version}"`);
  say(`cortado --version: ${version}`);
  const example = run(process.execPath, [join(project, 'node_modules/cortado/dist/src/node/cli/main.js'), 'example', 'mnist-hdf5'], project);
  if (!/wrote lenet-hdf5\.json/.test(example) || !readFileSync(join(project, 'lenet-hdf5.json'), 'utf8').includes('AsyncHDF5Data')) throw new Error(`cortado example mnist-hdf5 printed:\n${example}`);
  say('cortado example mnist-hdf5: wrote lenet-hdf5.json');
  writeFileSync(join(project, 'quick-start.mjs'), quickStart());
  say('running the README quick start (node quick-start.mjs)');
  const out = run(process.execPath, ['quick-start.mjs'], project, { CORTADO_NO_CUDA: '1' });
  const loss = Number(/final loss ([\d.]+)/.exec(out)?.[1]);
  console.log(out.trim().split('\n').map((l) => `    ${l}`).join('\n'));
  if (!(loss < 1)) throw new Error(`the quick start's final loss is ${loss}, expected < 1`);
  say('the quick start again on the shipped WebAssembly backend (CORTADO_NO_NATIVE: auto falls back to wasm)');
  const wasmOut = run(process.execPath, ['quick-start.mjs'], project, { CORTADO_NO_CUDA: '1', CORTADO_NO_NATIVE: '1' });
  const wasmLoss = Number(/final loss ([\d.]+)/.exec(wasmOut)?.[1]);
  if (!(wasmLoss < 1) || !/wasm/.test(wasmOut)) throw new Error(`the quick start on wasm: final loss ${wasmLoss}\n${wasmOut}`);
  say(`wasm: final loss ${wasmLoss}`);
  say('and on two wasm threads (CORTADO_WASM_THREADS=2: cortado-threads.wasm and its worker from the installed package)');
  const threaded = spawnSync(process.execPath, ['quick-start.mjs'], {
    cwd: project, encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1', CORTADO_NO_NATIVE: '1', CORTADO_WASM_THREADS: '2' }, timeout: 600_000,
  });
  const threadsLoss = Number(/final loss ([\d.]+)/.exec(threaded.stdout ?? '')?.[1]);
  if (threaded.status !== 0 || !(threadsLoss < 1) || /running 1 thread/.test(threaded.stderr ?? '')) {
    throw new Error(`the quick start on two wasm threads: status ${threaded.status}, final loss ${threadsLoss}\n${threaded.stdout}\n${threaded.stderr}`);
  }
  say(`wasm, 2 threads: final loss ${threadsLoss}`);
  // The relaxed SIMD builds from the installed package, with V8's flag where this Node does not
  // validate relaxed SIMD by default (CORTADO_WASM_SIMD=relaxed-simd: load them or fail).
  const { relaxedSimdNodeFlags } = await import(join(root, 'dist/src/node/wasm.js'));
  const relaxedFlags = relaxedSimdNodeFlags();
  const relaxedEnv = { CORTADO_NO_CUDA: '1', CORTADO_NO_NATIVE: '1', CORTADO_WASM_SIMD: 'relaxed-simd' };
  say(`and on the relaxed SIMD builds (cortado-relaxed.wasm, cortado-threads-relaxed.wasm${relaxedFlags.length ? '; node --experimental-wasm-relaxed-simd' : ''})`);
  const simds = run(process.execPath, [...relaxedFlags, '--input-type=module', '-e',
    "const { createBackend } = await import('cortado'); const one = createBackend('wasm', 'float32', { memoryMiB: 8 }), two = createBackend('wasm', 'float32', { memoryMiB: 8, threads: 2 }); await two.ready(); console.log(one.simd, two.simd, two.threads); two.dispose();"],
  project, relaxedEnv).trim();
  if (simds !== 'relaxed-simd relaxed-simd 2') throw new Error(`the installed package's relaxed SIMD builds: printed "${simds}"`);
  const relaxedOut = run(process.execPath, [...relaxedFlags, 'quick-start.mjs'], project, relaxedEnv);
  const relaxedLoss = Number(/final loss ([\d.]+)/.exec(relaxedOut)?.[1]);
  if (!(relaxedLoss < 1)) throw new Error(`the quick start on the relaxed SIMD build: final loss ${relaxedLoss}\n${relaxedOut}`);
  say(`wasm, relaxed SIMD: final loss ${relaxedLoss}`);
  say('type-checking a TypeScript user file against the installed declarations (typos must fail)');
  writeFileSync(join(project, 'typed.ts'), [
    "import { Net, Solver, createBackend } from 'cortado';",
    "const backend = createBackend('js');",
    "const net = new Net([{ type: 'Input', name: 'in', tops: ['x'], shapes: [[1, 4]] }, { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2 }], { backend });",
    '// @ts-expect-error',
    "new Net([{ type: 'InnerProdcut', name: 'ip', numOuput: 2 }], { backend });",
    '// @ts-expect-error',
    'new Solver(net, { baseLR: 0.1 });',
    '',
  ].join('\n'));
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'typed.ts'], project);
  say('ok');
} catch (e) {
  console.error(`check-package: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  if (args.has('--keep')) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
