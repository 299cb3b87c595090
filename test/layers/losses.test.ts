/** The loss and metric layers with known values, stability at extreme inputs, and config errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');

function run(config: LayerConfig, shapes: number[][], values: number[][], b = backend) {
  const built = buildLayer(b, config, shapes, { values });
  built.layer.forward(built.bottoms, built.tops);
  return built;
}

/** Runs backward with every bottom propagated to when the layer allows it. */
function grads(built: ReturnType<typeof run>): Float64Array[] {
  const down = built.bottoms.map((_, i) => built.layer.propagatesTo(i));
  built.layer.backward(built.tops, down, built.bottoms);
  return built.bottoms.map((x, i) => (down[i] ? Float64Array.from(x.readDiff()) : new Float64Array(0)));
}

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const nearAll = (a: ArrayLike<number>, b: number[], tol = 1e-12) => {
  assert.equal(a.length, b.length);
  b.forEach((v, i) => near(a[i], v, tol));
};
const loss = (built: ReturnType<typeof run>) => built.tops[0].read()[0];

describe('EuclideanLoss and SquareLoss', () => {
  for (const type of ['EuclideanLoss', 'SquareLoss']) {
    it(`${type}: Σ (a - b)² / 2N and ±lossWeight (a - b) / N`, () => {
      const b = run({ type, name: 'l2', bottoms: ['a', 'b'], lossWeight: 2 }, [[2, 2], [2, 2]], [[1, 2, 3, 4], [0, 0, 1, 1]]);
      assert.deepEqual(b.layer.config.tops, ['l2']);
      near(loss(b), 18 / 4); // differences 1, 2, 2, 3
      const [da, db] = grads(b);
      nearAll(da, [1, 2, 2, 3]);
      nearAll(db, [-1, -2, -2, -3]);
    });
  }

  it('rejects bottoms of different counts, naming both', () => {
    assert.throws(
      () => buildLayer(backend, { type: 'EuclideanLoss', name: 'e', bottoms: ['pred', 'target'] }, [[2, 3], [2, 2]]),
      (e: Error) => e instanceof ShapeError && /layer "e" \(EuclideanLoss\)/.test(e.message) && /"target"/.test(e.message) && /"pred"/.test(e.message) && /6 values, found 4/.test(e.message),
    );
  });
});

describe('SigmoidCrossEntropyLoss', () => {
  const sce = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'SigmoidCrossEntropyLoss', name: 'sce', bottoms: ['x', 't'], ...extra });
  const x = [0, 2, -3, 100, -100];
  const t = [0.5, 1, 0, 0, 1];
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

  it('matches the closed form, stays finite at |x| = 100, and divides by the batch by default', () => {
    const expected = Math.log(2) + Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-3)) + 200;
    const b = run(sce(), [[1, 5], [1, 5]], [x, t]);
    near(loss(b), expected);
    nearAll(grads(b)[0], x.map((v, i) => sigmoid(v) - t[i]));
    const b5 = run(sce(), [[5, 1], [5, 1]], [x, t]);
    near(loss(b5), expected / 5);
    const f32 = run(sce(), [[1, 5], [1, 5]], [x, t], new JsBackend('float32'));
    near(loss(f32), expected, 1e-6);
  });

  it('ignoreLabel drops elements from the sum, the gradient and the valid count', () => {
    const b = run(sce({ ignoreLabel: -1, normalization: 'valid', lossWeight: 3 }), [[2, 2], [2, 2]], [[0, 1, 2, 3], [1, -1, 0, -1]]);
    near(loss(b), (Math.log(2) + 2 + Math.log1p(Math.exp(-2))) / 2);
    nearAll(grads(b)[0], [3 * (0.5 - 1) / 2, 0, (3 * sigmoid(2)) / 2, 0]);
    assert.equal(b.layer.propagatesTo(1), false);
  });
});

