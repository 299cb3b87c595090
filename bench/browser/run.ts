/**
 * One browser row of `npm run bench` (bench/browser/rows.ts), in its own process:
 *
 *   node dist/bench/browser/run.js --row browser-cortado-wasm [--quick]
 *
 * Bundles bench/browser/page.ts with esbuild (platform browser) into a temporary folder with
 * cortado's four wasm builds and TF.js's wasm files, serves it on 127.0.0.1 with cross-origin isolation headers
 * (COOP/COEP, so SharedArrayBuffer is there for threaded wasm), opens it in headless Chromium,
 * runs the row with the protocol of bench/measure.ts, and prints the result as one JSON line.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFolder } from '../../examples/common/browser.js';
import { wasmFileNames } from '../../src/backend/wasm/module.js';
import { childArgs, emit, protocol } from '../measure.js';
import { BROWSER_ROWS, browserRowMissing } from './rows.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const args = childArgs();
const id = args.get('row', '');
const row = BROWSER_ROWS.find((r) => r.id === id);
if (!row) throw new Error(`bench/browser/run: --row must be one of ${BROWSER_ROWS.map((r) => r.id).join(', ')}, found "${id}"`);
const missing = browserRowMissing(row);
if (missing) throw new Error(`bench/browser/run: ${row.id} cannot run: ${missing}`);

/** The page, the wasm backend's worker, its four builds (SIMD128 and relaxed SIMD, one thread and threads) and TF.js's wasm binaries in `out`. */
async function buildPage(out: string): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [fileURLToPath(new URL('./page.js', import.meta.url))], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(out, 'page.js'), logLevel: 'error',
  });
  // The threaded wasm backend starts its workers on ./worker.js beside the page's bundle; the
  // webgpu row runs in webgpu-bench-worker.js, whose backend talks to gpu-worker.js.
  for (const [entry, file] of [
    [join(root, 'dist/src/backend/wasm/worker.js'), 'worker.js'],
    [fileURLToPath(new URL('./webgpu-worker.js', import.meta.url)), 'webgpu-bench-worker.js'],
    [join(root, 'dist/src/backend/webgpu/gpu-worker.js'), 'gpu-worker.js'],
  ]) {
    await build({ entryPoints: [entry!], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(out, file!), logLevel: 'error' });
  }
  writeFileSync(join(out, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>Cortado browser bench</title></head><body><script type="module" src="page.js"></script></body></html>\n');
  for (const f of wasmFileNames()) copyFileSync(join(root, 'wasm', f), join(out, f));
  const tfjsWasm = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  mkdirSync(join(out, 'tfjs'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(join(tfjsWasm, f), join(out, 'tfjs', f));
}

const out = mkdtempSync(join(tmpdir(), 'cortado-browser-bench-'));
let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
try {
  await buildPage(out);
  server = await serveFolder(out);
  chromium = await launchChromium(row.chromium ?? {});
  const page = await chromium.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  await page.waitForFunction(() => typeof (globalThis as { cortadoBench?: unknown }).cortadoBench === 'function', undefined, { timeout: 60_000 })
    .catch(() => { throw new Error(`the bench page did not load: ${errors.join('; ') || 'no error reported'}`); });
  const result = await page.evaluate(([r, p]) => (globalThis as unknown as { cortadoBench(r: unknown, p: unknown): Promise<Record<string, unknown>> }).cortadoBench(r, p), [row, protocol(args.quick)] as const);
  if (row.system === 'cortado') result.version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  emit({ ...result, browser: `Chromium ${chromium.browser.browser()?.version() ?? '?'}`, ...(row.note ? { note: row.note } : {}) });
} finally {
  await chromium?.close();
  await server?.close();
  rmSync(out, { recursive: true, force: true });
}
