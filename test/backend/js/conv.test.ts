import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvGeom } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Random } from '../../../src/core/random.js';
import { BackendError } from '../../../src/core/errors.js';
import { DTYPES, assertClose, convGeom, naiveConv, randArray } from './naive.js';

const CASES: [string, ConvGeom][] = [
  ['plain 3x3', convGeom({ num: 2, channels: 3, height: 7, width: 6, numOutput: 4, kernelH: 3, kernelW: 3 })],
  ['stride 2, pad 1', convGeom({ num: 2, channels: 2, height: 9, width: 8, numOutput: 3, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 })],
  ['rectangular kernel, stride and pad', convGeom({ num: 1, channels: 2, height: 10, width: 7, numOutput: 2, kernelH: 2, kernelW: 4, strideH: 3, strideW: 1, padH: 2, padW: 0 })],
  ['dilation 2', convGeom({ num: 2, channels: 2, height: 9, width: 9, numOutput: 3, kernelH: 3, kernelW: 3, dilationH: 2, dilationW: 2, padH: 1, padW: 2 })],
  ['groups 2', convGeom({ num: 2, channels: 4, height: 6, width: 5, numOutput: 6, kernelH: 3, kernelW: 2, group: 2, padH: 1 })],
  ['1x1 pointwise with groups', convGeom({ num: 3, channels: 6, height: 4, width: 5, numOutput: 4, kernelH: 1, kernelW: 1, group: 2 })],
  ['1x1 with pad 2 (outputs wholly in padding)', convGeom({ num: 1, channels: 2, height: 3, width: 3, numOutput: 2, kernelH: 1, kernelW: 1, padH: 2, padW: 1, strideW: 2 })],
  ['LeNet conv1', convGeom({ num: 2, channels: 1, height: 28, width: 28, numOutput: 20, kernelH: 5, kernelW: 5 })],
  ['everything at once', convGeom({ num: 2, channels: 6, height: 11, width: 10, numOutput: 9, kernelH: 3, kernelW: 2, group: 3, strideH: 2, strideW: 3, padH: 2, padW: 1, dilationH: 2, dilationW: 3 })],
];

for (const dtype of DTYPES) {
  test(`convolution forward, backward data and backward filter match the direct sum, ${dtype}`, () => {
    const be = new JsBackend(dtype);
    const rng = new Random(7);
    const f32 = dtype === 'float32';
    const tol = f32 ? 2e-6 : 1e-12;
    for (const [name, g] of CASES) {
      const nx = g.num * g.channels * g.height * g.width;
      const nw = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
      const ny = g.num * g.numOutput * g.outH * g.outW;
      const X = randArray(nx, rng, -1, 1, f32), W = randArray(nw, rng, -1, 1, f32), DY = randArray(ny, rng, -1, 1, f32);
      const want = naiveConv(g, X, W, DY);
      const x = be.alloc(nx), w = be.alloc(nw), dy = be.alloc(ny), ws = be.alloc(be.convWorkspaceSize(g));
      be.upload(x, X);
      be.upload(w, W);
      be.upload(dy, DY);
      const y = be.alloc(ny);
      be.set(ny, NaN, y);
      be.convForward(g, x, w, y, ws);
      assertClose(be.download(y), want.y, tol, `${name}: forward`);

      const dx = be.alloc(nx);
      be.set(nx, NaN, dx);
      be.convBackwardData(g, dy, w, dx, ws);
      assertClose(be.download(dx), want.dx, tol, `${name}: backward data`);

      const dw = be.alloc(nw);
      be.set(nw, 1, dw);
      be.convBackwardFilter(g, x, dy, dw, ws);
      assertClose(be.download(dw), want.dw.map((v) => v + 1), tol, `${name}: backward filter accumulates`);
    }
  });
}

test('convWorkspaceSize is one image of columns: channels × kernel × output plane', () => {
  const be = new JsBackend();
  const g = convGeom({ num: 64, channels: 20, height: 12, width: 12, numOutput: 50, kernelH: 5, kernelW: 5 });
  assert.equal(be.convWorkspaceSize(g), 20 * 25 * 8 * 8);
});

test('convolution rejects a short workspace and an inconsistent output size', () => {
  const be = new JsBackend();
  const g = convGeom({ num: 1, channels: 2, height: 5, width: 5, numOutput: 2, kernelH: 3, kernelW: 3 });
  const x = be.alloc(50), w = be.alloc(36), y = be.alloc(18);
  assert.throws(() => be.convForward(g, x, w, y, be.alloc(10)),
    (e: Error) => e instanceof BackendError && /workspace has 10 elements, needs 162/.test(e.message));
  assert.throws(() => be.convForward({ ...g, outH: 4 }, x, w, be.alloc(100), be.alloc(200)),
    (e: Error) => e instanceof BackendError && /output 4×3 given, geometry gives 3×3/.test(e.message));
  assert.throws(() => be.convForward({ ...g, group: 3 }, x, w, y, be.alloc(200)),
    (e: Error) => e instanceof BackendError && /divisible by group 3/.test(e.message));
});
