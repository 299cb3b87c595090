/**
 * The WebGPU backend in headless Chromium on its SwiftShader adapter: a page (cross-origin
 * isolated, for SharedArrayBuffer) starts a Web Worker that runs the backend, whose GPU worker
 * owns the device; every layer case agrees with JsBackend there and a few iterations of a small
 * classifier give the same weights. SwiftShader is a CPU implementation: correctness only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumUnavailable, launchChromium, serveFolder } from './chromium.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const hasEsbuild = await import('esbuild').then(() => true, () => false);
const skip = (await chromiumUnavailable()) ?? (hasEsbuild ? null : 'esbuild is not installed (a devDependency): the test page cannot be built');

const PAGE = `<!doctype html><meta charset="utf-8"><title>webgpu</title><script>
const w = new Worker('page-worker.js');
w.onmessage = (e) => { globalThis.webgpuResult = e.data; };
w.onerror = (e) => { globalThis.webgpuResult = { done: true, error: 'worker error: ' + e.message }; };
</script>`;

interface Result {
  done: boolean;
  error?: string;
  adapter?: { vendor: string; architecture: string };
  cases?: number;
  problems?: string[];
  losses?: { webgpu: number[]; js: number[] };
  worstWeight?: number;
}

test('webgpu in headless Chromium (SwiftShader): layer cases and a few training iterations agree with js', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'cortado-webgpu-page-'));
  const esbuild = await import('esbuild');
  // The compiled JavaScript under dist/ is bundled, as the examples' build scripts do.
  const bundle = (entry: string, file: string) => esbuild.build({
    stdin: { contents: entry, resolveDir: here }, bundle: true, format: 'esm', platform: 'browser', outfile: join(out, file), logLevel: 'error',
  });
  await bundle(`import { pageWorker } from './webgpu-page-worker.js'; void pageWorker();`, 'page-worker.js');
  await bundle(`import '../../src/backend/webgpu/gpu-worker.js';`, 'gpu-worker.js');
  writeFileSync(join(out, 'index.html'), PAGE);
  // Cross-origin isolated (SharedArrayBuffer); WebGPU on SwiftShader is still behind a flag on Linux.
  const server = await serveFolder(out);
  const { browser, close } = await launchChromium({ gpu: true, extraArgs: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as { webgpuResult?: { done: boolean } }).webgpuResult?.done === true, undefined, { timeout: 200_000 });
    const r = await page.evaluate(() => (globalThis as unknown as { webgpuResult: Result }).webgpuResult);
    assert.deepEqual(errors, []);
    if (r.error && /no WebGPU adapter/.test(r.error)) {
      t.skip(`this Chromium gives no WebGPU adapter in headless mode (--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader): ${r.error.split('\n')[0]}`);
      return;
    }
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.adapter!.architecture, 'swiftshader');
    assert.ok(r.cases! > 100, `only ${r.cases} layer cases ran`);
    assert.deepEqual(r.problems, []);
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(r.losses!.webgpu[i] - r.losses!.js[i]) < 1e-4 * Math.max(1, r.losses!.js[i]), `loss ${i}: ${r.losses!.webgpu[i]} vs ${r.losses!.js[i]}`);
    }
    assert.ok(r.worstWeight! < 1e-5, `ip1 weights differ by up to ${r.worstWeight}`);
    console.log(`# webgpu in Chromium: ${r.cases} layer cases agree with js on ${r.adapter!.vendor}/${r.adapter!.architecture}; losses ${r.losses!.webgpu.map((v) => v.toFixed(4)).join(' ')}`);
  } finally {
    await close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
});
