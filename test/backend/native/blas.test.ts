/**
 * The native BLAS entries and elementwise ops against JsBackend('float32'), on sizes that are not
 * multiples of any SIMD width or register tile, and on views at odd offsets (zero copy: the
 * kernels must read and write exactly the viewed elements).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, Buf } from '../../../src/backend/backend.js';
import { assertClose, buf, pair, read, skipReason, values } from './util.js';

const SIZES = [0, 1, 3, 15, 17, 33, 100, 1000, 70001];

test('native level-1 BLAS matches the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const n of SIZES) {
    const X = values(n, 1), Y = values(n, 2);
    const ops: [string, (b: Backend, x: Buf, y: Buf) => void][] = [
      ['set', (b, _x, y) => b.set(n, 0.75, y)],
      ['copy', (b, x, y) => b.copy(n, x, y)],
      ['scal', (b, _x, y) => b.scal(n, -1.5, y)],
      ['axpy', (b, x, y) => b.axpy(n, 0.3, x, y)],
      ['axpby', (b, x, y) => b.axpby(n, 0.3, x, -2, y)],
    ];
    for (const [name, run] of ops) {
      const yn = buf(native, Y), yj = buf(js, Y);
      run(native, buf(native, X), yn);
      run(js, buf(js, X), yj);
      assertClose(read(native, yn), read(js, yj), `${name} n=${n}`);
    }
    const xn = buf(native, X), yn = buf(native, Y);
    const tol = 1e-5 * Math.max(1, n);
    assert.ok(Math.abs(native.dot(n, xn, yn) - js.dot(n, buf(js, X), buf(js, Y))) <= tol, `dot n=${n}`);
    assert.ok(Math.abs(native.asum(n, xn) - js.asum(n, buf(js, X))) <= tol, `asum n=${n}`);
  }
});

test('native powx gives powf answers for zeros, negatives, infinities and NaN on its square-root paths', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  // Blocks of 16 (a whole vector at every width): zeros and negatives; positive extremes only (the
  // square-root path); a NaN; ordinary positive numbers.
  const X = Array.from({ length: 64 }, (_, i) => 0.5 + i / 7);
  [[1, 0], [5, -0], [9, -2], [14, -Infinity], [17, Infinity], [22, 1e-30], [29, 3e38], [40, NaN]].forEach(([i, v]) => (X[i!] = v!));
  for (const p of [0.5, -0.5, 0.25, -0.25, 0.75, -0.75, -1, 3]) {
    const yn = native.alloc(X.length), yj = js.alloc(X.length);
    native.powx(X.length, buf(native, X), p, yn);
    js.powx(X.length, buf(js, X), p, yj);
    const got = [...read(native, yn)], want = [...read(js, yj)];
    for (let i = 0; i < X.length; i++) {
      const ok = Object.is(got[i], want[i]) || Math.abs(got[i]! - want[i]!) <= 5e-7 * Math.abs(want[i]!);
      assert.ok(ok, `powx(${X[i]}, ${p}): ${got[i]}, expected ${want[i]}`);
    }
  }
});

test('native axpby with beta = 0 overwrites NaN in y', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const y = buf(native, [NaN, NaN, NaN, NaN, NaN]);
  native.axpby(5, 2, buf(native, [1, 2, 3, 4, 5]), 0, y);
  assert.deepEqual([...read(native, y)], [2, 4, 6, 8, 10]);
});

test('native elementwise ops match the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const n of [1, 7, 31, 129, 40000]) {
    const A = values(n, 3, -3, 3), B = values(n, 4, 0.5, 2), P = values(n, 5, 0.01, 4);
    A[0] = 0;
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      const yn = native.alloc(n), yj = js.alloc(n);
      native[op](n, buf(native, A), buf(native, B), yn);
      js[op](n, buf(js, A), buf(js, B), yj);
      assertClose(read(native, yn), read(js, yj), `${op} n=${n}`);
    }
    for (const op of ['exp', 'abs', 'sign'] as const) {
      const yn = native.alloc(n), yj = js.alloc(n);
      native[op](n, buf(native, A), yn);
      js[op](n, buf(js, A), yj);
      assertClose(read(native, yn), read(js, yj), `${op} n=${n}`, 2e-6, 0);
    }
    const ln = native.alloc(n), lj = js.alloc(n);
    native.log(n, buf(native, P), ln);
    js.log(n, buf(js, P), lj);
    assertClose(read(native, ln), read(js, lj), `log n=${n}`, 1e-6, 1e-6);
    for (const p of [2, 0.5, -0.75, 3, -0.5, 0.25, -0.25, 0.75, -1, 1.7]) {
      const yn = native.alloc(n), yj = js.alloc(n);
      native.powx(n, buf(native, P), p, yn);
      js.powx(n, buf(js, P), p, yj);
      assertClose(read(native, yn), read(js, yj), `powx ${p} n=${n}`, 1e-6, 0);
    }
    const sn = buf(native, A), sj = buf(js, A);
    native.addScalar(n, 0.25, sn);
    js.addScalar(n, 0.25, sj);
    assertClose(read(native, sn), read(js, sj), `addScalar n=${n}`);
  }
});

/** Inputs of clamp and where: ordinary values, then every third one a bound, ±0, ±Infinity or NaN. */
function awkward(n: number, seed: number, lo: number, hi: number): Float32Array {
  const X = values(n, seed, -3, 3);
  const special = [lo, hi, 0, -0, Infinity, -Infinity, NaN, Math.fround(lo) * (1 + 2 ** -23), Math.fround(hi) * (1 - 2 ** -23)];
  for (let i = 0, k = 0; i < n; i += 3, k++) X[i] = special[k % special.length];
  return X;
}

