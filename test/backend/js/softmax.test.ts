import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassGeom, LossNormalization } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Random } from '../../../src/core/random.js';
import { DataError } from '../../../src/core/errors.js';
import { DTYPES, assertClose, randArray } from './naive.js';

const at = (g: ClassGeom, o: number, c: number, i: number) => (o * g.classes + c) * g.inner + i;

function naiveSoftmax(g: ClassGeom, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(g.outer * g.classes * g.inner);
  for (let o = 0; o < g.outer; o++) {
    for (let i = 0; i < g.inner; i++) {
      let m = -Infinity;
      for (let c = 0; c < g.classes; c++) m = Math.max(m, x[at(g, o, c, i)]);
      let s = 0;
      for (let c = 0; c < g.classes; c++) s += Math.exp(x[at(g, o, c, i)] - m);
      for (let c = 0; c < g.classes; c++) y[at(g, o, c, i)] = Math.exp(x[at(g, o, c, i)] - m) / s;
    }
  }
  return y;
}

for (const dtype of DTYPES) {
  test(`softmax forward and backward over the class axis, ${dtype}`, () => {
    const be = new JsBackend(dtype);
    const rng = new Random(5);
    const tol = dtype === 'float32' ? 1e-6 : 1e-14;
    for (const g of [{ outer: 4, classes: 10, inner: 1 }, { outer: 2, classes: 3, inner: 5 }, { outer: 1, classes: 1, inner: 3 }]) {
      const n = g.outer * g.classes * g.inner;
      const X = randArray(n, rng, -5, 5, dtype === 'float32');
      const DY = randArray(n, rng, -1, 1, dtype === 'float32');
      const x = be.alloc(n), y = be.alloc(n), dy = be.alloc(n), dx = be.alloc(n);
      be.upload(x, X);
      be.upload(dy, DY);
      be.softmaxForward(g, x, y);
      const Y = naiveSoftmax(g, X);
      assertClose(be.download(y), Y, tol, `softmax ${JSON.stringify(g)}`);
      be.softmaxBackward(g, y, dy, dx);
      const Yd = be.download(y);
      const want = new Float64Array(n);
      for (let o = 0; o < g.outer; o++) {
        for (let i = 0; i < g.inner; i++) {
          let dot = 0;
          for (let c = 0; c < g.classes; c++) dot += DY[at(g, o, c, i)] * Yd[at(g, o, c, i)];
          for (let c = 0; c < g.classes; c++) want[at(g, o, c, i)] = Yd[at(g, o, c, i)] * (DY[at(g, o, c, i)] - dot);
        }
      }
      assertClose(be.download(dx), want, tol, `softmax backward ${JSON.stringify(g)}`);
      // In place on dy, as layers may do.
      be.softmaxBackward(g, y, dy, dy);
      assertClose(be.download(dy), want, tol, `softmax backward in place ${JSON.stringify(g)}`);
    }
  });
}

test('softmax subtracts the maximum: huge scores neither overflow nor underflow', () => {
  const be = new JsBackend('float32');
  const x = be.alloc(3), y = be.alloc(3);
  be.upload(x, [1000, 1000, -1000]);
  be.softmaxForward({ outer: 1, classes: 3, inner: 1 }, x, y);
  assert.deepEqual([...be.download(y)], [0.5, 0.5, 0]);
});

// prob [outer 2, classes 3, inner 2], labels [2, 2]: position (1, 1) is ignored (label 9).
const G: ClassGeom = { outer: 2, classes: 3, inner: 2 };
const PROB = [
  0.2, 0.5, 0.3, 0.25, 0.5, 0.25, // item 0: (class 0: pos 0, pos 1), (class 1: ...), (class 2: ...)
  0.6, 0.1, 0.3, 0.3, 0.1, 0.6, // item 1
];
const LABEL = [2, 0, 1, 9];

function lossFixture(be: JsBackend) {
  const prob = be.alloc(12), label = be.alloc(4), out = be.alloc(1), dx = be.alloc(12);
  be.upload(prob, PROB);
  be.upload(label, LABEL);
  return { prob, label, out, dx };
}

