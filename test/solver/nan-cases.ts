/**
 * The NaN guard on one backend: a NaN in the training data, a learning rate that blows the weights
 * up, a policy whose rate overflows, a NaN in the test data and NaN scores in Accuracy. Each must
 * stop with a NumericError naming the layer (or the policy), and the newest snapshot must still
 * hold finite weights. nan-guard.test.ts runs these on js, native and a CUDA device; the emulated
 * CUDA backend runs them in nan-guard-emulated.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/backend/backend.js';
import { ConfigError, NumericError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { listSnapshots, readSnapshot } from '../../src/node/io/snapshot.js';
import { Snapshot } from '../../src/node/snapshot.js';
import { ValidationPerformance } from '../../src/solver/coffee/validation-performance.js';
import { Solver } from '../../src/solver/solver.js';
import type { Raw } from '../../src/core/config.js';
import type { BackendEntry } from '../harness/backends.js';

const N = 64;
const BATCH = 8;

/** N images [1, 6, 6] in 3 classes; `nanAt` puts a NaN into one pixel of that sample. */
function dataLayer(name: string, nanAt: number | null, phase?: 'train' | 'test'): LayerConfig {
  const x = new Float32Array(N * 36).map((_, i) => Math.sin(i * 0.37) + ((i / 36) | 0) % 3 * 0.2);
  if (nanAt !== null) x[nanAt * 36 + 14] = NaN;
  const y = new Float32Array(N).map((_, i) => i % 3);
  return {
    type: 'MemoryData', name, tops: ['x', 'label'], batchSize: BATCH, shuffle: false,
    data: [{ values: x, shape: [N, 1, 6, 6] }, { values: y, shape: [N] }],
    ...(phase && { include: { phase } }),
  };
}

const body: LayerConfig[] = [
  { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 2, kernel: 3, neuron: 'ReLU' },
  { type: 'Pooling', name: 'pool', bottoms: ['c'], tops: ['p'], kernel: 2, stride: 2 },
  { type: 'InnerProduct', name: 'ip', bottoms: ['p'], tops: ['score'], numOutput: 3 },
  { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
];

/** Trains with a snapshot after every iteration; returns the error and the newest snapshot's iteration and weights. */
async function failingRun(backend: Backend, layers: LayerConfig[], solverConfig: object) {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-nan-'));
  try {
    const solver = new Solver(new Net(layers, { backend, seed: 3 }), { maxIter: 40, ...solverConfig } as Raw);
    solver.addCoffeeBreak(new Snapshot(dir, () => {}), { everyIter: 1 });
    const error = await solver.solve().then(() => null, (e: unknown) => e);
    const { files } = await listSnapshots(dir);
    const newest = files.length ? await readSnapshot(files[0].path) : null;
    return { error, iter: solver.iter, newest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertFinite(snapshot: { params: Map<string, { values: ArrayLike<number> }> } | null): void {
  assert.ok(snapshot, 'a snapshot was written before the failure');
  for (const [key, { values }] of snapshot.params) {
    assert.ok(Array.from(values).every(Number.isFinite), `snapshot parameter "${key}" is finite`);
  }
}

export function nanCases(entry: BackendEntry): void {
  const skip = entry.skip;
  test(`${entry.name}: a NaN in the training data stops the run naming the data layer; the newest snapshot stays finite`, { skip }, async () => {
    // Sample 37 is in the fifth batch.
    const { error, newest } = await failingRun(entry.create(), [dataLayer('data', 37), ...body], { baseLr: 0.01, momentum: 0.9 });
    assert.ok(error instanceof NumericError, `expected a NumericError, got ${String(error)}`);
    assert.match(error.message, /layer "data" \(MemoryData\) first produced a non-finite value, in top "x"/);
    assertFinite(newest);
    assert.ok(newest!.iter <= 4, `the newest snapshot (iteration ${newest!.iter}) precedes the NaN batch`);
  });

  test(`${entry.name}: a learning rate of 1e30 stops the run before a snapshot holds non-finite weights`, { skip }, async () => {
    const { error, newest } = await failingRun(entry.create(), [dataLayer('data', null), ...body], { baseLr: 1e30 });
    assert.ok(error instanceof NumericError, `expected a NumericError, got ${String(error)}`);
    assert.match(error.message, /layer "\w+" \(\w+\)/);
    if (newest) assertFinite(newest);
  });

  test(`${entry.name}: a learning-rate policy that overflows is named, before the run or when a run goes past maxIter`, { skip }, () => {
    const net = new Net([dataLayer('data', null), ...body], { backend: entry.create(), seed: 3 });
    assert.throws(() => new Solver(net, { baseLr: 0.01, lrPolicy: { type: 'step', gamma: 1e300, stepsize: 1 }, maxIter: 10 }),
      (e: unknown) => e instanceof ConfigError && /"lrPolicy" \(step\) gives a learning rate of Infinity at iteration 10/.test(e.message));
    // Finite up to maxIter 2 (1e298), infinite at iteration 3: only a run beyond maxIter meets it.
    const solver = new Solver(net, { baseLr: 0.01, lrPolicy: { type: 'step', gamma: 1e150, stepsize: 1 }, maxIter: 2 });
    solver.iter = 3;
    assert.throws(() => solver.step(), (e: unknown) => e instanceof NumericError && /learning rate is Infinity at iteration 4 \(lrPolicy "step"/.test(e.message));
  });

  test(`${entry.name}: a NaN in the test data stops validation naming the layer, instead of an accuracy`, { skip }, () => {
    const backend = entry.create();
    const layers = [dataLayer('train-data', null, 'train'), dataLayer('test-data', 21, 'test'), ...body,
      { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } } as LayerConfig];
    const train = new Net(layers, { backend, seed: 3 });
    const testNet = new Net(layers, { backend, phase: 'test', shareParamsWith: train, name: 'test' });
    const validation = new ValidationPerformance(testNet, { log: () => {} });
    assert.throws(() => validation.evaluate(), (e: unknown) => e instanceof NumericError && /test: output "\w+" is NaN in validation batch 3; layer "test-data"/.test(e.message));
  });

  test(`${entry.name}: Accuracy counts a NaN score, the label's or a rival's, as wrong`, { skip }, () => {
    const b = entry.create();
    // Four samples of three classes, label 0 each: NaN label score, NaN rival, all NaN, a clean win.
    const x = b.fromHost([NaN, 0, 1, 2, NaN, 0, NaN, NaN, NaN, 3, 1, 2]);
    const label = b.fromHost([0, 0, 0, 0]);
    const out = b.alloc(1);
    b.accuracyForward({ outer: 4, classes: 3, inner: 1 }, x, label, 1, null, out);
    assert.equal(b.download(out)[0], 0.25);
  });
}