/** Same values bit for bit, any NaN matching any NaN. */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])))) {
      assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
    }
  }
}

test('native clamp and where match the TypeScript backend exactly: bounds, infinite bounds, NaN, in place', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const BOUNDS = [[-0.5, 0.5], [-Infinity, 0], [0, Infinity], [-Infinity, Infinity], [0.25, 0.25], [0.1, 0.7], [-1e-3, 1e30]];
  for (const n of SIZES) {
    for (const [lo, hi] of BOUNDS) {
      const X = awkward(n, 7, lo!, hi!), A = values(n, 8), B = values(n, 9);
      const what = `n=${n} [${lo}, ${hi}]`;
      const run = (b: Backend) => {
        const y = b.alloc(n), w = b.alloc(n), x = buf(b, X), a = buf(b, A);
        b.clamp(n, lo!, hi!, x, y);
        b.where(n, lo!, hi!, x, a, buf(b, B), w);
        b.where(n, lo!, hi!, x, x, a, a);
        b.clamp(n, lo!, hi!, x, x);
        return [y, w, a, x].map((r) => read(b, r));
      };
      const got = run(native), want = run(js);
      ['clamp', 'where', 'where into a', 'clamp in place'].forEach((name, k) => assertSame(got[k]!, want[k]!, `${name} ${what}`));
    }
  }
});

test('native exp keeps exp semantics at the float limits', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const X = [-Infinity, -200, -87, 0, 1e-8, 88, 89, Infinity, NaN];
  const y = native.alloc(X.length);
  native.exp(X.length, buf(native, X), y);
  const got = read(native, y);
  assert.equal(got[0], 0);
  assert.equal(got[1], 0);
  assertClose([got[2], got[3], got[4], got[5]], Float32Array.from([Math.exp(-87), 1, 1, Math.exp(88)]), 'exp', 2e-7, 0);
  assert.equal(got[6], Infinity);
  assert.equal(got[7], Infinity);
  assert.ok(Number.isNaN(got[8]));
});

test('native kernels work in place on views at odd offsets and touch nothing else', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const n = 37;
  const parent = buf(native, values(3 * n + 5, 6));
  const before = read(native, parent);
  const x = native.view(parent, 1, n), y = native.view(parent, n + 3, n);
  native.axpy(n, 2, x, y);
  const after = read(native, parent);
  for (let i = 0; i < after.length; i++) {
    const inY = i >= n + 3 && i < 2 * n + 3;
    const want = inY ? Math.fround(before[i] + 2 * before[i - n - 2]) : before[i];
    assert.ok(Math.abs(after[i] - want) <= 1e-6, `element ${i}: ${after[i]} vs ${want}`);
  }
});

test('native copy between overlapping views moves the data as one piece', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const V = values(200000, 7);
  const pn = buf(native, V), pj = buf(js, V);
  native.copy(150000, native.view(pn, 0, 150000), native.view(pn, 1000, 150000));
  js.copy(150000, js.view(pj, 0, 150000), js.view(pj, 1000, 150000));
  assert.deepEqual(read(native, pn), read(js, pj));
});

