import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumUnavailable, launchChromium } from './chromium.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const hasEsbuild = await import('esbuild').then(() => true, () => false);
const skip = (await chromiumUnavailable()) ?? (hasEsbuild ? null : 'esbuild is not installed (a devDependency): the demo page cannot be built');

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

test('examples/browser-mnist: the page trains LeNet in a Web Worker, keeps painting, and draws its curves', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'cortado-browser-mnist-'));
  const server = createServer((req, res) => {
    const file = resolve(out, '.' + decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/$/, '/index.html'));
    if (!file.startsWith(out + sep)) return void res.writeHead(403).end();
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  const { browser, close } = await launchChromium();
  try {
    execFileSync(process.execPath, [join(root, 'examples/browser-mnist/build.mjs'), out], { stdio: 'pipe' });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?iterations=150&train=2000&test=500&validateEvery=50`;
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => ((globalThis as { cortadoDemo?: { iter: number } }).cortadoDemo?.iter ?? 0) >= 20, undefined, { timeout: 60_000 });
    // Animation frames in one second while the worker trains.
    const fps = await page.evaluate(() => new Promise<number>((done) => {
      const raf = (globalThis as unknown as { requestAnimationFrame(f: (t: number) => void): void }).requestAnimationFrame;
      let n = 0;
      const t0 = performance.now();
      const tick = () => (performance.now() - t0 < 1000 ? (n++, raf(tick)) : done(n));
      raf(tick);
    }));
    await page.waitForFunction(() => (globalThis as { cortadoDemo?: { running: boolean } }).cortadoDemo?.running === false, undefined, { timeout: 180_000 });
    const state = await page.evaluate(() => (globalThis as unknown as { cortadoDemo: { iter: number; validation: Record<string, number>; statistics: Record<string, unknown[]> } }).cortadoDemo);
    assert.deepEqual(errors, []);
    assert.equal(state.iter, 150);
    assert.ok(state.statistics.loss.length >= 10, 'the loss curve has points');
    assert.ok(state.validation['validation/accuracy'] > 0.5, `test accuracy after 150 iterations on 2,000 images: ${state.validation['validation/accuracy']}`);
    assert.match(await page.locator('#status').innerText(), /^done: 150 iterations, test accuracy/);
    assert.ok(await page.locator('[data-component="cortado-curves"] svg polyline').count() >= 3);
    console.log(`# browser-mnist: ${fps} animation frames in 1 s while training in the worker; test accuracy ${state.validation['validation/accuracy']}`);
    assert.ok(fps >= 10, `${fps} animation frames in 1 s`);
    const shot = join(process.env.CORTADO_SCREENSHOTS ?? out, 'browser-mnist.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    console.log(`# browser-mnist screenshot: ${shot}`);
  } finally {
    await close();
    server.close();
    rmSync(out, { recursive: true, force: true });
  }
});
