import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import { TrainingSummary } from '../../src/solver/coffee/training-summary.js';
import { serveDashboard } from '../../src/node/dashboard.js';
import { ValidationPerformance } from '../../src/solver/coffee/validation-performance.js';
import { captureSamples, type SamplePrediction } from '../../src/dashboard/samples.js';
/** The DOM, which this Node-typed test reaches only inside page functions. */
declare const document: { querySelector(s: string): { getAttribute(n: string): string | null } | null; querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }> };
import { launchChromium, chromiumUnavailable } from './chromium.js';
import { smallMlp } from '../harness/small-mlp.js';

const defs = (): LayerConfig[] => smallMlp({ testData: true });

const skip = await chromiumUnavailable();

test('the dashboard page loads in headless Chromium during training, its curve updates, and a screenshot shows it', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 3 });
  const solver = new Solver(net, { baseLr: 0.1, momentum: 0.9, maxIter: 1_000_000 });
  solver.addCoffeeBreak(new TrainingSummary({ log: () => {} }), { everyIter: 25 });
  // Validation every 50 iterations reads sample predictions for the page, as train() does with --dashboard.
  const testNet = new Net(defs(), { backend: net.backend, phase: 'test', shareParamsWith: net, name: 'test' });
  let samples: SamplePrediction[] = [];
  let validations = 0;
  solver.addCoffeeBreak(new ValidationPerformance(testNet, { log: () => {}, afterFirstBatch: (n) => { samples = captureSamples(n, 6); validations++; } }), { everyIter: 50 });
  solver.addCoffeeBreak({ enjoy: () => { const t = performance.now() + 0.5; while (performance.now() < t); } }, { everyIter: 1 });
  const dash = await serveDashboard(solver, { title: 'Playwright: live dashboard', samples: () => samples });
  const run = solver.solve();
  const out = mkdtempSync(join(tmpdir(), 'cortado-dashboard-shot-'));
  const { browser, close } = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    const external: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(dash.url)) external.push(r.url()); });
    await page.goto(dash.url);
    const component = page.locator('[data-component="cortado-curves"]');
    await component.waitFor();
    const points = () => page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('polyline')].map((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length)));
    const iterOf = async () => Number(await page.locator('[data-component="cortado-curves"]').getAttribute('data-iter'));
    const first = await iterOf();
    await page.waitForFunction((i) => Number(document.querySelector('[data-component="cortado-curves"]')?.getAttribute('data-iter')) > i + 100, first, { timeout: 30_000 });
    const p0 = await points();
    await page.waitForFunction((n) => Math.max(0, ...[...document.querySelectorAll('polyline')].map((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length)) > n, p0, { timeout: 30_000 });
    assert.ok((await iterOf()) > first, 'the page shows later iterations');
    assert.match(await page.locator('.cards').innerText(), /iteration[\s\S]*loss[\s\S]*lr[\s\S]*images\/s/);
    assert.match(await page.locator('table.layers').innerText(), /ip1\s+InnerProduct\s+x\s+h \[8, 16\]/);
    // Sample predictions: six test inputs drawn as images, each with its predicted class (and the
    // true one when wrong), replaced at each validation.
    const figures = page.locator('.samples figure.sample');
    await figures.first().waitFor();
    assert.equal(await figures.count(), 6);
    // The page shows what the latest validation read (polled until the two agree: both move on).
    const read = () => page.evaluate(() => [...document.querySelectorAll('figure.sample')].map((f) => `${f.getAttribute('data-label')}:${f.getAttribute('data-predicted')}`).join(' '));
    const want = () => samples.map((s) => `${s.label}:${s.predicted}`).join(' ');
    let shown = await read();
    for (let i = 0; i < 40 && shown !== want(); i++) shown = (await page.waitForTimeout(250), await read());
    assert.equal(shown, want(), 'the page shows the labels and predictions of the latest validation');
    assert.match(shown, /^([0-2]:[0-2] ){5}[0-2]:[0-2]$/);
    assert.match(await figures.first().innerText(), /^[0-2]( \(true [0-2]\))?$/);
    const img = await page.evaluate(() => { const i = document.querySelector('figure.sample img') as unknown as { naturalWidth: number; naturalHeight: number; getAttribute(n: string): string | null }; return { w: i.naturalWidth, h: i.naturalHeight, src: i.getAttribute('src') ?? '' }; });
    assert.ok(img.src.startsWith('data:image/bmp;base64,'), 'the input is drawn as an image');
    assert.deepEqual([img.w, img.h], [4, 1], 'a 4-feature input is drawn as a 4x1 strip');
    assert.ok(validations > 0);
    const shot = join(out, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot was written');
    console.log(`# dashboard screenshot: ${shot}`);
    assert.deepEqual(external, [], 'no request leaves the dashboard');
  } finally {
    solver.requestStop();
    await run;
    await close();
    await dash.close();
    if (!process.env.CORTADO_KEEP_SCREENSHOTS) rmSync(out, { recursive: true, force: true });
  }
  assert.ok(!existsSync(out) || process.env.CORTADO_KEEP_SCREENSHOTS);
});
