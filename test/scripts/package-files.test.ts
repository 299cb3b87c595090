/**
 * What `npm pack` ships: the compiled library, the native sources the install step builds, the
 * docs; no tests, benches, examples or fuzz suite. (scripts/check-package.mjs installs the tarball
 * into an empty project and runs the README's quick start: it needs the network, so it is a script.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

test('npm pack ships dist/src, native sources, the built wasm kernels, binding.gyp, the install script and docs, and nothing of test, bench, examples or fuzz', () => {
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const paths: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  for (const need of ['package.json', 'README.md', 'binding.gyp', 'scripts/install-native.mjs', 'docs/environment.md', 'dist/src/node/index.js', 'dist/src/node/index.d.ts', 'dist/src/node/cli/main.js', 'native/src/addon.cc', 'native/cuda/kernels/conv.cu', 'wasm/cortado.wasm', 'wasm/cortado-threads.wasm', 'wasm/cortado-relaxed.wasm', 'wasm/cortado-threads-relaxed.wasm', 'dist/src/node/wasm-worker.js', 'dist/src/backend/wasm/worker.js', 'examples/mnist/lenet.json', 'examples/mnist-hdf5/lenet.json']) {
    assert.ok(paths.includes(need), `the package lacks ${need}`);
  }
  // The definition files `cortado example` copies are the only files of examples/ it ships, with
  // the READMEs of their folders (npm adds those).
  const shipped = new Set(['examples/mnist/lenet.json', 'examples/mnist-hdf5/lenet.json', 'examples/mnist/README.md', 'examples/mnist-hdf5/README.md']);
  const stray = paths.filter((p) => (/^(dist\/)?(test|bench|examples|fuzz)\//.test(p) && !shipped.has(p)) || p.startsWith('build/') || p.startsWith('node_modules/'));
  assert.deepEqual(stray, []);
  // Source maps point at TypeScript sources the package does not ship.
  assert.deepEqual(paths.filter((p) => p.endsWith('.map')), []);
  assert.ok(paths.length < 700, `${paths.length} files`);
});
