import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { train } from '../../src/node/train.js';

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

const quiet = () => {};
const solver = (maxIter: number) => ({ baseLr: 0.05, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-3, power: 0.75 }, maxIter });
const breaks = { summaryEvery: 5, validateEvery: 10, snapshotEvery: 20 };

test('N iterations straight and N/2 + resume from the snapshot give bit-identical weights and statistics', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cortado-resume-'));
  try {
    const straightDir = join(root, 'straight');
    const straight = await train({ backend: new JsBackend(), layers: defs(), solver: solver(40), seed: 9, coffeeBreaks: breaks, outputDir: straightDir, log: quiet });
    assert.equal(straight.solver.iter, 40);

    const resumedDir = join(root, 'resumed');
    const half = await train({ backend: new JsBackend(), layers: defs(), solver: solver(20), seed: 9, coffeeBreaks: breaks, outputDir: resumedDir, log: quiet });
    assert.equal(half.solver.iter, 20);
    assert.deepEqual(readdirSync(join(resumedDir, 'snapshots')).filter((f) => !f.endsWith('.tmp')).length, 1);
    // Another seed proves the state comes from the snapshot, not from the same initialisation.
    const rest = await train({ backend: new JsBackend(), layers: defs(), solver: solver(40), seed: 1234, coffeeBreaks: breaks, outputDir: resumedDir, log: quiet });
    assert.ok(rest.resumedFrom?.includes('00000020'), `resumed from ${rest.resumedFrom}`);
    assert.equal(rest.iterationsRun, 20);

    straight.trainNet.params.forEach((p, i) => {
      const q = rest.trainNet.params[i];
      assert.equal(q.key, p.key);
      assert.deepEqual(Buffer.from(q.blob.read().buffer), Buffer.from(p.blob.read().buffer), `weights of ${p.key} differ`);
    });
    const stats = (dir: string) => JSON.parse(readFileSync(join(dir, 'statistics.json'), 'utf8'));
    assert.deepEqual(stats(resumedDir).loss, stats(straightDir).loss);
    assert.deepEqual(stats(resumedDir)['validation/accuracy'], stats(straightDir)['validation/accuracy']);
    assert.equal(stats(straightDir).loss.length, 8);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
