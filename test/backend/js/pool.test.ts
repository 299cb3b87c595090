import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolGeom } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Random } from '../../../src/core/random.js';
import { BackendError } from '../../../src/core/errors.js';
import { DTYPES, assertClose, naivePool, poolGeom, randArray } from './naive.js';

const CASES: [string, PoolGeom][] = [
  ['LeNet 2x2 stride 2', poolGeom(2, 3, 24, 24, 2, 2, 2, 2, 0, 0)],
  ['ceil rule: 3x3 stride 2 on 6x7', poolGeom(2, 2, 6, 7, 3, 3, 2, 2, 0, 0)],
  ['pad 1, 3x3 stride 2 on 7x7 (last window dropped)', poolGeom(1, 2, 7, 7, 3, 3, 2, 2, 1, 1)],
  ['pad 2, 3x3 stride 1', poolGeom(1, 3, 5, 4, 3, 3, 1, 1, 2, 2)],
  ['rectangular, stride 3, pad 1', poolGeom(2, 1, 10, 9, 4, 2, 3, 1, 1, 1)],
  ['window larger than the image', poolGeom(1, 2, 2, 3, 4, 4, 3, 3, 1, 1)],
];

for (const dtype of DTYPES) {
  test(`max and mean pooling forward and backward match the naive loops, ${dtype}`, () => {
    const be = new JsBackend(dtype);
    const rng = new Random(11);
    const f32 = dtype === 'float32';
    const tol = f32 ? 1e-6 : 1e-13;
    for (const [name, g] of CASES) {
      const nx = g.num * g.channels * g.height * g.width;
      const ny = g.num * g.channels * g.outH * g.outW;
      const X = randArray(nx, rng, -1, 1, f32), DY = randArray(ny, rng, -1, 1, f32);
      const want = naivePool(g, X, DY);
      const x = be.alloc(nx), dy = be.alloc(ny), y = be.alloc(ny), mask = be.alloc(ny), dx = be.alloc(nx);
      be.upload(x, X);
      be.upload(dy, DY);

      be.set(ny, NaN, y);
      be.poolForward(g, 'max', x, y, mask);
      assertClose(be.download(y), want.max, 0, `${name}: max forward`);
      assert.deepEqual([...be.download(mask)], [...want.mask], `${name}: max mask`);
      be.set(nx, NaN, dx);
      be.poolBackward(g, 'max', dy, mask, dx);
      assertClose(be.download(dx), want.dxMax, tol, `${name}: max backward`);

      be.set(ny, NaN, y);
      be.poolForward(g, 'mean', x, y, mask);
      assertClose(be.download(y), want.mean, tol, `${name}: mean forward`);
      be.set(nx, NaN, dx);
      be.poolBackward(g, 'mean', dy, mask, dx);
      assertClose(be.download(dx), want.dxMean, tol, `${name}: mean backward`);
    }
  });
}

test('max pooling picks the first maximum in row-major order on ties', () => {
  const be = new JsBackend('float64');
  const g = poolGeom(1, 1, 4, 4, 3, 3, 1, 1, 0, 0);
  const x = be.alloc(16), y = be.alloc(4), mask = be.alloc(4);
  be.upload(x, [0, 1, 0, 0,
    1, 0, 1, 1,
    0, 1, 0, 0,
    0, 0, 0, 1]);
  be.poolForward(g, 'max', x, y, mask);
  assert.deepEqual([...be.download(y)], [1, 1, 1, 1]);
  assert.deepEqual([...be.download(mask)], [1, 1, 4, 6]);
});

test('mean pooling divides by the window clipped to the padded input, as Caffe', () => {
  const be = new JsBackend('float64');
  // 3x3 input of ones, kernel 2, stride 2, pad 1: output 2x2. Window (0, 0) covers padded rows
  // -1..0 and columns -1..0 (size 4, one input inside); window (1, 1) covers rows 1..2 (size 4).
  const g = poolGeom(1, 1, 3, 3, 2, 2, 2, 2, 1, 1);
  assert.deepEqual([g.outH, g.outW], [2, 2]);
  const x = be.alloc(9), y = be.alloc(4), mask = be.alloc(4);
  be.set(9, 1, x);
  be.poolForward(g, 'mean', x, y, mask);
  assert.deepEqual([...be.download(y)], [0.25, 0.5, 0.5, 1]);
  // 3x3 ones, kernel 3, stride 2, pad 1: the window at (1, 1) spans rows 1..3, row 3 lies in the
  // bottom padding (kept in the divisor, 9), so y = 4 / 9.
  const g2 = poolGeom(1, 1, 3, 3, 3, 3, 2, 2, 1, 1);
  const y2 = be.alloc(g2.outH * g2.outW);
  be.poolForward(g2, 'mean', x, y2, be.alloc(y2.length));
  assert.deepEqual([...be.download(y2)], [4 / 9, 4 / 9, 4 / 9, 4 / 9]);
});

test('pooling rejects padding as large as the kernel and short buffers', () => {
  const be = new JsBackend();
  const g = poolGeom(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);
  assert.throws(() => be.poolForward({ ...g, padH: 2 }, 'max', be.alloc(16), be.alloc(9), be.alloc(9)),
    (e: Error) => e instanceof BackendError && /padding 2×0 must be smaller than the kernel 2×2/.test(e.message));
  assert.throws(() => be.poolForward(g, 'max', be.alloc(16), be.alloc(4), be.alloc(3)),
    (e: Error) => e instanceof BackendError && /mask has 3 elements, needs 4/.test(e.message));
});