test('softmax loss and its gradient for every normalization, with an ignored label', () => {
  const be = new JsBackend('float64');
  const { prob, label, out, dx } = lossFixture(be);
  // Labelled picks: item 0 pos 0 class 2 -> 0.5; item 0 pos 1 class 0 -> 0.5; item 1 pos 0 class 1 -> 0.3.
  const sum = -Math.log(0.5) - Math.log(0.5) - Math.log(0.3);
  const cases: [LossNormalization, number][] = [['valid', 3], ['batch', 2], ['full', 4], ['none', 1]];
  for (const [norm, div] of cases) {
    be.softmaxLossForward(G, prob, label, 9, norm, out);
    assertClose(be.download(out), [sum / div], 1e-15, `loss ${norm}`);
    be.set(12, NaN, dx);
    be.softmaxLossBackward(G, prob, label, 9, norm, 2, dx);
    const want = PROB.map((p) => (2 * p) / div);
    for (const [o, i, c] of [[0, 0, 2], [0, 1, 0], [1, 0, 1]]) want[at(G, o, c, i)] -= 2 / div;
    for (let c = 0; c < 3; c++) want[at(G, 1, c, 1)] = 0;
    assertClose(be.download(dx), want, 1e-15, `loss gradient ${norm}`);
  }
});

test('softmax loss floors probabilities at FLT_MIN and divides by 1 when nothing is labelled', () => {
  const be = new JsBackend('float64');
  const prob = be.alloc(2), label = be.alloc(1), out = be.alloc(1);
  be.upload(prob, [1, 0]);
  be.upload(label, [1]);
  be.softmaxLossForward({ outer: 1, classes: 2, inner: 1 }, prob, label, null, 'valid', out);
  assertClose(be.download(out), [-Math.log(1.17549435e-38)], 1e-15, 'floored loss');
  be.softmaxLossForward({ outer: 1, classes: 2, inner: 1 }, prob, label, 1, 'valid', out);
  assert.equal(be.download(out)[0], 0);
  const dx = be.alloc(2);
  be.set(2, NaN, dx);
  be.softmaxLossBackward({ outer: 1, classes: 2, inner: 1 }, prob, label, 1, 'valid', 1, dx);
  assert.deepEqual([...be.download(dx)], [0, 0]);
});

test('softmax loss names a label outside the classes', () => {
  const be = new JsBackend('float64');
  const { prob, out } = lossFixture(be);
  const label = be.alloc(4);
  be.upload(label, [0, 1, 3, 0]);
  assert.throws(() => be.softmaxLossForward(G, prob, label, null, 'valid', out),
    (e: Error) => e instanceof DataError && /label 3 at item 1, position 0 is not a class index in \[0, 3\)/.test(e.message));
});

test('accuracy: top-k, ties counted against the label, ignored labels skipped', () => {
  const be = new JsBackend('float64');
  const g: ClassGeom = { outer: 4, classes: 4, inner: 1 };
  const x = be.alloc(16), label = be.alloc(4), out = be.alloc(1);
  be.upload(x, [
    0.1, 0.7, 0.1, 0.1, // label 1: best
    0.4, 0.3, 0.2, 0.1, // label 1: second
    0.3, 0.3, 0.3, 0.1, // label 2: tied with two others
    0.1, 0.2, 0.3, 0.4, // label 0: last, or ignored
  ]);
  be.upload(label, [1, 1, 2, 0]);
  const acc = (k: number, ignore: number | null) => {
    be.accuracyForward(g, x, label, k, ignore, out);
    return be.download(out)[0];
  };
  assert.equal(acc(1, null), 1 / 4);
  assert.equal(acc(2, null), 2 / 4);
  assert.equal(acc(3, null), 3 / 4); // the tie needs k = 3: two other classes score as high
  assert.equal(acc(4, null), 1);
  assert.equal(acc(1, 0), 1 / 3);
  assert.equal(acc(3, 0), 1);
  be.upload(label, [5, 5, 5, 5]);
  assert.equal(acc(1, 5), 0, 'nothing labelled gives 0');
});

test('accuracy with spatial positions (inner > 1)', () => {
  const be = new JsBackend('float64');
  const x = be.alloc(12), label = be.alloc(4), out = be.alloc(1);
  be.upload(x, PROB);
  // argmax per position: (0,0) -> 2, (0,1) -> 0, (1,0) -> 0, (1,1) -> 2; the label at (0,0) is wrong
  be.upload(label, [1, 0, 0, 2]);
  be.accuracyForward(G, x, label, 1, null, out);
  assert.equal(be.download(out)[0], 3 / 4);
  be.accuracyForward(G, x, label, 1, 2, out);
  assert.equal(be.download(out)[0], 2 / 3);
});