const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 5, 7], [14, 32, 256], [15, 33, 257], [29, 65, 300],
  [20, 576, 25], [50, 64, 500], [64, 500, 800], [500, 800, 64], [130, 70, 513],
  // Several column blocks of B per thread (NC = 384), and A in equal row blocks (kPackAFloats =
  // 2^21 floats: at most 4,088 to 4,096 rows at kc = 512, whatever the tile height), two per
  // thread of two, three on one thread.
  [20, 1700, 40], [8400, 3, 512],
  // One packed A shared by the threads (A of at least 2^18 floats, C at least 2 NR columns per
  // thread): column blocks of uneven width, k blocks of 260, and A in two row blocks.
  [600, 1000, 520], [4100, 130, 512],
  // One row or one column of C (matrix-vector products; LeNet's ip1 and ip2 at batch 1).
  [1, 500, 800], [1, 10, 500], [700, 1, 33], [1, 2, 0],
];

test('native gemm matches the TypeScript backend for all transposes and awkward shapes', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 10;
  for (const [M, N, K] of GEMM_SHAPES) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const [alpha, beta] of [[1, 0], [0.5, 1], [-1, 0.25]] as const) {
        const A = values(M * K, ++seed), B = values(K * N, ++seed), C = values(M * N, ++seed);
        if (beta === 0) C.fill(NaN);
        const cn = buf(native, C), cj = buf(js, C), an = buf(native, A), bn = buf(native, B);
        native.gemm(ta, tb, M, N, K, alpha, an, bn, beta, cn);
        js.gemm(ta, tb, M, N, K, alpha, buf(js, A), buf(js, B), beta, cj);
        const got = read(native, cn);
        for (const x of [an, bn, cn]) native.free(x);
        // Float32 sums of K terms of [-1, 1) products drift from the reference's like a random
        // walk, and where the k blocks fall (KC, KG) decides the order: allow for it above K = 64.
        assertClose(got, read(js, cj), `gemm ${M}x${N}x${K} transA ${ta} transB ${tb} alpha ${alpha} beta ${beta}`,
          1e-4, 1e-5 * Math.max(1, Math.sqrt(K / 64)));
      }
    }
  }
});

test('native gemm with K = 0 or alpha = 0 only scales C', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const c = buf(native, [1, 2, 3, 4, 5, 6]);
  native.gemm(false, false, 2, 3, 0, 1, native.alloc(0), native.alloc(0), 2, c);
  assert.deepEqual([...read(native, c)], [2, 4, 6, 8, 10, 12]);
  native.gemm(false, false, 2, 3, 4, 0, buf(native, values(8, 1)), buf(native, values(12, 2)), 0, c);
  assert.deepEqual([...read(native, c)], [0, 0, 0, 0, 0, 0]);
});

test('native gemv matches the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const [M, N] of [[1, 1], [3, 17], [17, 3], [100, 257], [700, 500]]) {
    for (const transA of [false, true]) {
      for (const beta of [0, 0.5]) {
        const A = values(M * N, M + N), x = values(transA ? M : N, 3), Y = values(transA ? N : M, 4);
        if (beta === 0) Y.fill(NaN);
        const yn = buf(native, Y), yj = buf(js, Y);
        native.gemv(transA, M, N, 1.5, buf(native, A), buf(native, x), beta, yn);
        js.gemv(transA, M, N, 1.5, buf(js, A), buf(js, x), beta, yj);
        assertClose(read(native, yn), read(js, yj), `gemv ${M}x${N} transA ${transA} beta ${beta}`);
      }
    }
  }
});

test('native gemmBatched equals one gemm per product, matches the TypeScript backend, and writes only C', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  // [batch, M, N, K]: attention's heads (products dealt out to threads), products big enough to
  // be split themselves, one product, matrix-vector products, an empty sum, and awkward sizes.
  const shapes: [number, number, number, number][] = [
    [400, 17, 17, 16], [64, 17, 16, 17], [3, 100, 90, 70], [1, 33, 65, 17], [7, 1, 40, 9], [5, 30, 1, 12],
    [6, 5, 7, 0], [13, 9, 3, 5], [0, 4, 4, 4],
  ];
  let seed = 500;
  for (const [batch, M, N, K] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const beta of [0, 0.5]) {
        const what = `gemmBatched ${batch}x${M}x${N}x${K} transA ${ta} transB ${tb} beta ${beta}`;
        const A = values(batch * M * K, ++seed), B = values(batch * K * N, ++seed), C = values(batch * M * N, ++seed);
        if (beta === 0) C.fill(NaN);
        // C sits between guard values, which must come back unchanged.
        const guard = 5, whole = buf(native, [...new Array(guard).fill(-7), ...C, ...new Array(guard).fill(-7)]);
        const cn = native.view(whole, guard, C.length);
        native.gemmBatched(batch, ta, tb, M, N, K, 1.25, buf(native, A), buf(native, B), beta, cn);
        const got = read(native, whole);
        assert.deepEqual([...got.subarray(0, guard), ...got.subarray(guard + C.length)], new Array(2 * guard).fill(-7), `${what}: wrote outside C`);
        const one = buf(native, C), cj = buf(js, C);
        for (let i = 0; i < batch; i++) {
          native.gemm(ta, tb, M, N, K, 1.25, buf(native, A.subarray(i * M * K, (i + 1) * M * K)), buf(native, B.subarray(i * K * N, (i + 1) * K * N)),
            beta, native.view(one, i * M * N, M * N));
        }
        assert.deepEqual(got.subarray(guard, guard + C.length), read(native, one), `${what}: differs from one gemm per product`);
        js.gemmBatched(batch, ta, tb, M, N, K, 1.25, buf(js, A), buf(js, B), beta, cj);
        assertClose(got.subarray(guard, guard + C.length), read(js, cj), what, 1e-4, 1e-5 * Math.max(1, Math.sqrt(K / 64)));
      }
    }
  }
  assert.throws(() => native.gemmBatched(3, false, false, 2, 2, 2, 1, buf(native, values(11, 1)), buf(native, values(12, 2)), 0, native.alloc(12)),
    /A.*(11|12)/);
});

