/**
 * Native pooling, neurons, softmax, softmax loss, random numbers, dropout and the SGD step against
 * JsBackend('float32'), including the edge cases the reference defines (ties and NaN in max
 * pooling, padding in mean pooling, ignored and bad labels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassGeom, LossNormalization, NeuronOp, PoolGeom } from '../../../src/backend/backend.js';
import { BackendError, DataError } from '../../../src/core/errors.js';
import { NEURON_OP } from '../../../src/backend/kernel-abi.js';
import { assertClose, buf, pair, poolGeom as pool, read, skipReason, values } from './util.js';

const POOLS: [string, PoolGeom][] = [
  ['LeNet 2x2 stride 2', pool({ num: 3, channels: 20, height: 24, width: 24, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['2x2 stride 2, wide rows (whole and partial vectors)', pool({ num: 2, channels: 3, height: 6, width: 40, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['2x2 stride 2 on odd sizes (clipped last window)', pool({ num: 2, channels: 3, height: 7, width: 9, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  // Input rows one vector wide: two output rows a vector (AVX2's 8, AVX-512's 16, wasm's 4), with
  // an odd number of output rows left to the row at a time path.
  ['LeNet pool2 2x2 stride 2 on 8x8', pool({ num: 3, channels: 5, height: 8, width: 8, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['2x2 stride 2 on 11x8 (odd output rows, a last input row no window reads)', pool({ num: 2, channels: 3, height: 11, width: 8, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['2x2 stride 2 on 10x16', pool({ num: 2, channels: 3, height: 10, width: 16, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['2x2 stride 2 on 6x4', pool({ num: 2, channels: 3, height: 6, width: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 })],
  ['3x3 stride 2 pad 1', pool({ num: 2, channels: 4, height: 13, width: 10, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 })],
  ['overlapping 3x2 stride 1', pool({ num: 1, channels: 2, height: 5, width: 6, kernelH: 3, kernelW: 2 })],
  ['global 6x5', pool({ num: 2, channels: 3, height: 6, width: 5, kernelH: 6, kernelW: 5 })],
  ['large (parallel planes)', pool({ num: 8, channels: 16, height: 32, width: 32, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 })],
  // The vector path over windows inside the image, beside the generic loop at the edges.
  ['CIFAR-10 3x3 stride 2 (last window clipped)', pool({ num: 2, channels: 3, height: 32, width: 32, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2 })],
  ['within-channel LRN 3x3 stride 1 pad 1', pool({ num: 1, channels: 3, height: 16, width: 37, kernelH: 3, kernelW: 3, padH: 1, padW: 1 })],
  ['3x3 stride 2 over wide rows', pool({ num: 1, channels: 2, height: 9, width: 75, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2 })],
  ['horizontal stride 3, kernel 4x3', pool({ num: 1, channels: 2, height: 11, width: 58, kernelH: 4, kernelW: 3, strideH: 1, strideW: 3 })],
  ['2x1 stride 2x1', pool({ num: 1, channels: 2, height: 8, width: 33, kernelH: 2, kernelW: 1, strideH: 2, strideW: 1 })],
  ['5x5 stride 3 pad 2', pool({ num: 1, channels: 2, height: 20, width: 41, kernelH: 5, kernelW: 5, strideH: 3, strideW: 3, padH: 2, padW: 2 })],
  // Stride past the kernel: inputs no window holds, and a last window that misses the image.
  ['1x1 stride 3 (last window misses the image)', pool({ num: 1, channels: 2, height: 5, width: 5, kernelH: 1, kernelW: 1, strideH: 3, strideW: 3 })],
  ['2x2 stride 3, wide rows', pool({ num: 2, channels: 3, height: 8, width: 50, kernelH: 2, kernelW: 2, strideH: 3, strideW: 3 })],
  ['CIFAR-10 pool3 3x3 stride 2 on 8x8 (parallel planes)', pool({ num: 20, channels: 64, height: 8, width: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2 })],
];

test('native max and mean pooling match the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 200;
  for (const [name, g] of POOLS) {
    const nx = g.num * g.channels * g.height * g.width, ny = g.num * g.channels * g.outH * g.outW;
    const X = values(nx, ++seed), DY = values(ny, ++seed);
    // Ties: quantize some values so equal maxima occur and the first one must win.
    for (let i = 0; i < nx; i += 3) X[i] = Math.round(X[i] * 2) / 2;
    for (const method of ['max', 'mean'] as const) {
      const run = (b: typeof native | typeof js) => {
        const y = b.alloc(ny), mask = b.alloc(ny), dx = buf(b, new Float32Array(nx).fill(NaN));
        b.poolForward(g, method, buf(b, X), y, mask);
        b.poolBackward(g, method, buf(b, DY), mask, dx);
        return { y: read(b, y), mask: read(b, mask), dx: read(b, dx) };
      };
      const got = run(native), want = run(js);
      assertClose(got.y, want.y, `${name} ${method}: forward`, 1e-6, 1e-6);
      if (method === 'max') assert.deepEqual(got.mask, want.mask, `${name}: max mask`);
      assertClose(got.dx, want.dx, `${name} ${method}: backward`, 1e-6, 1e-6);
    }
  }
});

test('native max pooling keeps NaN and -Infinity like the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const g = pool({ num: 1, channels: 1, height: 2, width: 6, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 });
  const X = [NaN, 1, -Infinity, -Infinity, 2, 2, 0, 5, -Infinity, -Infinity, 2, 2];
  for (const b of [native, js]) {
    const y = b.alloc(3), mask = b.alloc(3);
    b.poolForward(g, 'max', buf(b, X), y, mask);
    assert.ok(Number.isNaN(read(b, y)[0]), `${b.name}: NaN first in its window wins`);
    assert.deepEqual([...read(b, y)].slice(1), [-Infinity, 2], b.name);
    assert.deepEqual([...read(b, mask)], [0, 2, 4], b.name);
  }
});

test('native max pooling over whole windows inside the image keeps ties and NaN like the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const strideW of [1, 2, 3]) {
    const g = pool({ num: 1, channels: 2, height: 7, width: 53, kernelH: 3, kernelW: 3, strideH: 2, strideW });
    const n = g.channels * g.height * g.width, m = g.channels * g.outH * g.outW;
    // Few distinct values (many ties), NaN at some windows' first element and inside others.
    const X = values(n, 300 + strideW).map((v, i) => (i % 17 === 0 ? NaN : i % 29 === 0 ? -Infinity : Math.round(v * 2)));
    const [yn, mn, yj, mj] = [native.alloc(m), native.alloc(m), js.alloc(m), js.alloc(m)];
    native.poolForward(g, 'max', buf(native, X), yn, mn);
    js.poolForward(g, 'max', buf(js, X), yj, mj);
    assert.deepEqual([...read(native, mn)], [...read(js, mj)], `strideW ${strideW}: mask`);
    assert.deepEqual([...read(native, yn)].map(String), [...read(js, yj)].map(String), `strideW ${strideW}: values`);
  }
});

test('native 2x2 stride 2 max pooling keeps ties and NaN like the TypeScript backend at every row width', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const [height, width] of [[8, 4], [8, 8], [9, 8], [6, 16], [4, 24], [6, 40], [5, 66]]) {
    const g = pool({ num: 2, channels: 2, height, width, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 });
    const n = 4 * height * width, m = 4 * g.outH * g.outW;
    const X = values(n, 400 + width).map((v, i) => (i % 13 === 0 ? NaN : i % 23 === 0 ? -Infinity : Math.round(v * 2)));
    const DY = values(m, 500 + width);
    const run = (b: typeof native | typeof js) => {
      const y = b.alloc(m), mask = b.alloc(m), dx = b.alloc(n);
      b.poolForward(g, 'max', buf(b, X), y, mask);
      b.poolBackward(g, 'max', buf(b, DY), mask, dx);
      return { y: [...read(b, y)].map(String), mask: [...read(b, mask)], dx: [...read(b, dx)] };
    };
    const got = run(native), want = run(js);
    assert.deepEqual(got.mask, want.mask, `${height}x${width}: mask`);
    assert.deepEqual(got.y, want.y, `${height}x${width}: values`);
    assert.deepEqual(got.dx, want.dx, `${height}x${width}: backward`);
  }
});

test('native pooling rejects padding as large as the kernel', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const g = { ...pool({ num: 1, channels: 1, height: 4, width: 4, kernelH: 2, kernelW: 2 }), padH: 2 };
  assert.throws(() => native.poolForward(g, 'max', native.alloc(16), native.alloc(64), native.alloc(64)),
    (e: unknown) => e instanceof BackendError && /padding 2x0 must be smaller than the kernel 2x2/.test(e.message));
});

test('native neurons match the TypeScript backend, forward and backward', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const ops = Object.keys(NEURON_OP) as NeuronOp[];
  for (const n of [1, 13, 100, 50001]) {
    const X = values(n, n, -6, 6), DY = values(n, n + 1);
    X[0] = 0;
    if (n > 5) {
      X[1] = 1e-7;
      X[2] = -0.2;
      X[3] = 0.29;
      X[4] = 0.31;
    }
    for (const op of ops) {
      const run = (b: typeof native | typeof js) => {
        const y = b.alloc(n), dx = b.alloc(n);
        b.neuronForward(op, n, buf(b, X), y, 0.1);
        b.neuronBackward(op, n, y, buf(b, DY), dx, 0.1);
        return { y: read(b, y), dx: read(b, dx) };
      };
      const got = run(native), want = run(js);
      assertClose(got.y, want.y, `${op} n=${n}: forward`, 4e-6, 1e-7);
      assertClose(got.dx, want.dx, `${op} n=${n}: backward`, 4e-6, 1e-6);
    }
  }
});

test('native neurons work in place and keep NaN through ReLU', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const x = buf(native, [NaN, -1, 2, -0.5]);
  native.neuronForward('relu', 4, x, x, 0);
  const y = read(native, x);
  assert.ok(Number.isNaN(y[0]));
  assert.deepEqual([...y].slice(1), [0, 2, 0]);
  const l = buf(native, [-1, 2]);
  native.neuronForward('lrelu', 2, l, l, 0.25);
  assert.deepEqual([...read(native, l)], [-0.25, 2]);
});

const CLASS_GEOMS: ClassGeom[] = [
  { outer: 1, classes: 1, inner: 1 },
  { outer: 64, classes: 10, inner: 1 },
  { outer: 3, classes: 37, inner: 1 },
  { outer: 2, classes: 5, inner: 7 },
  { outer: 3, classes: 4, inner: 33 },
  { outer: 2000, classes: 20, inner: 1 },
];

test('native softmax matches the TypeScript backend, forward and backward', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const g of CLASS_GEOMS) {
    const n = g.outer * g.classes * g.inner;
    const X = values(n, n, -30, 30), DY = values(n, n + 1);
    X[0] = -1e4;  // far below the others: its exponential underflows
    const run = (b: typeof native | typeof js) => {
      const y = b.alloc(n), dx = b.alloc(n);
      b.softmaxForward(g, buf(b, X), y);
      b.softmaxBackward(g, y, buf(b, DY), dx);
      return { y: read(b, y), dx: read(b, dx) };
    };
    const got = run(native), want = run(js);
    const what = `${g.outer}x${g.classes}x${g.inner}`;
    assertClose(got.y, want.y, `softmax ${what}: forward`, 1e-5, 1e-7);
    assertClose(got.dx, want.dx, `softmax ${what}: backward`, 1e-4, 1e-6);
  }
});

test('native log-softmax matches the TypeScript backend, forward and backward, and stays finite far below the max', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const g of CLASS_GEOMS) {
    const n = g.outer * g.classes * g.inner;
    const X = values(n, n + 2, -30, 30), DY = values(n, n + 3);
    X[0] = -1e4;  // its probability underflows float32; its log-probability is about -1e4
    const run = (b: typeof native | typeof js) => {
      const y = b.alloc(n), dx = b.alloc(n);
      b.logSoftmaxForward(g, buf(b, X), y);
      b.logSoftmaxBackward(g, y, buf(b, DY), dx);
      return { y: read(b, y), dx: read(b, dx) };
    };
    const got = run(native), want = run(js);
    const what = `${g.outer}x${g.classes}x${g.inner}`;
    assert.ok(got.y.every(Number.isFinite), `log-softmax ${what}: every output finite`);
    assertClose(got.y, want.y, `log-softmax ${what}: forward`, 1e-5, 1e-5);
    assertClose(got.dx, want.dx, `log-softmax ${what}: backward`, 1e-4, 1e-6);
  }
});

test('native layerNorm matches the TypeScript backend, forward and backward, with and without scale and bias', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  // [rows, D]: widths around the vector sizes (4, 8, 16), transformers' 64 and 768, a row of one
  // value (x̂ = 0), and enough rows to split across threads; rows far from zero (mean 1e3, spread
  // 1) test that the variance is taken about the mean.
  let seed = 70;
  for (const [rows, D] of [[3, 1], [5, 3], [7, 8], [4, 17], [1700, 64], [2, 768], [300, 33]]) {
    for (const affine of [false, true]) {
      for (const offset of [0, 1000]) {
        const n = rows * D;
        const X = values(n, ++seed, -2, 2).map((v) => v + offset), DY = values(n, ++seed);
        const S = values(D, ++seed, 0.5, 1.5), B = values(D, ++seed);
        const run = (b: typeof native | typeof js) => {
          const xhat = b.alloc(n), rstd = b.alloc(rows), y = b.alloc(n), dx = b.alloc(n);
          const scale = affine ? buf(b, S) : null;
          b.layerNormForward(rows, D, 1e-5, buf(b, X), scale, affine ? buf(b, B) : null, xhat, rstd, y);
          b.layerNormBackward(rows, D, xhat, rstd, buf(b, DY), scale, dx);
          // dx may alias dy
          const inPlace = buf(b, DY);
          b.layerNormBackward(rows, D, xhat, rstd, inPlace, scale, inPlace);
          return { xhat: read(b, xhat), rstd: read(b, rstd), y: read(b, y), dx: read(b, dx), inPlace: read(b, inPlace) };
        };
        const got = run(native), want = run(js);
        const what = `layerNorm ${rows}x${D} affine ${affine} offset ${offset}`;
        // A row of mean 1e3 has its mean good to float32's 6e-5 there (the reference sums in
        // float64): x̂, y and dx inherit that.
        const atol = offset ? 2e-3 : 1e-5;
        for (const k of ['xhat', 'y'] as const) assertClose(got[k], want[k], `${what}: ${k}`, 1e-4, atol);
        assertClose(got.rstd, want.rstd, `${what}: rstd`, 1e-4, 0);
        assertClose(got.dx, want.dx, `${what}: dx`, 1e-3, atol);
        assert.deepEqual(got.inPlace, got.dx, `${what}: dx in place of dy`);
      }
    }
  }
});

test('native softmax of a row of very negative scores is still a distribution', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const y = native.alloc(19);
  native.softmaxForward({ outer: 1, classes: 19, inner: 1 }, buf(native, new Float32Array(19).fill(-500)), y);
  assertClose(read(native, y), new Float32Array(19).fill(1 / 19), 'uniform', 1e-6, 0);
});

test('native softmax loss matches the TypeScript backend for every normalization and ignored labels', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const g of CLASS_GEOMS) {
    const n = g.outer * g.classes * g.inner, m = g.outer * g.inner;
    const P = values(n, n, 0, 1);
    P[0] = 0;  // log(0) is floored at FLT_MIN
    const L = Float32Array.from(values(m, m + 7, 0, g.classes), Math.floor);
    L[0] = 0;
    if (m > 2) L[m - 1] = 255;
    for (const ignore of [null, 255]) {
      if (ignore === null && m > 2) continue;  // 255 is no class: only valid when ignored
      for (const norm of ['valid', 'batch', 'full', 'none'] as LossNormalization[]) {
        const run = (b: typeof native | typeof js) => {
          const loss = b.alloc(1), dx = buf(b, new Float32Array(n).fill(NaN));
          b.softmaxLossForward(g, buf(b, P), buf(b, L), ignore, norm, loss);
          b.softmaxLossBackward(g, buf(b, P), buf(b, L), ignore, norm, 0.5, dx);
          return { loss: read(b, loss), dx: read(b, dx) };
        };
        const got = run(native), want = run(js);
        const what = `${g.outer}x${g.classes}x${g.inner} ${norm} ignore ${ignore}`;
        assertClose(got.loss, want.loss, `loss ${what}`, 1e-5, 1e-6);
        assertClose(got.dx, want.dx, `loss gradient ${what}`, 1e-5, 1e-7);
      }
    }
  }
});

test('native softmax loss reports a bad label exactly as the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const g = { outer: 3, classes: 4, inner: 1 };
  const errorOf = (b: typeof native | typeof js) => {
    try {
      b.softmaxLossForward(g, buf(b, values(12, 1, 0, 1)), buf(b, [1, 4, 2]), null, 'valid', b.alloc(1));
    } catch (e) {
      return e;
    }
    return null;
  };
  const e = errorOf(native);
  assert.ok(e instanceof DataError, 'a DataError');
  assert.equal((e as Error).message, (errorOf(js) as Error).message);
  assert.match((e as Error).message, /label 4 at item 1/);
});

test('native dropout and the SGD step match the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const n of [1, 17, 1000, 70001]) {
    const X = values(n, n), R = values(n, n + 1, 0, 1), Wt = values(n, n + 2), D = values(n, n + 3), H = values(n, n + 4);
    const dn = native.alloc(n), dj = js.alloc(n);
    native.dropoutForward(n, buf(native, X), buf(native, R), 0.3, 1 / 0.7, dn);
    js.dropoutForward(n, buf(js, X), buf(js, R), 0.3, 1 / 0.7, dj);
    assertClose(read(native, dn), read(js, dj), `dropout forward n=${n}`, 1e-6, 0);
    native.dropoutBackward(n, buf(native, X), buf(native, R), 0.5, 2, dn);
    js.dropoutBackward(n, buf(js, X), buf(js, R), 0.5, 2, dj);
    assertClose(read(native, dn), read(js, dj), `dropout backward n=${n}`, 1e-6, 0);
    for (const reg of ['L2', 'L1'] as const) {
      const wn = buf(native, Wt), hn = buf(native, H), diffN = buf(native, D);
      const wj = buf(js, Wt), hj = buf(js, H);
      native.sgdUpdate(n, wn, diffN, hn, 0.01, 0.9, 5e-4, reg);
      js.sgdUpdate(n, wj, buf(js, D), hj, 0.01, 0.9, 5e-4, reg);
      assertClose(read(native, wn), read(js, wj), `sgd ${reg} weights n=${n}`, 1e-6, 1e-7);
      assertClose(read(native, hn), read(js, hj), `sgd ${reg} history n=${n}`, 1e-5, 1e-7);
      assert.deepEqual(read(native, diffN), D, 'diff is left unchanged');
    }
  }
});

test('native randomUniform gives the TypeScript backend\'s bits, at any key, offset view and size', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const [n, key] of [[1, 0], [17, 0xffffffff], [1000, 42], [70001, 0x9e3779b9], [1 << 20, 123456789]] as const) {
    const yn = native.alloc(n + 3), yj = js.alloc(n + 3);
    native.set(n + 3, -1, yn);
    js.set(n + 3, -1, yj);
    native.randomUniform(n, key, native.view(yn, 2, n));
    js.randomUniform(n, key, js.view(yj, 2, n));
    assert.deepEqual(read(native, yn), read(js, yj), `randomUniform n=${n} key=${key}`);
  }
  assert.throws(() => native.randomUniform(5, 1, native.alloc(4)), /randomUniform/);
});