describe('GaussianKLLoss', () => {
  it('is 0 at N(0, 1) and Σ (mu² + sigma² - 2 log sigma - 1) / 2N otherwise', () => {
    const kl = { type: 'GaussianKLLoss', name: 'kl', bottoms: ['mu', 'sigma'] };
    near(loss(run(kl, [[2, 2], [2, 2]], [[0, 0, 0, 0], [1, 1, 1, 1]])), 0);
    const b = run({ ...kl, lossWeight: 2 }, [[1, 2], [1, 2]], [[0, 1], [1, 2]]);
    near(loss(b), 2 - Math.log(2)); // (0) + (1 + 4 - 2 log 2 - 1), halved
    const [dmu, dsigma] = grads(b);
    nearAll(dmu, [0, 2]);
    nearAll(dsigma, [0, 2 * (2 - 0.5)]);
  });
});

describe('BinaryCrossEntropyLoss', () => {
  it('is -Σ (t log p + (1 - t) log(1 - p)) / N, finite at p = 0 and 1', () => {
    const bce = { type: 'BinaryCrossEntropyLoss', name: 'bce', bottoms: ['p', 't'] };
    near(loss(run(bce, [[2, 1], [2, 1]], [[0.25, 0.5], [1, 0]])), -(Math.log(0.25) + Math.log(0.5)) / 2);
    const edge = loss(run(bce, [[1, 2], [1, 2]], [[0, 1], [1, 0]]));
    near(edge, -2 * Math.log(1.17549435e-38));
  });
});

describe('SoftlabelSoftmaxLoss', () => {
  it('equals SoftmaxLoss for one-hot targets', () => {
    const scores = [0.1, 2, -1, 0.5, 0.3, 0.2];
    const soft = run({ type: 'SoftlabelSoftmaxLoss', name: 's', bottoms: ['x', 't'] }, [[2, 3], [2, 3]], [scores, [0, 1, 0, 0, 0, 1]]);
    const hard = run({ type: 'SoftmaxLoss', name: 'h', bottoms: ['x', 'l'] }, [[2, 3], [2]], [scores, [1, 2]]);
    near(loss(soft), loss(hard));
    nearAll(grads(soft)[0], [...grads(hard)[0]]);
  });
});

describe('MultinomialLogisticLoss', () => {
  const mll = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'MultinomialLogisticLoss', name: 'mll', bottoms: ['prob', 'label'], ...extra });

  it('weights are rescaled to sum to the class count and multiply each position', () => {
    const b = run(mll({ weights: [1, 3] }), [[2, 2], [2]], [[0.2, 0.8, 0.6, 0.4], [1, 0]]);
    near(loss(b), -(1.5 * Math.log(0.8) + 0.5 * Math.log(0.6)) / 2);
    nearAll(grads(b)[0], [0, -1.5 / 0.8 / 2, -0.5 / 0.6 / 2, 0]);
  });

  it('floors a zero probability at FLT_MIN and rejects a bad label, naming the position (the net adds the layer)', () => {
    near(loss(run(mll(), [[1, 2], [1]], [[0, 1], [0]])), -Math.log(1.17549435e-38));
    assert.throws(() => run(mll(), [[2, 2], [2]], [[0.5, 0.5, 0.5, 0.5], [0, 2]]),
      (e: Error) => e instanceof DataError && /label 2 at item 1/.test(e.message) && /\[0, 2\)/.test(e.message));
  });

  it('rejects weights of the wrong length or with no positive sum', () => {
    assert.throws(() => buildLayer(backend, mll({ weights: [1, 2, 3] }), [[2, 2], [2]]),
      (e: Error) => e instanceof ShapeError && /"weights" has 3 entries/.test(e.message) && /2 classes/.test(e.message));
    assert.throws(() => buildLayer(backend, mll({ weights: [0, 0] }), [[2, 2], [2]]),
      (e: Error) => e instanceof ConfigError && /field "weights"/.test(e.message));
  });
});