test('native gather and scatterAdd match the TypeScript backend: rows of every width, shared destinations, bad indices', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 900;
  // [rows, rowSize, rows on the indexed side]: a transpose's rows of one value (threaded), short
  // and vector-wide rows, rows with a partial vector, and long rows split by columns.
  for (const [rows, rowSize, other] of [[40000, 1, 40000], [7, 3, 5], [300, 16, 40], [3000, 17, 100], [1000, 70, 13]]) {
    const index = Float32Array.from({ length: rows }, (_, r) => (r * 7919 + 3) % other);
    for (const scale of [1, -0.5]) {
      const what = `${rows} rows of ${rowSize} from ${other}, scale ${scale}`;
      const src = values(other * rowSize, ++seed), dst = values(rows * rowSize, ++seed);
      const gn = buf(native, dst), gj = buf(js, dst);
      native.gather(rows, rowSize, buf(native, src), buf(native, index), scale, gn);
      js.gather(rows, rowSize, buf(js, src), buf(js, index), scale, gj);
      assert.deepEqual(read(native, gn), read(js, gj), `gather ${what}`);
      const rowsIn = values(rows * rowSize, ++seed), acc = values(other * rowSize, ++seed);
      const sn = buf(native, acc), sj = buf(js, acc);
      native.scatterAdd(rows, rowSize, buf(native, rowsIn), buf(native, index), scale, sn);
      js.scatterAdd(rows, rowSize, buf(js, rowsIn), buf(js, index), scale, sj);
      assertClose(read(native, sn), read(js, sj), `scatterAdd ${what}`, 1e-5, 1e-5);
    }
  }
  for (const bad of [-1, 2.5, 4, NaN]) {
    const src = buf(native, values(12, 1)), dst = buf(native, new Float32Array(6));
    assert.throws(() => native.gather(2, 3, src, buf(native, [1, bad]), 1, dst), new RegExp(`gather: index\\[1\\] = ${bad} is not a row of a source of 4 rows`));
    assert.throws(() => native.scatterAdd(2, 3, dst, buf(native, [bad, 0]), 1, src), new RegExp(`scatterAdd: index\\[0\\] = ${bad} is not a row of a destination of 4 rows`));
  }
});

test('native copy2d matches the TypeScript backend exactly, copying and adding, and writes only its rows', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 1300;
  // [rows, cols]: one value a row (threaded), partial vectors, whole vectors, long rows; none
  for (const [rows, cols] of [[40000, 1], [5, 3], [300, 16], [1000, 17], [20, 200], [0, 4], [3, 0]]) {
    const srcStride = cols + 3, dstStride = cols + 5;
    const n = (stride: number) => (rows === 0 || cols === 0 ? 0 : (rows - 1) * stride + cols);
    for (const accumulate of [false, true]) {
      const src = values(n(srcStride), ++seed), dst = values(n(dstStride) + 7, ++seed);
      const dn = buf(native, dst), dj = buf(js, dst);
      native.copy2d(rows, cols, buf(native, src), srcStride, dn, dstStride, accumulate);
      js.copy2d(rows, cols, buf(js, src), srcStride, dj, dstStride, accumulate);
      // the gaps between rows and the 7 values after the last are left as they were
      assert.deepEqual(read(native, dn), read(js, dj), `copy2d ${rows}x${cols} ${accumulate ? 'adding' : 'copying'}`);
    }
  }
  assert.throws(() => native.copy2d(3, 4, buf(native, values(10, 1)), 5, native.alloc(20), 6, false), /src has 10 elements, needs at least 14/);
});
