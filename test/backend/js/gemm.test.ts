import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Random } from '../../../src/core/random.js';
import { BackendError } from '../../../src/core/errors.js';
import { DTYPES, assertClose, naiveGemm, randArray } from './naive.js';

/** Sizes crossing every block edge: MR/NR = 4, MC = 64, KC = 256, NC = 1024. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 17, 3], [3, 1, 17], [17, 3, 1], [3, 17, 65], [65, 130, 17], [130, 65, 3],
  [17, 65, 300], [5, 1030, 7], [1, 1, 600], [130, 130, 130],
];

for (const dtype of DTYPES) {
  test(`gemm matches the triple loop for all transposes, ${dtype}`, () => {
    const be = new JsBackend(dtype);
    const rng = new Random(1);
    const f32 = dtype === 'float32';
    for (const [M, N, K] of SHAPES) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          for (const [alpha, beta] of [[1, 0], [1, 1], [-0.7, 0.5]]) {
            const A = randArray(M * K, rng, -1, 1, f32);
            const B = randArray(K * N, rng, -1, 1, f32);
            const C0 = randArray(M * N, rng, -1, 1, f32);
            if (beta === 0) C0.fill(NaN);
            const a = be.alloc(M * K), b = be.alloc(K * N), c = be.alloc(M * N);
            be.upload(a, A);
            be.upload(b, B);
            be.upload(c, C0);
            be.gemm(tA, tB, M, N, K, alpha, a, b, beta, c);
            const want = naiveGemm(tA, tB, M, N, K, alpha, A, B, beta, C0);
            // float32 rounds C once per K block of 256; tolerance scales with sqrt(K).
            const tol = f32 ? 2e-7 * Math.sqrt(K) * 4 : 1e-13 * K;
            assertClose(be.download(c), want, tol, `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta}`);
          }
        }
      }
    }
  });
}

test('gemm works on views at an offset and leaves the rest of the buffer alone', () => {
  const be = new JsBackend('float64');
  const rng = new Random(2);
  const [M, N, K] = [5, 6, 7];
  const buf = be.alloc(3 + M * K + K * N + M * N + 2);
  be.upload(buf, randArray(buf.length, rng));
  const before = be.download(buf);
  const a = be.view(buf, 3, M * K), b = be.view(buf, 3 + M * K, K * N), c = be.view(buf, 3 + M * K + K * N, M * N);
  const want = naiveGemm(false, true, M, N, K, 2, be.download(a), be.download(b), 0.5, be.download(c));
  be.gemm(false, true, M, N, K, 2, a, b, 0.5, c);
  assertClose(be.download(c), want, 1e-12, 'gemm on views');
  const after = be.download(buf);
  assert.deepEqual(after.subarray(0, 3 + M * K + K * N), before.subarray(0, 3 + M * K + K * N));
  assert.deepEqual(after.subarray(after.length - 2), before.subarray(before.length - 2));
});

test('gemm with K = 0 or alpha = 0 only scales C', () => {
  const be = new JsBackend('float64');
  const c = be.alloc(4);
  be.upload(c, [1, 2, 3, NaN]);
  be.gemm(false, false, 2, 2, 0, 1, be.alloc(0), be.alloc(0), 2, c);
  assert.deepEqual([...be.download(c)].slice(0, 3), [2, 4, 6]);
  const a = be.alloc(4);
  be.upload(a, [NaN, 1, 1, 1]);
  be.upload(c, [1, 2, 3, NaN]);
  be.gemm(false, false, 2, 2, 2, 0, a, a, 0, c);
  assert.deepEqual([...be.download(c)], [0, 0, 0, 0]);
});

test('gemm rejects buffers shorter than the shape says', () => {
  const be = new JsBackend();
  assert.throws(() => be.gemm(false, false, 2, 3, 4, 1, be.alloc(8), be.alloc(11), 0, be.alloc(6)),
    (e: Error) => e instanceof BackendError && /B has 11 elements, needs 12/.test(e.message));
});

for (const dtype of DTYPES) {
  test(`gemv matches the double loop, both transposes, ${dtype}`, () => {
    const be = new JsBackend(dtype);
    const rng = new Random(3);
    const f32 = dtype === 'float32';
    for (const [M, N] of [[1, 1], [3, 17], [65, 2], [130, 33]]) {
      for (const tA of [false, true]) {
        for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
          const A = randArray(M * N, rng, -1, 1, f32);
          const x = randArray(tA ? M : N, rng, -1, 1, f32);
          const y0 = randArray(tA ? N : M, rng, -1, 1, f32);
          if (beta === 0) y0.fill(NaN);
          const a = be.alloc(A.length), xb = be.alloc(x.length), yb = be.alloc(y0.length);
          be.upload(a, A);
          be.upload(xb, x);
          be.upload(yb, y0);
          be.gemv(tA, M, N, alpha, a, xb, beta, yb);
          // gemv is gemm with a single column.
          const want = naiveGemm(tA, false, tA ? N : M, 1, tA ? M : N, alpha, A, x, beta, y0);
          assertClose(be.download(yb), want, f32 ? 1e-6 : 1e-13, `gemv ${tA ? 'T' : 'N'} M=${M} N=${N}`);
        }
      }
    }
  });
}
