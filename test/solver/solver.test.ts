import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import type { CoffeeBreak } from '../../src/solver/coffee/coffee-break.js';
import { ValidationPerformance } from '../../src/solver/coffee/validation-performance.js';

/** Two Gaussian blobs per class in 2-d, linearly separable enough for an MLP to learn quickly. */
function blobs(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    x[2 * i] = Math.cos((2 * Math.PI * c) / 3) * 2 + (r() - 0.5);
    x[2 * i + 1] = Math.sin((2 * Math.PI * c) / 3) * 2 + (r() - 0.5);
  }
  return { x, y };
}

function defs(): LayerConfig[] {
  const tr = blobs(120, 1);
  const te = blobs(60, 2);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 12, shuffle: true, include: { phase: 'train' },
      data: [{ values: tr.x, shape: [120, 2] }, { values: tr.y, shape: [120] }] },
    { type: 'MemoryData', name: 'test', tops: ['x', 'label'], batchSize: 20, include: { phase: 'test' },
      data: [{ values: te.x, shape: [60, 2] }, { values: te.y, shape: [60] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 16, neuron: 'ReLU' },
    { type: 'Dropout', name: 'drop', bottoms: ['h'], tops: ['hd'], ratio: 0.2 },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['hd'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

const settings = { baseLr: 0.1, momentum: 0.9, weightDecay: 1e-4, lrPolicy: { type: 'inv' as const, gamma: 1e-3, power: 0.75 }, maxIter: 150 };

test('training a small net lowers the loss and reaches high accuracy', async () => {
  const backend = new JsBackend('float32');
  const net = new Net(defs(), { backend, seed: 7 });
  const testNet = new Net(defs(), { backend, phase: 'test', shareParamsWith: net });
  const solver = new Solver(net, settings);
  const validation = new ValidationPerformance(testNet, { log: () => {} });
  net.forward();
  const before = net.loss();
  await solver.solve();
  net.forward();
  assert.ok(net.loss() < before / 4, `loss ${before} -> ${net.loss()}`);
  assert.ok(validation.evaluate().get('accuracy')! > 0.95);
  assert.equal(solver.iter, 150);
});

test('the same seed gives the same run; another seed another', async () => {
  const run = async (seed: number) => {
    const net = new Net(defs(), { backend: new JsBackend('float32'), seed });
    await new Solver(net, { ...settings, maxIter: 20 }).solve();
    return net.params.map((p) => Array.from(p.blob.read()));
  };
  assert.deepEqual(await run(11), await run(11));
  assert.notDeepEqual(await run(11), await run(12));
});

test('cudaGraphs changes nothing on a backend without graphs, and must be a boolean', async () => {
  const run = async (cudaGraphs: boolean) => {
    const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 11 });
    const solver = new Solver(net, { ...settings, maxIter: 10, cudaGraphs });
    await solver.solve();
    assert.equal(solver.graphStats, null, 'no graph runs on the js backend');
    return net.params.map((p) => Array.from(p.blob.read()));
  };
  assert.deepEqual(await run(true), await run(false));
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 11 });
  assert.throws(() => new Solver(net, { ...settings, cudaGraphs: 'yes' } as unknown as typeof settings), /cudaGraphs/);
});

test('an SGD step matches the hand-computed update, with lrMult, decayMult and momentum', () => {
  const backend = new JsBackend('float64');
  const x = new Float64Array([1, 2]);
  const net = new Net([
    { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 1, data: [{ values: x, shape: [1, 2] }, { values: new Float64Array([0]), shape: [1] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['s'], numOutput: 2, params: [{ lrMult: 1, decayMult: 1 }, { lrMult: 2, decayMult: 0 }] },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  ], { backend });
  const [w, b] = net.params;
  w.blob.write([0.1, -0.2, 0.3, 0.4]);
  b.blob.write([0.5, -0.5]);
  const solver = new Solver(net, { baseLr: 0.1, momentum: 0.9, weightDecay: 0.01, maxIter: 2 });
  // By hand: scores s = W x + b, p = softmax(s), ds = p - onehot(0), dW = ds xᵀ, db = ds.
  const expected = (W: number[], B: number[], vW: number[], vB: number[]) => {
    const s = [W[0] * 1 + W[1] * 2 + B[0], W[2] * 1 + W[3] * 2 + B[1]];
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const p = e.map((v) => v / (e[0] + e[1]));
    const ds = [p[0] - 1, p[1]];
    const gW = [ds[0] * 1, ds[0] * 2, ds[1] * 1, ds[1] * 2].map((g, i) => g + 0.01 * W[i]);
    const nvW = vW.map((v, i) => 0.9 * v + 0.1 * gW[i]);
    const nvB = vB.map((v, i) => 0.9 * v + 0.2 * ds[i]);
    return { W: W.map((v, i) => v - nvW[i]), B: B.map((v, i) => v - nvB[i]), vW: nvW, vB: nvB };
  };
  let st = expected([0.1, -0.2, 0.3, 0.4], [0.5, -0.5], [0, 0, 0, 0], [0, 0]);
  solver.step();
  st.W.forEach((v, i) => assert.ok(Math.abs(w.blob.read()[i] - v) < 1e-12));
  st.B.forEach((v, i) => assert.ok(Math.abs(b.blob.read()[i] - v) < 1e-12));
  st = expected(st.W, st.B, st.vW, st.vB);
  solver.step();
  st.W.forEach((v, i) => assert.ok(Math.abs(w.blob.read()[i] - v) < 1e-12));
});

test('coffee breaks run on their schedule; getState/setState continue a run exactly', async () => {
  const calls: number[] = [];
  const brk: CoffeeBreak = { enjoy: (s) => void calls.push(s.iter) };
  const a = new Net(defs(), { backend: new JsBackend('float32'), seed: 3 });
  const sa = new Solver(a, { ...settings, maxIter: 30 }).addCoffeeBreak(brk, { everyIter: 10 });
  await sa.run(15);
  assert.deepEqual(calls, [10]);
  const state = sa.getState();
  const weights = a.params.map((p) => p.blob.read().slice());
  await sa.run();
  assert.deepEqual(calls, [10, 20, 30]);

  const b = new Net(defs(), { backend: new JsBackend('float32'), seed: 99 });
  const sb = new Solver(b, { ...settings, maxIter: 30 });
  b.params.forEach((p, i) => p.blob.write(weights[i]));
  sb.setState(state);
  await sb.run();
  b.params.forEach((p, i) => assert.deepEqual(p.blob.read(), a.params[i].blob.read(), p.key));
});

test('epoch breaks run when the data layer completes an epoch', async () => {
  const seen: number[] = [];
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 3 });
  const solver = new Solver(net, { ...settings, maxIter: 25 }).addCoffeeBreak({ enjoy: (s) => void seen.push(s.iter) }, { everyEpoch: 1 });
  await solver.solve();
  assert.deepEqual(seen, [10, 20]);
});
