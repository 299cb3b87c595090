/**
 * The threaded wasm backend in Chromium, loaded unbundled from dist/src (cortado/browser): on a
 * cross-origin isolated page (COOP + COEP headers) it starts a Web Worker (./worker.js), which
 * runs parts of a gemm whose result equals the one-thread gemm bit for bit, called from the
 * page's main thread (where the caller may not block); on a page that is not isolated it runs one
 * thread and says why. Chromium runs relaxed SIMD, so the loaders pick the relaxed builds there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumUnavailable, launchChromium } from './chromium.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const skip = await chromiumUnavailable();
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

// The page: 1 and 2 threads, the same products, the outcome in globalThis.wasmThreads.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wasm threads</title><script type="module">
import { loadWasmModule, loadWasmThreadsModule, WasmBackend } from '/dist/src/index.js';
try {
  await loadWasmModule();
  if (globalThis.crossOriginIsolated) await loadWasmThreadsModule();
  const one = new WasmBackend('float32', { memoryMiB: 64 });
  const two = new WasmBackend('float32', { memoryMiB: 64, threads: 2 });
  await two.ready();
  const M = 181, N = 301, K = 97, same = [];
  const fill = (b, n, s) => { const x = b.alloc(n); for (let i = 0; i < n; i++) x[i] = Math.sin(i * s); return x; };
  for (let rep = 0; rep < 8; rep++) {
    const c = [one, two].map((b) => { const c = b.alloc(M * N); b.gemm(rep % 2 === 1, false, M, N, K, 1, fill(b, M * K, 0.1), fill(b, K * N, 0.3), 0, c); return Array.from(c); });
    same.push(c[0].every((v, i) => v === c[1][i]));
  }
  globalThis.wasmThreads = { isolated: globalThis.crossOriginIsolated, threads: two.threads, note: two.threadsNote, same, stats: two.threadStats(), simd: [one.simd, two.simd] };
} catch (e) {
  globalThis.wasmThreads = { error: String(e && e.stack || e) };
}
</script>`;

test('in Chromium, a cross-origin isolated page runs the wasm backend on a Web Worker too; a page that is not runs one thread', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const server = createServer((req, res) => {
    const [path, query] = (req.url ?? '/').split('?');
    const headers: Record<string, string> = query === 'isolated'
      ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    if (path === '/') return void res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(PAGE);
    const file = resolve(root, '.' + decodeURIComponent(path));
    if (!(file.startsWith(resolve(root, 'dist') + sep) || file.startsWith(resolve(root, 'wasm') + sep))) return void res.writeHead(403).end();
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return void res.writeHead(404).end();
    }
    // A worker of an isolated page needs COEP itself; same-origin scripts need nothing more.
    res.writeHead(200, { 'cross-origin-embedder-policy': 'require-corp', 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  const { browser, close } = await launchChromium();
  try {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    type Outcome = { error?: string; isolated: boolean; threads: number; note: string | null; same: boolean[]; stats: { started: number; workerTasks: number }; simd: string[] };
    const run = async (url: string): Promise<Outcome> => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as { wasmThreads?: unknown }).wasmThreads !== undefined, undefined, { timeout: 60_000 });
      const out = await page.evaluate(() => (globalThis as unknown as { wasmThreads: Outcome }).wasmThreads);
      assert.deepEqual(errors, []);
      assert.equal(out.error, undefined, out.error);
      await page.close();
      return out;
    };
    const isolated = await run(base + '?isolated');
    assert.equal(isolated.isolated, true);
    assert.equal(isolated.threads, 2, isolated.note ?? '');
    assert.equal(isolated.stats.started, 1, 'the Web Worker runs');
    assert.deepEqual(isolated.same, Array(8).fill(true), 'two threads give the one-thread products bit for bit');
    assert.ok(isolated.stats.workerTasks > 0, 'the worker ran parts of the products');
    assert.deepEqual(isolated.simd, ['relaxed-simd', 'relaxed-simd'], 'Chromium (114 on) runs the relaxed SIMD builds, one thread and threads');
    const plain = await run(base);
    assert.equal(plain.isolated, false);
    assert.equal(plain.threads, 1);
    assert.match(plain.note ?? '', /cross-origin isolated/);
    assert.deepEqual(plain.same, Array(8).fill(true));
    assert.deepEqual(plain.simd, ['relaxed-simd', 'relaxed-simd']);
  } finally {
    await close();
    server.close();
  }
});
