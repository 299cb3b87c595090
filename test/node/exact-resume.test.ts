import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostArray } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver } from '../../src/solver/solver.js';
import type { Raw } from '../../src/core/config.js';
import { snapshotName } from '../../src/node/io/snapshot.js';
import { loadFrom, saveSnapshot } from '../../src/node/snapshot.js';
import { train } from '../../src/node/train.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-exact-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 90 samples in batches of 16: epochs end mid-batch, and each one reshuffles. */
function defs(): LayerConfig[] {
  const n = 90;
  const x = new Float32Array(n * 6).map((_, i) => Math.sin(i * 0.37) + (i % 7) * 0.1);
  const y = new Float32Array(n).map((_, i) => (i * 7) % 3);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 16, shuffle: true, include: { phase: 'train' },
      data: [{ values: x, shape: [n, 6] }, { values: y, shape: [n] }] },
    { type: 'MemoryData', name: 'test', tops: ['x', 'label'], batchSize: 30, include: { phase: 'test' },
      data: [{ values: x, shape: [n, 6] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 8, neuron: 'ReLU' },
    { type: 'Dropout', name: 'drop', bottoms: ['h'], tops: ['hd'] },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['hd'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

const solverConfig = (maxIter: number): Raw => ({ baseLr: 0.05, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-3, power: 0.75 }, maxIter });
const breaks = { summaryEvery: 5, validateEvery: 10, snapshotEvery: 20 };
const quiet = () => {};

function bytes(a: HostArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function sameWeights(a: Net, b: Net): void {
  assert.deepEqual(b.params.map((p) => p.key), a.params.map((p) => p.key));
  a.params.forEach((p, i) => assert.deepEqual(bytes(b.params[i]!.blob.read()), bytes(p.blob.read()), `weights of ${p.key} differ`));
}

/** statistics.json without the wall-clock statistic (images/s), which no two runs share. */
function statistics(dir: string): Record<string, unknown> {
  const s = JSON.parse(readFileSync(join(dir, 'statistics.json'), 'utf8')) as Record<string, unknown>;
  assert.ok(Array.isArray(s.loss) && s.loss.length > 0, 'the statistics hold the loss');
  delete s['images/s'];
  return s;
}

test('40 iterations straight and 20 + resume give the same batches, dropout masks, weights and data state', async () => {
  const dir = join(root, 'batches');
  const record = (seen: Buffer[]) => ({ enjoy: (s: Solver) => void seen.push(Buffer.concat([bytes(s.net.blob('x').read()), bytes(s.net.blob('label').read()), bytes(s.net.blob('hd').read())])) });
  const make = (seed: number) => new Solver(new Net(defs(), { backend: new JsBackend(), seed }), solverConfig(40));

  const straight = make(9);
  const seen: Buffer[] = [];
  straight.addCoffeeBreak(record(seen), { everyIter: 1 });
  await straight.run(20);
  await saveSnapshot(straight, dir);
  await straight.run(20);

  const resumed = make(1234);
  const seenAfter: Buffer[] = [];
  resumed.addCoffeeBreak(record(seenAfter), { everyIter: 1 });
  assert.equal(await loadFrom(resumed, dir), join(dir, snapshotName(20)));
  await resumed.run();
  assert.equal(resumed.iter, 40);
  assert.equal(seenAfter.length, 20);
  seenAfter.forEach((b, i) => assert.ok(b.equals(seen[20 + i]!), `batch or dropout mask of iteration ${21 + i} differs`));
  assert.ok(!seen[20]!.equals(seen[21]!), 'consecutive batches differ');
  sameWeights(straight.net, resumed.net);
  assert.deepEqual(resumed.net.getDataState(), straight.net.getDataState());
  assert.deepEqual(resumed.net.rng.getState(), straight.net.rng.getState());
  assert.ok(resumed.net.epoch >= 3, `several epochs, found ${resumed.net.epoch}`);
});

test('train(): 40 straight and 20 + resume give bit-identical weights and statistics file', async () => {
  const straightDir = join(root, 'straight');
  const straight = await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(40), seed: 9, coffeeBreaks: breaks, outputDir: straightDir, log: quiet });
  const resumedDir = join(root, 'resumed');
  await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(20), seed: 9, coffeeBreaks: breaks, outputDir: resumedDir, log: quiet });
  const rest = await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(40), seed: 1234, coffeeBreaks: breaks, outputDir: resumedDir, log: quiet });
  assert.equal(rest.resumedFrom, join(resumedDir, 'snapshots', snapshotName(20)));
  assert.equal(rest.iterationsRun, 20);
  sameWeights(straight.trainNet, rest.trainNet);
  assert.deepEqual(statistics(resumedDir), statistics(straightDir));
  assert.deepEqual(rest.trainNet.getDataState(), straight.trainNet.getDataState());
});

test('train(): a torn statistics.json and stray .tmp files do not break resume; the snapshot supplies the statistics', async () => {
  const straightDir = join(root, 'straight-2');
  const straight = await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(40), seed: 9, coffeeBreaks: breaks, outputDir: straightDir, log: quiet });
  const dir = join(root, 'torn');
  await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(20), seed: 9, coffeeBreaks: breaks, outputDir: dir, log: quiet });
  const stats = join(dir, 'statistics.json');
  const torn = readFileSync(stats, 'utf8').slice(0, 50);
  writeFileSync(stats, torn);
  writeFileSync(`${stats}.tmp`, '{"loss": [[1, 99]]}');
  writeFileSync(join(dir, 'snapshots', `${snapshotName(40)}.tmp`), 'HDF');
  const warnings: string[] = [];
  const rest = await train({ backend: new JsBackend(), layers: defs(), solver: solverConfig(40), seed: 9, coffeeBreaks: breaks, outputDir: dir, log: quiet, warn: (l) => warnings.push(l) });
  assert.equal(rest.resumedFrom, join(dir, 'snapshots', snapshotName(20)));
  sameWeights(straight.trainNet, rest.trainNet);
  assert.deepEqual(statistics(dir), statistics(straightDir));
  const moved = readdirSync(dir).filter((f) => /^statistics\.unreadable-.*\.json$/.test(f));
  assert.equal(moved.length, 1);
  assert.equal(readFileSync(join(dir, moved[0]!), 'utf8'), torn, 'the torn file is kept aside, not deleted');
  assert.ok(warnings.some((w) => w.includes(stats) && w.includes(moved[0]!)), warnings.join(' / '));
  assert.ok(warnings.some((w) => w.includes(`${snapshotName(40)}.tmp`)), warnings.join(' / '));
});