describe('SoftmaxLoss class weights', () => {
  const sm = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['scores', 'label'], ...extra });
  const scores = [0.1, 2, -1, 0.5, 0.3, 0.2, 1, -2];

  it('equal weights change nothing; other weights scale each position', () => {
    const plain = run(sm(), [[2, 4], [2]], [scores, [1, 3]]);
    const equal = run(sm({ weights: [2, 2, 2, 2] }), [[2, 4], [2]], [scores, [1, 3]]);
    near(loss(equal), loss(plain));
    nearAll(grads(equal)[0], [...grads(plain)[0]]);
    const zeros = run(sm({ weights: [1, 3, 0, 0], lossWeight: 2 }), [[2, 4], [2]], [Array(8).fill(0), [1, 3]]);
    near(loss(zeros), (3 * Math.log(4)) / 2);
    nearAll(grads(zeros)[0], [0.25, -0.75, 0.25, 0.25, 0, 0, 0, 0].map((v) => (2 * 3 * v) / 2));
  });
});

describe('HingeLoss', () => {
  const hinge = (norm: string): LayerConfig => ({ type: 'HingeLoss', name: 'h', bottoms: ['scores', 'label'], norm });
  it('L1 and L2 margins against the labelled class', () => {
    // margins: 1 + 0.5, 1 - 0.2, and max(0, 1 - 2) for the label
    const l1 = run(hinge('L1'), [[1, 3], [1]], [[0.5, -0.2, 2], [2]]);
    near(loss(l1), 2.3);
    nearAll(grads(l1)[0], [1, 1, 0]);
    const l2 = run(hinge('L2'), [[1, 3], [1]], [[0.5, -0.2, 2], [2]]);
    near(loss(l2), 2.89);
    nearAll(grads(l2)[0], [3, 1.6, 0]);
    const active = run(hinge('L1'), [[1, 2], [1]], [[0.5, 0.5], [1]]);
    nearAll(grads(active)[0], [1, -1]);
  });

  it("labels 'sign': Mocha's binary hinge, one ±1 label per score", () => {
    const sign = (norm: string): LayerConfig => ({ ...hinge(norm), labels: 'sign' });
    // N = 2: margins max(0, 1 - 0.5) = 0.5, max(0, 1 + 0.25) = 1.25, max(0, 1 - 2) = 0, max(0, 1 + 3) = 4
    const l1 = run(sign('L1'), [[2, 2], [2, 2]], [[0.5, 0.25, 2, -3], [1, -1, 1, 1]]);
    near(loss(l1), (0.5 + 1.25 + 0 + 4) / 2);
    nearAll(grads(l1)[0], [-1, 1, 0, -1].map((v) => v / 2));
    const l2 = run(sign('L2'), [[2, 2], [2, 2]], [[0.5, 0.25, 2, -3], [1, -1, 1, 1]]);
    near(loss(l2), (0.25 + 1.5625 + 0 + 16) / 2);
    nearAll(grads(l2)[0], [-1, 2.5, 0, -8].map((v) => v / 2));
    assert.throws(() => buildLayer(backend, sign('L1'), [[2, 2], [2]]), (e: Error) => e instanceof ShapeError && /one ±1 per score \(4\), found 2/.test(e.message));
  });

  it('rejects an unknown norm', () => {
    assert.throws(() => buildLayer(backend, hinge('L3'), [[1, 3], [1]]), (e: Error) => e instanceof ConfigError && /field "norm"/.test(e.message));
  });
});

