/**
 * Checks of the CUDA backend's mixed precision (CudaBackend `precision` 'float16' or 'bfloat16'),
 * shared by the emulated tests and the GPU test: the 16-bit conversions against a reference that
 * rounds by arithmetic (not by bits, as precision.cu does), and GEMM and convolution against
 * float64 products of the operands rounded the same way, so that a path that skipped the rounding,
 * rounded the wrong operand or lost the float32 sums fails.
 */
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import type { Buf, ConvGeom } from '../../../src/backend/backend.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { Net } from '../../../src/net.js';
import { CudaBuf } from '../../../src/node/backend/cuda/buffer.js';

/** v (a float32 value) rounded to binary16 or bfloat16, to nearest with ties to even, as a number. */
export function roundTo16(v: number, precision: 'float16' | 'bfloat16'): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const bf = precision === 'bfloat16';
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  e = Math.max(e, bf ? -126 : -14); // below the smallest normal: subnormal steps
  const ulp = 2 ** (e - (bf ? 7 : 10));
  const q = a / ulp;
  const f = Math.floor(q);
  const n = q - f > 0.5 || (q - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  const r = n * ulp;
  const max = bf ? (2 - 2 ** -7) * 2 ** 127 : 65504;
  return Math.sign(v) * (r > max ? Infinity : r);
}

/** Values that probe each rounding rule: ties both ways, the overflow edge, subnormals, specials. */
function probeValues(precision: 'float16' | 'bfloat16'): Float32Array {
  const v: number[] = [0, -0, 1, -1, 0.1, 1 / 3, 2 / 3, NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-30, 1e-45];
  if (precision === 'float16') {
    v.push(65504, 65519.99, 65520, -65520, 65536, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1.5 * 2 ** -24, 2.5 * 2 ** -24,
      3.5 * 2 ** -24, 2 ** -14 - 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 2049, 2051, 4097, -2051);
  } else {
    v.push(1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, 257, 259, -259, 3.3895e38, 3.3896e38, 2 ** -126, 2 ** -133);
  }
  let s = 12345;
  for (let i = 0; i < 2000; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const m = s / 2 ** 32;
    s = (s * 1103515245 + 12345) >>> 0;
    v.push((s & 1 ? -1 : 1) * (1 + m) * 2 ** ((s >>> 1) % 60 - 30));
  }
  return Float32Array.from(v);
}

