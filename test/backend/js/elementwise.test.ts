import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEURON_FROM_X, type NeuronOp } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { erf, normalCdf } from '../../../src/backend/js/special.js';
import { erfBySimpson } from '../../harness/references/elementwise.js';
import { BackendError } from '../../../src/core/errors.js';
import { DTYPES, assertClose } from './naive.js';

const up = (be: JsBackend, v: number[]) => {
  const b = be.alloc(v.length);
  be.upload(b, v);
  return b;
};
const down = (be: JsBackend, b: ReturnType<JsBackend['alloc']>) => [...be.download(b)];

test('memory: alloc is zeroed and typed by dtype, view aliases, download copies', () => {
  for (const dtype of DTYPES) {
    const be = new JsBackend(dtype);
    const a = be.alloc(6);
    assert.ok(dtype === 'float32' ? a instanceof Float32Array : a instanceof Float64Array);
    assert.deepEqual(down(be, a), [0, 0, 0, 0, 0, 0]);
    be.upload(a, [1, 2], 3);
    const v = be.view(a, 2, 3);
    assert.deepEqual(down(be, v), [0, 1, 2]);
    be.set(3, 7, v);
    assert.deepEqual(down(be, a), [0, 0, 7, 7, 7, 0]);
    const copy = be.download(a);
    copy[0] = 99;
    assert.equal(be.download(a)[0], 0, 'download returns a copy');
    const out = new Float64Array(4);
    assert.equal(be.download(a, out, 4), out);
    assert.deepEqual([...out], [0, 0, 7, 7]);
  }
  const be = new JsBackend();
  assert.throws(() => be.view(be.alloc(4), 2, 3), (e: Error) => e instanceof BackendError && /\[2, 5\) is outside a buffer of 4/.test(e.message));
  assert.throws(() => be.upload(be.alloc(2), [1, 2, 3]), BackendError);
  assert.throws(() => new JsBackend('float16' as never), BackendError);
});

test('BLAS level 1', () => {
  const be = new JsBackend('float64');
  const x = up(be, [1, -2, 3, 4]), y = up(be, [10, 20, 30, 40]);
  assert.equal(be.dot(3, x, y), 10 - 40 + 90);
  assert.equal(be.asum(3, x), 6);
  be.axpy(3, 2, x, y);
  assert.deepEqual(down(be, y), [12, 16, 36, 40]);
  be.axpby(2, 1, x, 0.5, y);
  assert.deepEqual(down(be, y), [7, 6, 36, 40]);
  be.scal(3, -1, y);
  assert.deepEqual(down(be, y), [-7, -6, -36, 40]);
  be.set(2, NaN, y);
  be.axpby(4, 3, x, 0, y);
  assert.deepEqual(down(be, y), [3, -6, 9, 12], 'axpby with beta 0 overwrites NaN');
  be.copy(2, x, y);
  assert.deepEqual(down(be, y), [1, -2, 9, 12]);
});

test('elementwise ops, in place too', () => {
  const be = new JsBackend('float64');
  const a = up(be, [1, 4, -9, 0.5]), b = up(be, [2, -2, 3, 0.5]), y = be.alloc(4);
  be.add(4, a, b, y); assert.deepEqual(down(be, y), [3, 2, -6, 1]);
  be.sub(4, a, b, y); assert.deepEqual(down(be, y), [-1, 6, -12, 0]);
  be.mul(4, a, b, y); assert.deepEqual(down(be, y), [2, -8, -27, 0.25]);
  be.div(4, a, b, y); assert.deepEqual(down(be, y), [0.5, -2, -3, 1]);
  be.abs(4, a, y); assert.deepEqual(down(be, y), [1, 4, 9, 0.5]);
  be.powx(4, y, 0.5, y); assert.deepEqual(down(be, y), [1, 2, 3, Math.SQRT1_2]);
  be.exp(2, b, y); assert.deepEqual(down(be, y).slice(0, 2), [Math.exp(2), Math.exp(-2)]);
  be.log(2, y, y); assertClose(down(be, y).slice(0, 2), [2, -2], 1e-15, 'log(exp)');
  const s = up(be, [-3, 0, 2, NaN]);
  be.sign(4, s, s); assert.deepEqual(down(be, s), [-1, 0, 1, 0]);
  be.addScalar(3, 0.5, s); assert.deepEqual(down(be, s), [-0.5, 0.5, 1.5, 0]);
});