describe('BinaryAccuracy', () => {
  const bacc = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'BinaryAccuracy', name: 'bacc', bottoms: ['pred', 'label'], ...extra });
  it('threshold 0 (default) for ±1 labels, 0.5 for probabilities', () => {
    near(loss(run(bacc(), [[3], [3]], [[-1, 2, 0.5], [-1, 1, -1]])), 2 / 3);
    // 0.5 is not above 0.5, so it counts as the negative side
    near(loss(run(bacc({ threshold: 0.5 }), [[4], [4]], [[0.2, 0.7, 0.5, 0.9], [0, 1, 1, 0]])), 1 / 2);
    const b = run(bacc(), [[1], [1]], [[1], [1]]);
    assert.equal(b.layer.lossWeight, 0);
    assert.equal(b.layer.propagatesTo(0), false);
  });
});

describe('WassersteinLoss', () => {
  const wass = (extra: Record<string, unknown>): LayerConfig => ({ type: 'WassersteinLoss', name: 'w', bottoms: ['pred', 'target'], ...extra });
  const flip = [[0, 1], [1, 0]];

  it('reaches the exact transport cost where the plan is forced, and ~0 between equal histograms', () => {
    // all mass must go to target bin 0: half of it moves at cost 1, whatever lambda
    near(loss(run(wass({ M: flip, lambda: 3 }), [[1, 2], [1, 2]], [[0.5, 0.5], [1, 0]])), 0.5, 1e-9);
    near(loss(run(wass({ M: flip, lambda: 30, sinkhornIter: 100 }), [[1, 2], [1, 2]], [[0.3, 0.7], [0.3, 0.7]])), 0, 1e-9);
  });

  it("matches Mocha's Sinkhorn iteration and dual gradient, sample by sample", () => {
    const M = [[0, 1, 2], [1, 0, 1], [2, 1, 0], [3, 2, 1]];
    const lambda = 1.5;
    const iters = 7;
    const a = [0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.4, 0.1];
    const bv = [0.2, 0.5, 0.3, 0.6, 0.1, 0.3];
    const b = run(wass({ M, lambda, sinkhornIter: iters, lossWeight: 2 }), [[2, 4], [2, 3]], [a, bv]);
    let expected = 0;
    const grad: number[] = [];
    for (let n = 0; n < 2; n++) {
      const an = a.slice(4 * n, 4 * n + 4);
      const bn = bv.slice(3 * n, 3 * n + 3);
      const K = M.map((row) => row.map((m) => Math.exp(-lambda * m)));
      const Ktu = (u: number[]) => [0, 1, 2].map((q) => u.reduce((s, up, p) => s + up * K[p][q], 0));
      let u = [0.25, 0.25, 0.25, 0.25];
      for (let it = 0; it < iters; it++) {
        const w = Ktu(u).map((x, q) => bn[q] / x);
        u = an.map((ap, p) => ap / K[p].reduce((s, kpq, q) => s + kpq * w[q], 0));
      }
      const v = Ktu(u).map((x, q) => bn[q] / x);
      expected += u.reduce((s, up, p) => s + up * K[p].reduce((t, kpq, q) => t + kpq * M[p][q] * v[q], 0), 0);
      grad.push(...u.map((up) => (2 * Math.log(up)) / (lambda * 2)));
    }
    near(loss(b), expected / 2, 1e-10);
    nearAll(grads(b)[0], grad, 1e-10);
    assert.equal(b.layer.propagatesTo(1), false);
  });

  it('rejects a cost matrix that does not fit the bottoms, and a missing lambda', () => {
    assert.throws(() => buildLayer(backend, wass({ M: flip, lambda: 1 }), [[2, 3], [2, 2]]),
      (e: Error) => e instanceof ShapeError && /layer "w" \(WassersteinLoss\)/.test(e.message) && /"M" is 2 × 2/.test(e.message));
    assert.throws(() => buildLayer(backend, wass({ M: flip }), [[2, 2], [2, 2]]),
      (e: Error) => e instanceof ConfigError && /field "lambda"/.test(e.message));
    assert.throws(() => buildLayer(backend, wass({ M: [[0, 1], [1]], lambda: 1 }), [[2, 2], [2, 2]]),
      (e: Error) => e instanceof ConfigError && /field "M"/.test(e.message));
  });
});
