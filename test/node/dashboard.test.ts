import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import { TrainingSummary } from '../../src/solver/coffee/training-summary.js';
import { serveDashboard } from '../../src/node/dashboard.js';
import { train } from '../../src/node/train.js';
import type { DashboardState } from '../../src/dashboard/state.js';
import { smallMlp } from '../harness/small-mlp.js';

const defs = (): LayerConfig[] => smallMlp();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const getState = async (url: string) => (await (await fetch(url + 'state.json')).json()) as { state: DashboardState; html: string };

test('serveDashboard serves live state on 127.0.0.1 while training runs, and a self-contained page', async () => {
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 3 });
  const solver = new Solver(net, { baseLr: 0.1, maxIter: 400 });
  solver.addCoffeeBreak(new TrainingSummary({ log: () => {} }), { everyIter: 10 });
  // ~1 ms per iteration, so that the run lasts long enough to be watched.
  solver.addCoffeeBreak({ enjoy: () => { const t = performance.now() + 1; while (performance.now() < t); } }, { everyIter: 1 });
  const dash = await serveDashboard(solver, { port: 0, title: 'test run' });
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const run = solver.solve();
  try {
    await sleep(60);
    const a = await getState(dash.url);
    await sleep(120);
    const b = await getState(dash.url);
    assert.ok(a.state.running && b.state.running, 'running while training');
    assert.ok(b.state.iter > a.state.iter && a.state.iter > 0, `iterations ${a.state.iter} then ${b.state.iter}`);
    assert.ok(b.state.statistics.loss.length > a.state.statistics.loss.length, 'the loss curve grows');
    assert.equal(b.state.maxIter, 400);
    assert.deepEqual(b.state.layers.map((l) => [l.name, l.tops[0]?.shape]), [['d', [8, 4]], ['ip1', [8, 16]], ['ip2', [8, 3]], ['loss', [1]]]);
    assert.match(b.html, /data-component="cortado-curves" data-iter="\d+"/);
    assert.match(b.html, /<svg[^>]*>[\s\S]*<polyline/);
    const page = await (await fetch(dash.url)).text();
    assert.match(page, /data-component="cortado-curves"/);
    assert.match(page, /<script>[\s\S]*fetch\("state.json"/);
    // self-contained: no external script, stylesheet, image or URL other than the SVG namespace
    assert.doesNotMatch(page.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ''), /https?:\/\/|<script[^>]+src|<link|<img/);
    assert.equal((await fetch(dash.url + 'nope')).status, 404);
    assert.equal((await fetch(dash.url + 'state.json', { method: 'POST' })).status, 405);
    await run;
    dash.ended();
    const end = await getState(dash.url);
    assert.equal(end.state.running, false);
    assert.equal(end.state.iter, 400);
  } finally {
    await run;
    await dash.close();
  }
  await assert.rejects(fetch(dash.url), 'closed');
});

test('train({ dashboard }) logs the URL, serves during the run and closes at its end', async () => {
  const iters: number[] = [];
  let url = '';
  let poller: Promise<void> | undefined;
  const result = await train({
    backend: new JsBackend('float32'),
    layers: defs(),
    solver: { baseLr: 0.1, maxIter: 3000 },
    coffeeBreaks: { summaryEvery: 100 },
    stopOnSignals: false,
    dashboard: { port: 0 },
    log: (line) => {
      const m = /^dashboard: (http:\S+)$/.exec(line);
      if (m && !poller) {
        url = m[1];
        poller = (async () => {
          for (;;) {
            try { iters.push((await getState(url)).state.iter); } catch { return; }
            await sleep(5);
          }
        })();
      }
    },
  });
  await poller;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(result.solver.iter, 3000);
  assert.ok(iters.length >= 2 && iters[iters.length - 1] > iters[0], `iterations seen: ${iters.join(', ')}`);
  await assert.rejects(fetch(url), 'the dashboard closed with the run');
});

test('cortado train --dashboard prints the URL; --keep-dashboard alone is refused', () => {
  const cli = resolve(fileURLToPath(import.meta.url), '../../../src/node/cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'cortado-dash-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, JSON.stringify({ solver: { baseLr: 0.1, maxIter: 20 }, layers: defs().map((l) => l.type === 'MemoryData' ? { ...l, data: (l as unknown as { data: { values: Float32Array; shape: number[] }[] }).data.map((d) => ({ values: Array.from(d.values), shape: d.shape })) } : l) }));
    const run = (args: string[]) => spawnSync(process.execPath, [cli, 'train', ...args], { encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1' } });
    const ok = run(['--dashboard', '0', file, '--backend', 'js', '--summary-every', '10']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(ok.stdout, /done: 20 iterations/);
    const bad = run([file, '--keep-dashboard']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--keep-dashboard keeps the dashboard up, but there is none/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train({ dashboard }) shows sample predictions read at each validation', async () => {
  const result = await train({
    backend: new JsBackend('float32'),
    layers: smallMlp({ testData: true }),
    solver: { baseLr: 0.1, momentum: 0.9, maxIter: 200 },
    coffeeBreaks: { summaryEvery: 50, validateEvery: 100 },
    stopOnSignals: false,
    dashboard: { port: 0, keep: true },
    log: () => {},
  });
  const dash = result.dashboard!;
  try {
    const { state, html } = await getState(dash.url);
    assert.equal(state.samples?.length, 8, 'the first eight inputs of the test batch');
    assert.deepEqual(state.samples!.map((s) => s.label), [0, 1, 2, 0, 1, 2, 0, 1], 'their true labels, in test order');
    // The final validation ran whole epochs, so the next forward is the first test batch again,
    // with the weights that validation saw: the samples' predictions are its argmax.
    result.testNet!.forward();
    const scores = result.testNet!.blob('s').read();
    assert.deepEqual(state.samples!.map((s) => s.predicted), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [0, 1, 2].reduce((b, k) => (scores[i * 3 + k] > scores[i * 3 + b] ? k : b), 0)));
    assert.equal((html.match(/<figure class="sample/g) ?? []).length, 8);
  } finally {
    await dash.close();
  }
});