test('clamp and where: inclusive bounds, infinite bounds, NaN stays NaN, in place too', () => {
  for (const dtype of DTYPES) {
    const be = new JsBackend(dtype);
    const x = up(be, [-2, -1, 0.25, 1, 3, NaN, -Infinity, Infinity]), y = be.alloc(8);
    be.clamp(8, -1, 1, x, y);
    assert.deepEqual(down(be, y), [-1, -1, 0.25, 1, 1, NaN, -1, 1]);
    be.clamp(8, -Infinity, 0, x, y);
    assert.deepEqual(down(be, y), [-2, -1, 0, 0, 0, NaN, -Infinity, 0]);
    be.clamp(8, 0, Infinity, x, y);
    assert.deepEqual(down(be, y), [0, 0, 0.25, 1, 3, NaN, 0, Infinity]);
    const a = up(be, [1, 2, 3, 4, 5, 6, 7, 8]), b = up(be, [-1, -2, -3, -4, -5, -6, -7, -8]);
    be.where(8, -1, 1, x, a, b, y);
    assert.deepEqual(down(be, y), [-1, 2, 3, 4, -5, NaN, -7, -8]);
    be.where(8, -Infinity, 0, x, a, b, y);
    assert.deepEqual(down(be, y), [1, 2, -3, -4, -5, NaN, 7, -8]);
    be.where(8, 1, 1, x, a, b, a);
    assert.deepEqual(down(be, a), [-1, -2, -3, 4, -5, NaN, -7, -8], 'lo = hi selects x = lo; y may be a');
    be.clamp(8, -0.5, 0.5, x, x);
    assert.deepEqual(down(be, x), [-0.5, -0.5, 0.25, 0.5, 0.5, NaN, -0.5, 0.5], 'y may be x');
  }
  // float32: the bounds are compared as float32, as the kernels of the float32 backends see them.
  const be = new JsBackend('float32');
  const x = up(be, [0.1, Math.fround(0.1)]), y = be.alloc(2);
  be.where(2, 0.1, 1, x, up(be, [1, 1]), up(be, [0, 0]), y);
  assert.deepEqual(down(be, y), [1, 1]);
});

test('neurons forward, and backward from y against central differences of forward', () => {
  const be = new JsBackend('float64');
  const X = [-2, -0.5, 0.3, 1.7, 3];
  const f: Record<NeuronOp, (x: number) => number> = {
    identity: (x) => x,
    relu: (x) => Math.max(x, 0),
    lrelu: (x) => (x > 0 ? x : 0.1 * x),
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    tanh: Math.tanh,
    exp: Math.exp,
    erf: erfBySimpson,
    gelu: (x) => (x * (1 + erfBySimpson(x / Math.SQRT2))) / 2,
    geluTanh: (x) => (x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))) / 2,
  };
  for (const op of Object.keys(f) as NeuronOp[]) {
    const x = up(be, X), y = be.alloc(5), dy = up(be, [1, -2, 0.5, 3, -1]);
    be.neuronForward(op, 5, x, y, 0.1);
    assertClose(down(be, y), X.map(f[op]), 1e-14, `${op} forward`);
    const dx = be.alloc(5);
    // erf and gelu differentiate from x, passed in y's place
    const from = NEURON_FROM_X.has(op) ? x : y;
    be.neuronBackward(op, 5, from, dy, dx, 0.1);
    const h = 1e-6;
    const want = X.map((v, i) => ((f[op](v + h) - f[op](v - h)) / (2 * h)) * [1, -2, 0.5, 3, -1][i]);
    assertClose(down(be, dx), want, 1e-8, `${op} backward`);
    be.neuronBackward(op, 5, from, dy, dy, 0.1);
    assertClose(down(be, dy), want, 1e-8, `${op} backward in place`);
  }
  const n = up(be, [NaN, -1]);
  be.neuronForward('relu', 2, n, n, 0);
  assert.ok(Number.isNaN(be.download(n)[0]), 'ReLU keeps NaN visible');
});

