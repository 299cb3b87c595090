/**
 * Native convolution (forward, backward data, backward filter) and bias against
 * JsBackend('float32') on awkward geometries: odd sizes, padding, strides, dilation, groups, 1 x 1,
 * batch 1, column blocks of large images, and LeNet's own layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvGeom } from '../../../src/backend/backend.js';
import { BackendError } from '../../../src/core/errors.js';
import { assertClose, buf, convGeom as conv, pair, read, skipReason, values } from './util.js';

const CASES: [string, ConvGeom][] = [
  ['LeNet conv1', conv({ num: 5, channels: 1, height: 28, width: 28, numOutput: 20, kernelH: 5, kernelW: 5 })],
  ['LeNet conv2', conv({ num: 3, channels: 20, height: 12, width: 12, numOutput: 50, kernelH: 5, kernelW: 5 })],
  ['batch 1, odd everything', conv({ num: 1, channels: 3, height: 7, width: 9, numOutput: 5, kernelH: 3, kernelW: 2 })],
  ['stride 2, pad 1', conv({ num: 4, channels: 2, height: 9, width: 8, numOutput: 3, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 })],
  ['pad larger than the kernel reach', conv({ num: 2, channels: 2, height: 4, width: 5, numOutput: 3, kernelH: 2, kernelW: 3, padH: 3, padW: 2 })],
  ['dilation', conv({ num: 2, channels: 3, height: 11, width: 10, numOutput: 4, kernelH: 3, kernelW: 3, dilationH: 2, dilationW: 3, padH: 2, padW: 1 })],
  ['groups 3 with stride and dilation', conv({ num: 3, channels: 6, height: 11, width: 10, numOutput: 9, kernelH: 3, kernelW: 2, group: 3, strideH: 2, strideW: 3, padH: 2, padW: 1, dilationH: 2, dilationW: 3 })],
  ['1 x 1 pointwise with groups', conv({ num: 3, channels: 6, height: 4, width: 5, numOutput: 4, group: 2 })],
  ['1 x 1 strided with padding', conv({ num: 2, channels: 2, height: 5, width: 5, numOutput: 3, padH: 1, padW: 2, strideW: 2 })],
  ['many output channels (several register tiles)', conv({ num: 2, channels: 4, height: 6, width: 6, numOutput: 37, kernelH: 3, kernelW: 3, padH: 1, padW: 1 })],
  ['large image (column blocks)', conv({ num: 1, channels: 16, height: 45, width: 47, numOutput: 8, kernelH: 3, kernelW: 3, padH: 1, padW: 1 })],
  ['large 1 x 1 (column blocks without im2col)', conv({ num: 2, channels: 40, height: 70, width: 70, numOutput: 6 })],
  ['wide kernel', conv({ num: 1, channels: 1, height: 3, width: 80, numOutput: 2, kernelH: 1, kernelW: 70 })],
  ['many images, few columns', conv({ num: 19, channels: 5, height: 3, width: 3, numOutput: 7, kernelH: 2, kernelW: 2 })],
  // Direct convolution (few input channels, strideW 1): channel tiles with remainders, rows that
  // end mid-vector, several vectors and a partial one, taps past one register tile, row bands.
  ['direct: CIFAR-10 conv1', conv({ num: 3, channels: 3, height: 32, width: 32, numOutput: 32, kernelH: 5, kernelW: 5, padH: 2, padW: 2 })],
  ['direct: odd channels and widths', conv({ num: 4, channels: 2, height: 9, width: 37, numOutput: 13, kernelH: 3, kernelW: 4, padH: 1, padW: 3 })],
  ['direct: vertical stride, one output column', conv({ num: 3, channels: 4, height: 11, width: 3, numOutput: 7, kernelH: 3, kernelW: 3, strideH: 2, padH: 2 })],
  ['direct: 7 taps a row', conv({ num: 2, channels: 1, height: 8, width: 30, numOutput: 5, kernelH: 2, kernelW: 7, padW: 1 })],
  ['direct: batch 1 in row bands', conv({ num: 1, channels: 1, height: 28, width: 28, numOutput: 20, kernelH: 5, kernelW: 5 })],
  ['direct: one channel past the limit', conv({ num: 2, channels: 5, height: 6, width: 7, numOutput: 3, kernelH: 3, kernelW: 3, padW: 1 })],
  // No padding and whole vectors of columns: im2col's plan is all plain copies, and the filter
  // gradient writes colᵀ straight into the GEMM's panels (Kg = 30 fills no panel exactly; the
  // GEMM's inner dimension of several images spans two k blocks).
  // Direct, output rows of whole vectors on every target (one loop over a plane's vectors), with
  // a vertical stride and rows in the padding.
  ['direct: whole-vector rows, vertical stride and padding', conv({ num: 3, channels: 2, height: 13, width: 24, numOutput: 5, kernelH: 3, kernelW: 5, strideH: 2, padH: 2, padW: 2 })],
  ['unpadded, groups, dilation, several images a GEMM', conv({ num: 9, channels: 10, height: 9, width: 18, numOutput: 6, kernelH: 2, kernelW: 3, group: 2, dilationH: 2 })],
  // Padded, with output rows of whole vectors: the filter gradient's transposed replay reads
  // through the plan's masks (rows and columns in the padding). 16 wide (CIFAR-10 conv2's
  // rows: a zmm, two ymm), and 8 wide (half a zmm on AVX-512).
  ['padded whole-vector rows (CIFAR-10 conv2)', conv({ num: 3, channels: 8, height: 16, width: 16, numOutput: 6, kernelH: 5, kernelW: 5, padH: 2, padW: 2 })],
  ['padded 8-wide rows', conv({ num: 4, channels: 6, height: 8, width: 8, numOutput: 5, kernelH: 3, kernelW: 3, padH: 1, padW: 1 })],
  // The same with CIFAR-10 conv2's 32 channels: one image's col (800 x 256) is cut into column
  // blocks of 160 and 96, each replayed transposed from its own plan.
  ['padded whole-vector rows in column blocks', conv({ num: 2, channels: 32, height: 16, width: 16, numOutput: 4, kernelH: 5, kernelW: 5, padH: 2, padW: 2 })],
];

test('native convolution matches the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 100;
  for (const [name, g] of CASES) {
    const nx = g.num * g.channels * g.height * g.width;
    const nw = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
    const ny = g.num * g.numOutput * g.outH * g.outW;
    const X = values(nx, ++seed), Wt = values(nw, ++seed), DY = values(ny, ++seed), DW = values(nw, ++seed);
    const run = (b: typeof native | typeof js) => {
      const ws = b.alloc(b.convWorkspaceSize(g));
      const y = buf(b, new Float32Array(ny).fill(NaN));
      const dx = buf(b, new Float32Array(nx).fill(NaN));
      const dw = buf(b, DW);
      const x = buf(b, X), w = buf(b, Wt), dy = buf(b, DY);
      b.convForward(g, x, w, y, ws);
      b.convBackwardData(g, dy, w, dx, ws);
      b.convBackwardFilter(g, x, dy, dw, ws);
      return { y: read(b, y), dx: read(b, dx), dw: read(b, dw) };
    };
    const got = run(native), want = run(js);
    // Winograd (stride-1 3 x 3 and 5 x 5 layers with enough channels, winograd.test.ts)
    // rounds to about 1e-5 of the largest output, not of each element.
    const wide = (v: Float32Array) => 1e-5 + 3e-5 * v.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
    assertClose(got.y, want.y, `${name}: forward`, 1e-4, wide(want.y));
    assertClose(got.dx, want.dx, `${name}: backward data`, 1e-4, wide(want.dx));
    assertClose(got.dw, want.dw, `${name}: backward filter (accumulated)`);
  }
});

test('native convolution keeps its im2col plans per geometry: geometries taken in turn, more than it keeps, give the same results each time', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  // Twelve planned geometries (stride 1, few channels: im2col, not Winograd), past the 8 sets of
  // plans a thread keeps, so that later rounds both reuse and rebuild. Those of one width have
  // the same output size and column blocks and differ in the channels or the padding alone.
  const geoms = [5, 6, 9, 12].flatMap((width) => [
    conv({ num: 2, channels: 2, height: 7, width, numOutput: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }),
    conv({ num: 2, channels: 3, height: 7, width, numOutput: 3, kernelH: 3, kernelW: 3, padH: 1, padW: 1 }),
    conv({ num: 2, channels: 2, height: 9, width, numOutput: 3, kernelH: 3, kernelW: 3, padH: 0, padW: 1 }),
  ]);
  const ref = geoms.map((g, i) => {
    const X = values(g.num * g.channels * g.height * g.width, 700 + i), Wt = values(g.numOutput * g.channels * g.kernelH * g.kernelW, 800 + i);
    const y = js.alloc(g.num * g.numOutput * g.outH * g.outW);
    js.convForward(g, buf(js, X), buf(js, Wt), y, js.alloc(js.convWorkspaceSize(g)));
    return { X, Wt, y: read(js, y) };
  });
  for (let round = 0; round < 3; round++) {
    for (const [i, g] of geoms.entries()) {
      const y = native.alloc(ref[i].y.length);
      native.convForward(g, buf(native, ref[i].X), buf(native, ref[i].Wt), y, native.alloc(native.convWorkspaceSize(g)));
      assertClose(read(native, y), ref[i].y, `round ${round}, geometry ${i} (${g.kernelH}x${g.kernelW} on ${g.height}x${g.width})`);
    }
  }
});

test('native convolution needs no workspace in float32', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  assert.equal(native.convWorkspaceSize(CASES[0][1]), 0);
});

test('native convolution rejects a geometry whose output size is wrong, naming both sizes', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const g = { ...conv({ num: 1, channels: 1, height: 6, width: 6, numOutput: 1, kernelH: 3, kernelW: 3 }), outH: 5 };
  assert.throws(() => native.convForward(g, native.alloc(36), native.alloc(9), native.alloc(30), native.alloc(0)),
    (e: unknown) => e instanceof BackendError && /convForward: output 5x4 given, geometry gives 4x4/.test(e.message));
});

test('native bias forward and backward match the TypeScript backend', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  for (const [outer, channels, inner] of [[1, 1, 1], [3, 5, 1], [64, 500, 1], [2, 17, 33], [64, 20, 576], [4, 3, 40000], [5, 7, 2000]]) {
    const n = outer * channels * inner;
    const Y = values(n, n), Bias = values(channels, channels), DB = values(channels, 3);
    const yn = buf(native, Y), yj = buf(js, Y);
    native.biasForward(outer, channels, inner, buf(native, Bias), yn);
    js.biasForward(outer, channels, inner, buf(js, Bias), yj);
    assertClose(read(native, yn), read(js, yj), `biasForward ${outer}x${channels}x${inner}`);
    const dn = buf(native, DB), dj = buf(js, DB);
    native.biasBackward(outer, channels, inner, buf(native, Y), dn);
    js.biasBackward(outer, channels, inner, buf(js, Y), dj);
    assertClose(read(native, dn), read(js, dj), `biasBackward ${outer}x${channels}x${inner}`, 1e-4, 1e-4);
  }
});