/** Round trip through precision.cu's kernels: every value comes back as roundTo16 rounds it. */
export function assertConversionsRound(b: CudaBackend): void {
  assert.notEqual(b.precision, 'float32');
  const precision = b.precision as 'float16' | 'bfloat16';
  const x = probeValues(precision);
  const n = x.length;
  const dx = b.fromHost(x) as CudaBuf;
  const half = b.alloc(Math.ceil(n / 2)) as CudaBuf;
  const y = b.alloc(n) as CudaBuf;
  b.set(n, NaN, y);
  b.toHalf(n, dx, half.ptr);
  b.fromHalf(n, half.ptr, 0, y);
  const got = b.download(y) as Float32Array;
  const bad: string[] = [];
  for (let i = 0; i < n; i++) {
    const want = Math.fround(roundTo16(x[i]!, precision));
    if (!Object.is(got[i], want) && !(Number.isNaN(got[i]) && Number.isNaN(want))) bad.push(`${x[i]} -> ${got[i]}, expected ${want}`);
  }
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${n} values rounded wrong to ${precision}`);
  // beta = 1 adds the 16-bit values to what y holds.
  b.upload(y, new Float32Array(n).fill(0.5));
  b.fromHalf(n, half.ptr, 1, y);
  const sum = b.download(y) as Float32Array;
  for (let i = 0; i < n; i++) {
    const want = Math.fround(Math.fround(roundTo16(x[i]!, precision)) + 0.5);
    if (!Object.is(sum[i], want) && !(Number.isNaN(sum[i]) && Number.isNaN(want))) {
      assert.fail(`fromHalf with beta 1 at ${i}: ${x[i]} gave ${sum[i]}, expected ${want}`);
    }
  }
  for (const buf of [dx, half, y]) b.free(buf);
}

function randoms(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

function rounded(a: Float32Array, precision: 'float16' | 'bfloat16'): Float64Array {
  return Float64Array.from(a, (v) => roundTo16(v, precision));
}

/** max |got - want| over max |want|. */
function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return scale === 0 ? err : err / scale;
}

/**
 * gemm in every transpose, with beta 0 over NaN and beta 1, against float64 products of the
 * operands rounded to 16 bits: within float32 summation error of them, and measurably away from
 * the float32 product (the rounding happened); and with K = 1, the float32 product exactly. Then
 * gemmBatched the same way (cublasGemmStridedBatchedEx).
 */
export function assertGemmMixed(b: CudaBackend): void {
  const precision = b.precision as 'float16' | 'bfloat16';
  const ref = new JsBackend('float64');
  const f32 = new JsBackend('float32');
  let seed = 7;
  let differsFromFloat32 = false;
  for (const [M, N, K] of [[3, 5, 7], [17, 9, 33], [64, 48, 300]] as const) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const beta of [0, 1]) {
        const A = randoms(M * K, seed++), B = randoms(K * N, seed++), C = randoms(M * N, seed++, 0.5);
        const alpha = 0.75;
        const dA = b.fromHost(A), dB = b.fromHost(B), dC = b.fromHost(beta === 0 ? new Float32Array(M * N).fill(NaN) : C);
        b.gemm(ta, tb, M, N, K, alpha, dA, dB, beta, dC);
        const got = b.download(dC) as Float32Array;
        const want = ref.fromHost(C) as Float64Array;
        ref.gemm(ta, tb, M, N, K, alpha, ref.fromHost(rounded(A, precision)), ref.fromHost(rounded(B, precision)), beta, want);
        const where = `gemm ${M}x${N}x${K} transA ${ta} transB ${tb} beta ${beta} (${precision})`;
        const err = relError(got, want);
        assert.ok(err < 2e-5, `${where}: ${err} from the product of the rounded operands`);
        const plain = f32.fromHost(C) as Float32Array;
        f32.gemm(ta, tb, M, N, K, alpha, f32.fromHost(A), f32.fromHost(B), beta, plain);
        if (relError(got, plain) > 1e-4) differsFromFloat32 = true;
        for (const d of [dA, dB, dC]) b.free(d);
      }
    }
  }
  assert.ok(differsFromFloat32, `every ${precision} gemm gave the float32 product: the operands were not rounded`);
  // K = 1, an outer product (how layers and the L2 constraint broadcast a vector): float32 throughout.
  const col = randoms(37, 91), row = randoms(23, 92);
  const dc = b.fromHost(col), dr = b.fromHost(row), out = b.alloc(37 * 23);
  b.gemm(false, false, 37, 23, 1, 1, dc, dr, 0, out);
  const want = f32.alloc(37 * 23) as Float32Array;
  f32.gemm(false, false, 37, 23, 1, 1, f32.fromHost(col), f32.fromHost(row), 0, want);
  assert.deepEqual(b.download(out), want, `a ${precision} gemm with K = 1 keeps float32`);
  for (const d of [dc, dr, out]) b.free(d);
  // gemmBatched: every product of the batch from its rounded operands, in one strided call
  for (const [batch, M, N, K] of [[6, 17, 17, 16], [3, 9, 20, 40]] as const) {
    for (const [ta, tb] of [[false, true], [true, false]] as const) {
      const A = randoms(batch * M * K, seed++), B = randoms(batch * K * N, seed++);
      const dA = b.fromHost(A), dB = b.fromHost(B), dC = b.fromHost(new Float32Array(batch * M * N).fill(NaN));
      b.gemmBatched(batch, ta, tb, M, N, K, 0.75, dA, dB, 0, dC);
      const got = b.download(dC) as Float32Array;
      const wanted = ref.alloc(batch * M * N) as Float64Array;
      ref.gemmBatched(batch, ta, tb, M, N, K, 0.75, ref.fromHost(rounded(A, precision)), ref.fromHost(rounded(B, precision)), 0, wanted);
      const where = `gemmBatched ${batch}x${M}x${N}x${K} transA ${ta} transB ${tb} (${precision})`;
      assert.ok(relError(got, wanted) < 2e-5, `${where}: ${relError(got, wanted)} from the products of the rounded operands`);
      const plain = f32.alloc(batch * M * N) as Float32Array;
      f32.gemmBatched(batch, ta, tb, M, N, K, 0.75, f32.fromHost(A), f32.fromHost(B), 0, plain);
      assert.ok(relError(got, plain) > 1e-4, `${where}: the float32 products (the operands were not rounded)`);
      for (const d of [dA, dB, dC]) b.free(d);
    }
  }
}

function geom(p: Partial<ConvGeom> & Pick<ConvGeom, 'num' | 'channels' | 'height' | 'width' | 'numOutput' | 'kernelH' | 'kernelW'>): ConvGeom {
  const g = { group: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, ...p } as ConvGeom;
  g.outH = Math.floor((g.height + 2 * g.padH - (g.dilationH * (g.kernelH - 1) + 1)) / g.strideH) + 1;
  g.outW = Math.floor((g.width + 2 * g.padW - (g.dilationW * (g.kernelW - 1) + 1)) / g.strideW) + 1;
  return g;
}

/** Geometries the mixed-precision convolution checks run: LeNet's conv1 and conv2, groups, strides, padding, dilation. */
export const MIXED_CONV_GEOMS: readonly ConvGeom[] = [
  geom({ num: 3, channels: 1, height: 12, width: 12, numOutput: 4, kernelH: 5, kernelW: 5 }),
  geom({ num: 2, channels: 6, height: 8, width: 8, numOutput: 5, kernelH: 5, kernelW: 5 }),
  geom({ num: 2, channels: 4, height: 9, width: 7, numOutput: 6, kernelH: 3, kernelW: 3, group: 2, strideH: 2, padW: 1 }),
  geom({ num: 1, channels: 3, height: 10, width: 10, numOutput: 2, kernelH: 3, kernelW: 2, dilationH: 2, padH: 2 }),
];

/**
 * Convolution forward, backward data and backward filter (accumulating into a filter gradient that
 * holds values) against float64 on the operands rounded to 16 bits. `halfResults`: the results
 * themselves pass through 16 bits (cuDNN's 16-bit plans), so the reference rounds them too, and
 * one step of the format plus a step of the largest value is allowed; else (im2col + 16-bit GEMM
 * into float32) float32 summation error.
 */
export function assertConvMixed(b: CudaBackend, halfResults: boolean): void {
  const precision = b.precision as 'float16' | 'bfloat16';
  const ref = new JsBackend('float64');
  const step = precision === 'float16' ? 2 ** -10 : 2 ** -7;
  const check = (got: Float32Array, want: Float64Array, where: string) => {
    const out = halfResults ? Float64Array.from(want, (v) => roundTo16(v, precision)) : want;
    let scale = 0;
    for (const v of out) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < out.length; i++) {
      // A 16-bit result may land one step of the format away; cuDNN's transform algorithms
      // (Winograd, FFT) add up to ~1e-3 of the largest value on a GPU even in float32.
      const tol = halfResults ? step * (Math.abs(out[i]!) + scale) : 2e-5 * scale;
      if (!(Math.abs(got[i]! - out[i]!) <= tol)) assert.fail(`${where} (${precision}) at ${i}: ${got[i]}, expected ${out[i]} within ${tol}`);
    }
  };
  let seed = 100;
  for (const g of MIXED_CONV_GEOMS) {
    const name = `conv [${g.num}, ${g.channels}, ${g.height}, ${g.width}] k${g.kernelH}x${g.kernelW} o${g.numOutput} g${g.group}`;
    const xN = g.num * g.channels * g.height * g.width;
    const wN = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
    const yN = g.num * g.numOutput * g.outH * g.outW;
    const x = randoms(xN, seed++), w = randoms(wN, seed++, 0.3), dy = randoms(yN, seed++), dw0 = randoms(wN, seed++, 0.1);
    const ws = b.alloc(b.convWorkspaceSize(g));
    const rws = ref.alloc(ref.convWorkspaceSize(g));
    const rx = ref.fromHost(rounded(x, precision)), rw = ref.fromHost(rounded(w, precision)), rdy = ref.fromHost(rounded(dy, precision));
    const bufs: Buf[] = [];
    const dev = (a: Float32Array) => { const d = b.fromHost(a); bufs.push(d); return d; };

    const y = dev(new Float32Array(yN).fill(NaN));
    b.convForward(g, dev(x), dev(w), y, ws);
    const ry = ref.alloc(yN);
    ref.convForward(g, rx, rw, ry, rws);
    check(b.download(y) as Float32Array, ry as Float64Array, `${name} forward`);

    const dx = dev(new Float32Array(xN).fill(NaN));
    b.convBackwardData(g, dev(dy), dev(w), dx, ws);
    const rdx = ref.alloc(xN);
    ref.convBackwardData(g, rdy, rw, rdx, rws);
    check(b.download(dx) as Float32Array, rdx as Float64Array, `${name} backward data`);

    const dw = dev(dw0);
    b.convBackwardFilter(g, dev(x), dev(dy), dw, ws);
    const rdw = ref.alloc(wN);
    ref.convBackwardFilter(g, rx, rdy, rdw, rws);
    // The reference's gradient alone is rounded (a 16-bit plan's result); the float32 dw it adds to is not.
    const gotDw = Float64Array.from(b.download(dw) as Float32Array, (v, i) => v - dw0[i]!);
    check(Float32Array.from(gotDw), rdw as Float64Array, `${name} backward filter (added to dw)`);
    for (const d of [...bufs, ws]) b.free(d);
  }
}

/** How many float32 → 16-bit roundings (to_half_f32 launches) `fn` makes on `b`'s device. */
export function roundings(b: CudaBackend, fn: () => void): number {
  const kernels = b.runtime.kernels as unknown as { launch: (name: string, ...rest: unknown[]) => void };
  const launch = kernels.launch;
  let n = 0;
  kernels.launch = (name: string, ...rest: unknown[]) => {
    if (name === 'to_half_f32') n++;
    return launch.call(b.runtime.kernels, name, ...rest);
  };
  try {
    fn();
  } finally {
    kernels.launch = launch;
  }
  return n;
}

/**
 * 16-bit cuDNN plans keep each layer's rounded inputs in its workspace: a layer's calls, the
 * backward ones `unchanged`, round x, w, dy, w (not x, w, x, dy, dy, w) and give the bits of calls
 * that round every input. Rounded again: a region that a result was written over, another buffer,
 * any input of a call not `unchanged`, and a buffer freed and allocated anew at the same address
 * (which `addressReused` requires to have happened for at least one geometry).
 */
export function assertConvReuse(b: CudaBackend, addressReused: boolean): void {
  let seed = 300;
  let reused = 0;
  for (const g of MIXED_CONV_GEOMS) {
    const name = `conv [${g.num}, ${g.channels}, ${g.height}, ${g.width}] k${g.kernelH}x${g.kernelW} o${g.numOutput} g${g.group} (${b.precision})`;
    const xN = g.num * g.channels * g.height * g.width;
    const wN = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
    const yN = g.num * g.numOutput * g.outH * g.outW;
    const x = randoms(xN, seed++), x2 = randoms(xN, seed++), w = randoms(wN, seed++, 0.3), dy = randoms(yN, seed++), dy2 = randoms(yN, seed++);
    const dw0 = randoms(wN, seed++, 0.1);
    const bufs: Buf[] = [];
    const dev = (a: Float32Array | number) => { const d = typeof a === 'number' ? b.alloc(a) : b.fromHost(a); bufs.push(d); return d; };
    const read = (d: Buf) => b.download(d) as Float32Array;
    // Every input rounded at every call, each direction on a workspace of its own.
    const fresh = (dir: 'forward' | 'data' | 'filter', a: Float32Array, c: Float32Array): Float32Array => {
      const ws = dev(b.convWorkspaceSize(g));
      if (dir === 'forward') {
        const y = dev(yN);
        b.convForward(g, dev(a), dev(c), y, ws);
        return read(y);
      }
      if (dir === 'data') {
        const dx = dev(xN);
        b.convBackwardData(g, dev(a), dev(c), dx, ws);
        return read(dx);
      }
      const dw = dev(dw0);
      b.convBackwardFilter(g, dev(a), dev(c), dw, ws);
      return read(dw);
    };
    const ws = dev(b.convWorkspaceSize(g));
    const X = b.fromHost(x) as CudaBuf, W = dev(w), DY = dev(dy), Y = dev(yN), DX = dev(xN), DW = dev(dw0);
    assert.equal(roundings(b, () => b.convForward(g, X, W, Y, ws)), 2, `${name}: forward rounds x and w`);
    assert.equal(roundings(b, () => b.convBackwardFilter(g, X, DY, DW, ws, true)), 1, `${name}: backward filter rounds dy alone (x is forward's)`);
    assert.equal(roundings(b, () => b.convBackwardData(g, DY, W, DX, ws, true)), 1, `${name}: backward data rounds w alone (dy is backward filter's)`);
    assert.deepEqual(read(Y), fresh('forward', x, w), `${name}: forward`);
    assert.deepEqual(read(DW), fresh('filter', x, dy), `${name}: backward filter on forward's x`);
    assert.deepEqual(read(DX), fresh('data', dy, w), `${name}: backward data on backward filter's dy`);

    // dx's 16 bits are now where x's were: x is rounded again; dy is still there.
    const DW2 = dev(dw0);
    assert.equal(roundings(b, () => b.convBackwardFilter(g, X, DY, DW2, ws, true)), 1, `${name}: x rounded again after dx was written over it`);
    assert.deepEqual(read(DW2), fresh('filter', x, dy), `${name}: backward filter after backward data`);
    // Another dy buffer, and w after dw was written over it, are rounded.
    const DX2 = dev(xN);
    assert.equal(roundings(b, () => b.convBackwardData(g, dev(dy2), W, DX2, ws, true)), 2, `${name}: another dy, and w again`);
    assert.deepEqual(read(DX2), fresh('data', dy2, w), `${name}: backward data of another dy`);
    // Without `unchanged`, everything is rounded.
    assert.equal(roundings(b, () => b.convBackwardData(g, DY, W, dev(xN), ws)), 2, `${name}: a call not unchanged rounds every input`);

    // Forward leaves x's copy; x is freed and other values are allocated, perhaps at its address.
    b.convForward(g, X, W, Y, ws);
    const at = X.ptr;
    b.free(X);
    const X2 = dev(x2);
    if ((X2 as CudaBuf).ptr === at) reused++;
    const DW3 = dev(dw0);
    b.convBackwardFilter(g, X2, DY, DW3, ws, true);
    assert.deepEqual(read(DW3), fresh('filter', x2, dy), `${name}: backward filter on a buffer allocated where a freed x was`);
    for (const d of bufs) b.free(d);
  }
  if (addressReused) assert.ok(reused > 0, 'no buffer was allocated at a freed one\'s address: the check of freed buffers did not run');

  // One workspace, two plans: what a 3 x 3 forward rounded (its regions) is no 5 x 5 call's.
  const g5 = MIXED_CONV_GEOMS[1]!, g3: ConvGeom = { ...g5, kernelH: 3, kernelW: 3, outH: g5.height - 2, outW: g5.width - 2 };
  const xN = g5.num * g5.channels * g5.height * g5.width, wN = g5.numOutput * g5.channels * 25;
  const x = randoms(xN, seed++), dy = randoms(g5.num * g5.numOutput * g5.outH * g5.outW, seed++), dw0 = randoms(wN, seed++);
  const ws = b.alloc(Math.max(b.convWorkspaceSize(g5), b.convWorkspaceSize(g3)));
  const X = b.fromHost(x), DY = b.fromHost(dy), DW = b.fromHost(dw0), W3 = b.fromHost(randoms(g5.numOutput * g5.channels * 9, seed++));
  const Y3 = b.alloc(g3.num * g3.numOutput * g3.outH * g3.outW);
  b.convForward(g3, X, W3, Y3, ws);
  b.convBackwardFilter(g5, X, DY, DW, ws, true);
  const ws5 = b.alloc(b.convWorkspaceSize(g5)), DW5 = b.fromHost(dw0);
  b.convBackwardFilter(g5, X, DY, DW5, ws5);
  assert.deepEqual(b.download(DW), b.download(DW5), `backward filter (${b.precision}) on a workspace that a forward of another plan used last`);
  for (const d of [ws, X, DY, DW, W3, Y3, ws5, DW5]) b.free(d);
}