test('erf and the normal CDF keep their relative precision in the tails and at the series/fraction switch', () => {
  // Values of an arbitrary-precision erf (Python's math.erf and math.erfc).
  const erfs: [number, number][] = [[1e-8, 1.1283791670955126e-8], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465],
    [1, 0.8427007929497149], [2.4999, 0.9995928300996666], [2.5, 0.999593047982555], [3, 0.9999779095030014], [-1, -0.8427007929497149]];
  for (const [x, want] of erfs) assert.ok(Math.abs(erf(x) - want) <= 1e-15 * Math.abs(want), `erf(${x}) = ${erf(x)}, want ${want}`);
  const cdfs: [number, number][] = [[-30, 4.906713927148764e-198], [-10, 7.619853024160593e-24], [-5, 2.866515718791946e-7],
    [-1, 0.15865525393145707], [0.3, 0.6179114221889526], [5, 0.9999997133484281]];
  for (const [x, want] of cdfs) assert.ok(Math.abs(normalCdf(x) - want) <= 1e-12 * want, `Φ(${x}) = ${normalCdf(x)}, want ${want}`);
  assert.equal(erf(Infinity), 1);
  assert.equal(erf(-Infinity), -1);
  assert.equal(normalCdf(-Infinity), 0);
  assert.ok(Number.isNaN(erf(NaN)) && Number.isNaN(normalCdf(NaN)));
  assert.ok(Object.is(erf(-0), -0));
});

test('dropout forward and backward', () => {
  const be = new JsBackend('float64');
  const x = up(be, [1, 2, 3, 4]), rand = up(be, [0.1, 0.5, 0.49, 0.9]), y = be.alloc(4);
  be.dropoutForward(4, x, rand, 0.5, 2, y);
  assert.deepEqual(down(be, y), [0, 4, 0, 8]);
  be.dropoutBackward(4, x, rand, 0.5, 2, x);
  assert.deepEqual(down(be, x), [0, 4, 0, 8]);
});

test('bias forward adds per channel; backward accumulates the channel sums', () => {
  const be = new JsBackend('float64');
  const y = be.alloc(12), bias = up(be, [1, 10, 100]);
  be.biasForward(2, 3, 2, bias, y);
  assert.deepEqual(down(be, y), [1, 1, 10, 10, 100, 100, 1, 1, 10, 10, 100, 100]);
  const dy = up(be, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), db = up(be, [0.5, 0.5, 0.5]);
  be.biasBackward(2, 3, 2, dy, db);
  assert.deepEqual(down(be, db), [0.5 + 1 + 2 + 7 + 8, 0.5 + 3 + 4 + 9 + 10, 0.5 + 5 + 6 + 11 + 12]);
});

test('sgdUpdate: Caffe momentum with L2 and L1 weight decay, hand-computed', () => {
  const be = new JsBackend('float64');
  // L2: g = diff + 0.1 w; hist = 0.9 hist + 0.5 g; w -= hist.
  const w = up(be, [1, -2]), diff = up(be, [0.5, 0.25]), hist = up(be, [0.2, -0.4]);
  be.sgdUpdate(2, w, diff, hist, 0.5, 0.9, 0.1, 'L2');
  // g = [0.6, 0.05]; hist = [0.18 + 0.3, -0.36 + 0.025] = [0.48, -0.335]; w = [0.52, -1.665]
  assertClose(down(be, hist), [0.48, -0.335], 1e-15, 'L2 hist');
  assertClose(down(be, w), [0.52, -1.665], 1e-15, 'L2 w');
  assert.deepEqual(down(be, diff), [0.5, 0.25], 'diff unchanged');
  // L1: g = diff + 0.1 sign(w); sign(0) = 0.
  const w1 = up(be, [3, -2, 0]), d1 = up(be, [1, 1, 1]), h1 = be.alloc(3);
  be.sgdUpdate(3, w1, d1, h1, 0.1, 0.9, 0.1, 'L1');
  assertClose(down(be, h1), [0.11, 0.09, 0.1], 1e-15, 'L1 hist');
  assertClose(down(be, w1), [2.89, -2.09, -0.1], 1e-15, 'L1 w');
});

