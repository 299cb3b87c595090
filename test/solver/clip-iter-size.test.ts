import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Solver, type SolverConfig } from '../../src/solver/solver.js';

const X = [[1, 2], [-1, 0.5]];
const LABELS = [0, 1];
const W0 = [0.1, -0.2, 0.3, 0.4, 0.5, -0.5];

/** A linear 2-class softmax served one sample per batch from two samples, in order (no shuffle). */
function tinyNet(): Net {
  const net = new Net([
    { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 1,
      data: [{ values: new Float64Array(X.flat()), shape: [2, 2] }, { values: new Float64Array(LABELS), shape: [2] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['s'], numOutput: 2 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  ], { backend: new JsBackend('float64') });
  net.params[0].blob.write(W0.slice(0, 4));
  net.params[1].blob.write(W0.slice(4));
  return net;
}

const read = (net: Net) => [...net.params[0].blob.read(), ...net.params[1].blob.read()];

/** By hand, for sample k: loss and gradient over [W (2×2 row-major), b]. */
function sample(w: number[], k: number): { loss: number; g: number[] } {
  const [x0, x1] = X[k];
  const s = [w[0] * x0 + w[1] * x1 + w[4], w[2] * x0 + w[3] * x1 + w[5]];
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const p = e.map((v) => v / (e[0] + e[1]));
  const ds = p.map((v, c) => v - (c === LABELS[k] ? 1 : 0));
  return { loss: -Math.log(p[LABELS[k]]), g: [ds[0] * x0, ds[0] * x1, ds[1] * x0, ds[1] * x1, ds[0], ds[1]] };
}

const norm = (g: number[]) => Math.sqrt(g.reduce((a, v) => a + v * v, 0));
const close = (got: number[], want: number[], what: string) =>
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-12, `${what}, element ${i}: ${got[i]} vs ${v}`));

function solver(net: Net, extra: Partial<SolverConfig>): Solver {
  return new Solver(net, { baseLr: 0.5, maxIter: 10, ...extra });
}

test('clipGradients scales all diffs by clip / global L2 norm only when the norm exceeds it', () => {
  const g = sample(W0, 0).g;
  assert.ok(norm(g) > 0.1 && norm(g) < 100, `the test needs a norm between the two clips, found ${norm(g)}`);
  const clipped = tinyNet();
  solver(clipped, { clipGradients: 0.1 }).step();
  close(read(clipped), W0.map((w, i) => w - 0.5 * g[i] * (0.1 / norm(g))), 'clipped');
  const unclipped = tinyNet();
  solver(unclipped, { clipGradients: 100 }).step();
  close(read(unclipped), W0.map((w, i) => w - 0.5 * g[i]), 'not clipped');
});

test('iterSize accumulates the gradients of several passes and averages them; the loss is the mean', () => {
  const net = tinyNet();
  const s = solver(net, { iterSize: 2, momentum: 0.9, weightDecay: 0.01 });
  let w = W0.slice();
  let v = W0.map(() => 0);
  for (let step = 1; step <= 2; step++) {
    const a = sample(w, 0);
    const b = sample(w, 1);
    const g = a.g.map((x, i) => (x + b.g[i]) / 2 + 0.01 * w[i]);
    v = v.map((x, i) => 0.9 * x + 0.5 * g[i]);
    w = w.map((x, i) => x - v[i]);
    s.step();
    close(read(net), w, `step ${step}`);
    assert.ok(Math.abs(s.loss - (a.loss + b.loss) / 2) < 1e-12, `step ${step} loss ${s.loss} vs ${(a.loss + b.loss) / 2}`);
    assert.ok(Math.abs(s.loss - net.loss()) > 1e-6, 'the reported loss is not just the last pass');
  }
});

test('with iterSize, clipping compares the summed gradient before the 1/iterSize scaling (Caffe order)', () => {
  const net = tinyNet();
  const sum = sample(W0, 0).g.map((x, i) => x + sample(W0, 1).g[i]);
  const clip = 0.75 * norm(sum);
  assert.ok(norm(sum) / 2 < clip, 'the mean alone would not be clipped: the test tells the orders apart');
  solver(net, { iterSize: 2, clipGradients: clip }).step();
  close(read(net), W0.map((w, i) => w - 0.5 * (sum[i] * (clip / norm(sum))) / 2), 'clipped sum');
});

test('Adam counts iterations, not passes, for its bias correction when iterSize > 1', () => {
  const net = tinyNet();
  const s = solver(net, { method: 'Adam', iterSize: 2, baseLr: 0.1 });
  s.step();
  assert.equal(s.iter, 1);
  // At t = 1 Adam's step is lr · g / (|g| + ε / sqrt(1 - β2)) for each element of the mean gradient g.
  const g = sample(W0, 0).g.map((x, i) => (x + sample(W0, 1).g[i]) / 2);
  close(read(net), W0.map((w, i) => w - 0.1 * g[i] / (Math.abs(g[i]) + 1e-8 / Math.sqrt(0.001))), 'Adam t = 1');
});