/**
 * A Convolution (on the data: no backward data) and a Deconvolution after it, trained one
 * forward + backward on `b` (16-bit cuDNN plans): their calls round 3 + 4 inputs an iteration
 * instead of 4 + 6, and every gradient is the one the same calls give without `unchanged`.
 */
export function assertLayersReuse(b: CudaBackend): void {
  const input = randoms(2 * 3 * 8 * 8, 500), target = randoms(2 * 3 * 8 * 8, 501);
  const net = () => new Net([
    { type: 'MemoryData', name: 'data', tops: ['x', 't'], batchSize: 2, data: [{ values: input, shape: [2, 3, 8, 8] }, { values: target, shape: [2, 3, 8, 8] }] },
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 4, kernel: 3, weightInit: { type: 'Xavier' }, neuron: 'ReLU' },
    { type: 'Deconvolution', name: 'deconv', bottoms: ['c'], tops: ['d'], numOutput: 3, kernel: 3, weightInit: { type: 'Xavier' } },
    { type: 'EuclideanLoss', name: 'loss', bottoms: ['d', 't'], tops: ['loss'] },
  ], { backend: b, phase: 'train', seed: 5 });
  const gradients = (hints: boolean) => {
    const n = net();
    const saved = [b.convForward, b.convBackwardData, b.convBackwardFilter];
    if (!hints) {
      // The same calls, each rounding every input.
      b.convForward = (g, x, w, y, ws) => saved[0].call(b, g, x, w, y, ws);
      b.convBackwardData = (g, dy, w, dx, ws) => saved[1].call(b, g, dy, w, dx, ws);
      b.convBackwardFilter = (g, x, dy, dw, ws) => saved[2].call(b, g, x, dy, dw, ws);
    }
    try {
      let count = 0;
      for (let i = 0; i < 2; i++) {
        n.clearParamDiffs();
        count = roundings(b, () => {
          n.forward();
          n.backward();
        });
      }
      return { count, diffs: n.params.map((p) => Float32Array.from(p.blob.readDiff())) };
    } finally {
      [b.convForward, b.convBackwardData, b.convBackwardFilter] = saved;
      n.destroy();
    }
  };
  const reused = gradients(true), plain = gradients(false);
  assert.equal(plain.count, 4 + 6, `rounding every input (${b.precision})`);
  assert.equal(reused.count, 3 + 4, `a Convolution and a Deconvolution's roundings an iteration (${b.precision})`);
  reused.diffs.forEach((d, i) => assert.deepEqual(d, plain.diffs[i], `parameter ${i}'s gradient (${b.precision})`));
}