test('gather copies scaled rows by index; fromHost aliases a matching typed array', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const b = new JsBackend(dtype);
    const host = dtype === 'float32' ? new Float32Array(12).map((_, i) => i) : new Float64Array(12).map((_, i) => i);
    const src = b.fromHost(host);
    assert.equal(src, host, 'a typed array of the backend dtype is used in place');
    const dst = b.alloc(9) as Float32Array | Float64Array;
    dst.fill(NaN);
    b.gather(3, 3, src, b.fromHost([3, 0, 3]), 2, dst);
    assert.deepEqual(Array.from(dst), [18, 20, 22, 0, 2, 4, 18, 20, 22]);
    b.gather(2, 3, src, b.fromHost([1, 2]), 1, dst);
    assert.deepEqual(Array.from(dst.subarray(0, 6)), [3, 4, 5, 6, 7, 8]);
    assert.throws(() => b.gather(1, 3, src, b.fromHost([4]), 1, dst), /index\[0\] = 4 is not a row of a source of 4 rows/);
    for (const bad of [-1, 1.5, NaN]) {
      assert.throws(() => b.gather(2, 3, src, b.fromHost([0, bad]), 1, dst), new RegExp(`index\\[1\\] = ${bad} is not a row`));
      assert.throws(() => b.scatterAdd(2, 3, src, b.fromHost([bad, 0]), 1, dst), new RegExp(`index\\[0\\] = ${bad} is not a row`));
    }
    // Long rows (copied whole) and rows of one value (a transpose), with and without a scale
    const wide = b.fromHost(Array.from({ length: 3 * 70 }, (_, i) => i)), out = b.alloc(3 * 70) as Float32Array | Float64Array;
    for (const scale of [1, -0.5]) {
      b.gather(3, 70, wide, b.fromHost([2, 0, 1]), scale, out);
      assert.deepEqual(Array.from(out), [140, 0, 70].flatMap((s0) => Array.from({ length: 70 }, (_, j) => scale * (s0 + j))));
      b.gather(210, 1, wide, b.fromHost(Array.from({ length: 210 }, (_, r) => (r % 3) * 70 + Math.floor(r / 3))), scale, out);
      assert.deepEqual(Array.from(out), Array.from({ length: 210 }, (_, r) => scale * ((r % 3) * 70 + Math.floor(r / 3))));
    }
  }
  const copied = new JsBackend('float64').fromHost(new Float32Array([1.5, 2]));
  assert.ok(copied instanceof Float64Array);
});

test('copy2d copies or adds rows between strides, short rows and long, leaving the gaps between rows alone', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const b = new JsBackend(dtype);
    for (const cols of [1, 3, 70]) {
      const rows = 4, srcStride = cols + 2, dstStride = cols + 5;
      const src = b.fromHost(Array.from({ length: rows * srcStride }, (_, i) => i));
      for (const accumulate of [false, true]) {
        const dst = b.fromHost(new Array(rows * dstStride).fill(-1)) as Float32Array | Float64Array;
        b.copy2d(rows, cols, src, srcStride, dst, dstStride, accumulate);
        const want = Array.from({ length: rows * dstStride }, (_, i) => {
          const r = Math.floor(i / dstStride), j = i % dstStride;
          return j < cols ? r * srcStride + j + (accumulate ? -1 : 0) : -1;
        });
        assert.deepEqual(Array.from(dst), want, `${dtype}, rows of ${cols}, ${accumulate ? 'adding' : 'copying'}`);
      }
    }
  }
});
