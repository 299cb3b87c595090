import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumUnavailable, launchChromium, serveFolder } from './chromium.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const hasEsbuild = await import('esbuild').then(() => true, () => false);
const skip = (await chromiumUnavailable()) ?? (hasEsbuild ? null : 'esbuild is not installed (a devDependency): the demo page cannot be built');

interface Demo { iter: number; running: boolean; validation: Record<string, number>; statistics: Record<string, unknown[]>; result?: { accuracy: number | null; imagesPerSecond: number; iterations: number } }

let out = '';
let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;

before(async () => {
  if (skip) return;
  out = mkdtempSync(join(tmpdir(), 'cortado-browser-mnist-'));
  execFileSync(process.execPath, [join(root, 'examples/browser-mnist/build.mjs'), out], { stdio: 'pipe' });
  server = await serveFolder(out);
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Opens the demo with `query`, failing on any page error; waits until `iter` iterations have run. */
async function openDemo(query: string, iter: number): Promise<{ page: Page; errors: string[] }> {
  const page = await chromium!.browser.newPage();
  await page.setViewportSize({ width: 1000, height: 900 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server!.url}?${query}`);
  await page.waitForFunction((n) => ((globalThis as { cortadoDemo?: { iter: number } }).cortadoDemo?.iter ?? 0) >= n, iter, { timeout: 60_000 });
  return { page, errors };
}

/** Animation frames the page draws in one second (requestAnimationFrame callbacks). */
function framesInOneSecond(page: Page): Promise<number> {
  return page.evaluate(() => new Promise<number>((done) => {
    const raf = (globalThis as unknown as { requestAnimationFrame(f: (t: number) => void): void }).requestAnimationFrame;
    let n = 0;
    const t0 = performance.now();
    const tick = () => (performance.now() - t0 < 1000 ? (n++, raf(tick)) : done(n));
    raf(tick);
  }));
}

async function finished(page: Page): Promise<Demo> {
  await page.waitForFunction(() => (globalThis as { cortadoDemo?: Demo }).cortadoDemo?.running === false, undefined, { timeout: 180_000 });
  return page.evaluate(() => (globalThis as unknown as { cortadoDemo: Demo }).cortadoDemo);
}

test('examples/browser-mnist: the page trains LeNet in a Web Worker (wasm), paints at least 30 frames/s meanwhile, and draws its curves', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const { page, errors } = await openDemo('iterations=300&train=5000&test=1000&validateEvery=100', 40);
  const running = () => page.evaluate(() => (globalThis as { cortadoDemo?: Demo }).cortadoDemo?.running);
  const fps = await framesInOneSecond(page);
  const stillRunning = await running();
  const state = await finished(page);
  assert.deepEqual(errors, []);
  assert.ok(stillRunning, 'the frames were counted while the worker trained (train more iterations if this fails on a fast machine)');
  assert.equal(state.iter, 300);
  assert.ok(state.statistics.loss.length >= 30, 'the loss curve has points');
  const accuracy = state.validation['validation/accuracy'];
  assert.ok(accuracy > 0.85, `test accuracy after 300 iterations on 5,000 images: ${accuracy}`);
  assert.equal(state.result?.accuracy, accuracy);
  assert.match(await page.locator('#status').innerText(), /^done: 300 iterations, test accuracy [\d.]+% in [\d.]+ s \(\d+ images\/s, wasm\)/);
  assert.ok(await page.locator('[data-component="cortado-curves"] svg polyline').count() >= 3);
  console.log(`# browser-mnist (worker, wasm): ${fps} animation frames in 1 s while training; test accuracy ${accuracy}; ${Math.round(state.result!.imagesPerSecond)} images/s`);
  assert.ok(fps >= 30, `${fps} animation frames in 1 s while the worker trains (at least 30)`);
  const shot = join(process.env.CORTADO_SCREENSHOTS ?? out, 'browser-mnist.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10_000);
  console.log(`# browser-mnist screenshot: ${shot}`);
  await page.close();
});

test('examples/browser-mnist: training on the page\'s own thread (solve() yielding) still paints at least 10 frames/s', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const { page, errors } = await openDemo('thread=main&iterations=200&train=2000&test=500&validateEvery=100', 20);
  const fps = await framesInOneSecond(page);
  const stillRunning = await page.evaluate(() => (globalThis as { cortadoDemo?: Demo }).cortadoDemo?.running);
  const state = await finished(page);
  assert.deepEqual(errors, []);
  assert.ok(stillRunning, 'the frames were counted while the page trained');
  assert.equal(state.iter, 200);
  assert.ok(state.validation['validation/accuracy'] > 0.6, `test accuracy after 200 iterations: ${state.validation['validation/accuracy']}`);
  assert.match(await page.locator('#status').innerText(), /^done: 200 iterations/);
  console.log(`# browser-mnist (main thread, wasm, yieldEvery 16 ms): ${fps} animation frames in 1 s while training; ${Math.round(state.result!.imagesPerSecond)} images/s`);
  assert.ok(fps >= 10, `${fps} animation frames in 1 s while the page's thread trains (at least 10)`);
  await page.close();
});
