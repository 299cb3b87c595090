/**
 * The TypeScript backend: the executable specification every other backend is compared with.
 *
 * Buffers are plain Float32Array or Float64Array (the dtype decides); `view` is `subarray`, so
 * views alias their parent with no copy. Everything is synchronous and runs in a browser (no
 * Node-only imports). Arithmetic is done in float64 JS numbers and rounded to the dtype on store.
 *
 * This file holds memory, BLAS levels 1 and 2 and the elementwise ops; GEMM, convolution,
 * pooling, softmax and the per-element kernels live in their own files next to it.
 */
import type {
  Backend, Buf, ClassGeom, ConvGeom, DType, HingeLabels, HingeNorm, HostArray, LossNormalization, LRNGeom, NeuronOp,
  PoolGeom, PoolMethod,
} from '../backend.js';
import { BackendError } from '../../core/errors.js';
import { Gemm } from './gemm.js';
import * as conv from './conv.js';
import * as lrn from './lrn.js';
import * as pool from './pool.js';
import * as losses from './losses.js';
import * as random from './random.js';
import * as softmax from './softmax.js';
import * as layerNorm from './layer-norm.js';
import * as pw from './pointwise.js';
import * as structure from './structure.js';

/** The typed array behind a Buf of this backend. */
function h(b: Buf): HostArray {
  return b as HostArray;
}

function need(op: string, name: string, b: Buf, n: number): void {
  if (b.length < n) throw new BackendError(`js backend ${op}: ${name} has ${b.length} elements, needs ${n}`);
}

/** Σ a[i] b[i] over i < n, accumulated in float64 (dot and dotInto). */
function dotOf(n: number, a: HostArray, b: HostArray): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/** The class weights of a loss as a typed array, checked to hold one per class; null when none. */
function classWeights(op: string, g: ClassGeom, weights: Buf | null): HostArray | null {
  if (weights === null) return null;
  need(op, 'weights', weights, g.classes);
  return h(weights);
}

export class JsBackend implements Backend {
  readonly name: string = 'js';
  private readonly gemmKernel = new Gemm();
  /** Float64 accumulators for gemv with transA, grown when needed. */
  private acc = new Float64Array(0);

  constructor(readonly dtype: DType = 'float32') {
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new BackendError(`js backend: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
    }
  }

  // ---- memory ----
  alloc(n: number): Buf {
    if (!Number.isInteger(n) || n < 0) throw new BackendError(`js backend alloc: expected a count >= 0, got ${n}`);
    return this.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  }

  free(_buf: Buf): void {}

  view(buf: Buf, offset: number, n: number): Buf {
    if (!(offset >= 0 && n >= 0 && offset + n <= buf.length)) {
      throw new BackendError(`js backend view: range [${offset}, ${offset + n}) is outside a buffer of ${buf.length} elements`);
    }
    return h(buf).subarray(offset, offset + n);
  }

  upload(dst: Buf, src: ArrayLike<number>, dstOffset = 0): void {
    if (dstOffset < 0 || dstOffset + src.length > dst.length) {
      throw new BackendError(`js backend upload: ${src.length} values at offset ${dstOffset} do not fit a buffer of ${dst.length} elements`);
    }
    h(dst).set(src, dstOffset);
  }

  fromHost(values: ArrayLike<number>): Buf {
    const same = this.dtype === 'float32' ? values instanceof Float32Array : values instanceof Float64Array;
    return same ? (values as HostArray) : this.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  }

  download(src: Buf, out?: HostArray, n = src.length): HostArray {
    if (n > src.length) throw new BackendError(`js backend download: asked for ${n} elements of a buffer of ${src.length}`);
    const s = h(src);
    if (!out) return s.slice(0, n);
    if (out.length < n) throw new BackendError(`js backend download: output holds ${out.length} elements, needs ${n}`);
    out.set(s.subarray(0, n));
    return out;
  }

  synchronize(): void {}

  // ---- BLAS level 1 ----
  set(n: number, alpha: number, y: Buf): void {
    h(y).fill(alpha, 0, n);
  }

  copy(n: number, x: Buf, y: Buf): void {
    if (x !== y) h(y).set(h(x).subarray(0, n));
  }

  scal(n: number, alpha: number, x: Buf): void {
    const a = h(x);
    for (let i = 0; i < n; i++) a[i] *= alpha;
  }

  axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    const a = h(x), b = h(y);
    for (let i = 0; i < n; i++) b[i] += alpha * a[i];
  }

  /** beta = 0 overwrites y without reading it (NaN in y does not survive). */
  axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    const a = h(x), b = h(y);
    if (beta === 0) {
      for (let i = 0; i < n; i++) b[i] = alpha * a[i];
    } else {
      for (let i = 0; i < n; i++) b[i] = alpha * a[i] + beta * b[i];
    }
  }

  dot(n: number, x: Buf, y: Buf): number {
    return dotOf(n, h(x), h(y));
  }

  dotInto(n: number, x: Buf, y: Buf, alpha: number, beta: number, out: Buf): void {
    need('dotInto', 'x', x, n);
    need('dotInto', 'y', y, n);
    need('dotInto', 'out', out, 1);
    const o = h(out);
    const s = dotOf(n, h(x), h(y));
    o[0] = beta === 0 ? alpha * s : alpha * s + beta * o[0];
  }

  asum(n: number, x: Buf): number {
    const a = h(x);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i]);
    return s;
  }

  // ---- BLAS level 2 and 3 ----
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    need('gemm', 'A', A, M * K);
    need('gemm', 'B', B, K * N);
    need('gemm', 'C', C, M * N);
    this.gemmKernel.run(transA, transB, M, N, K, alpha, h(A), 0, h(B), 0, beta, h(C), 0);
  }

  gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    need('gemmBatched', 'A', A, batch * M * K);
    need('gemmBatched', 'B', B, batch * K * N);
    need('gemmBatched', 'C', C, batch * M * N);
    const a = h(A), b = h(B), c = h(C);
    for (let i = 0; i < batch; i++) this.gemmKernel.run(transA, transB, M, N, K, alpha, a, i * M * K, b, i * K * N, beta, c, i * M * N);
  }

  /** beta = 0 overwrites y without reading it. */
  gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    need('gemv', 'A', A, M * N);
    need('gemv', 'x', x, transA ? M : N);
    need('gemv', 'y', y, transA ? N : M);
    const a = h(A), v = h(x), out = h(y);
    if (!transA) {
      for (let i = 0; i < M; i++) {
        const row = i * N;
        let s = 0;
        for (let j = 0; j < N; j++) s += a[row + j] * v[j];
        out[i] = beta === 0 ? alpha * s : alpha * s + beta * out[i];
      }
      return;
    }
    if (this.acc.length < N) this.acc = new Float64Array(N);
    const acc = this.acc;
    acc.fill(0, 0, N);
    for (let i = 0; i < M; i++) {
      const row = i * N;
      const xi = v[i];
      for (let j = 0; j < N; j++) acc[j] += a[row + j] * xi;
    }
    for (let j = 0; j < N; j++) out[j] = beta === 0 ? alpha * acc[j] : alpha * acc[j] + beta * out[j];
  }

  // ---- elementwise ----
  add(n: number, a: Buf, b: Buf, y: Buf): void {
    const p = h(a), q = h(b), r = h(y);
    for (let i = 0; i < n; i++) r[i] = p[i] + q[i];
  }

  sub(n: number, a: Buf, b: Buf, y: Buf): void {
    const p = h(a), q = h(b), r = h(y);
    for (let i = 0; i < n; i++) r[i] = p[i] - q[i];
  }

  mul(n: number, a: Buf, b: Buf, y: Buf): void {
    const p = h(a), q = h(b), r = h(y);
    for (let i = 0; i < n; i++) r[i] = p[i] * q[i];
  }

  div(n: number, a: Buf, b: Buf, y: Buf): void {
    const p = h(a), q = h(b), r = h(y);
    for (let i = 0; i < n; i++) r[i] = p[i] / q[i];
  }

  powx(n: number, a: Buf, p: number, y: Buf): void {
    const s = h(a), r = h(y);
    for (let i = 0; i < n; i++) r[i] = Math.pow(s[i], p);
  }

  exp(n: number, a: Buf, y: Buf): void {
    const s = h(a), r = h(y);
    for (let i = 0; i < n; i++) r[i] = Math.exp(s[i]);
  }

  log(n: number, a: Buf, y: Buf): void {
    const s = h(a), r = h(y);
    for (let i = 0; i < n; i++) r[i] = Math.log(s[i]);
  }

  abs(n: number, a: Buf, y: Buf): void {
    const s = h(a), r = h(y);
    for (let i = 0; i < n; i++) r[i] = Math.abs(s[i]);
  }

  /** sign(0) = sign(NaN) = 0, as Caffe's (0 < x) - (x < 0). */
  sign(n: number, a: Buf, y: Buf): void {
    const s = h(a), r = h(y);
    for (let i = 0; i < n; i++) {
      const v = s[i];
      r[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
  }

  addScalar(n: number, alpha: number, y: Buf): void {
    const r = h(y);
    for (let i = 0; i < n; i++) r[i] += alpha;
  }

  clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    [lo, hi] = this.bounds(lo, hi);
    const s = h(x), r = h(y);
    for (let i = 0; i < n; i++) {
      const v = s[i];
      r[i] = v < lo ? lo : v > hi ? hi : v;
    }
  }

  where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    [lo, hi] = this.bounds(lo, hi);
    const s = h(x), p = h(a), q = h(b), r = h(y);
    for (let i = 0; i < n; i++) {
      const v = s[i];
      r[i] = v >= lo && v <= hi ? p[i] : v < lo || v > hi ? q[i] : v;
    }
  }

  /** Bounds as the kernels of the float32 backends see them (rounded to float32), so that a compare agrees at the bound. */
  private bounds(lo: number, hi: number): [number, number] {
    return this.dtype === 'float32' ? [Math.fround(lo), Math.fround(hi)] : [lo, hi];
  }

  // ---- fused kernels ----
  gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    if (index.length < rows || dst.length < rows * rowSize) {
      throw new BackendError(`js backend gather: ${rows} rows of ${rowSize} need an index of ${rows} and an output of ${rows * rowSize}, found ${index.length} and ${dst.length}`);
    }
    const s = h(src), ix = h(index), d = h(dst);
    const srcRows = Math.floor(s.length / Math.max(1, rowSize));
    for (let r = 0; r < rows; r++) {
      const row = ix[r];
      if (!(row >>> 0 === row && row < srcRows)) {
        throw new BackendError(`js backend gather: index[${r}] = ${row} is not a row of a source of ${srcRows} rows`);
      }
      const from = row * rowSize, to = r * rowSize;
      if (scale === 1) structure.copyRun(s, from, d, to, rowSize);
      else for (let j = 0; j < rowSize; j++) d[to + j] = scale * s[from + j];
    }
  }

  scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    if (index.length < rows || src.length < rows * rowSize) {
      throw new BackendError(`js backend scatterAdd: ${rows} rows of ${rowSize} need an index of ${rows} and a source of ${rows * rowSize}, found ${index.length} and ${src.length}`);
    }
    const s = h(src), ix = h(index), d = h(dst);
    const dstRows = Math.floor(d.length / Math.max(1, rowSize));
    for (let r = 0; r < rows; r++) {
      const row = ix[r];
      if (!(row >>> 0 === row && row < dstRows)) {
        throw new BackendError(`js backend scatterAdd: index[${r}] = ${row} is not a row of a destination of ${dstRows} rows`);
      }
      const from = r * rowSize, to = row * rowSize;
      for (let j = 0; j < rowSize; j++) d[to + j] += scale * s[from + j];
    }
  }

  /** One image's im2col matrix: channels · kernelH · kernelW · outH · outW (every group, stacked). */
  convWorkspaceSize(g: ConvGeom): number {
    return conv.convWorkspaceSize(g);
  }

  convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, workspace: Buf): void {
    conv.convForward(this.gemmKernel, g, h(x), h(w), h(y), h(workspace));
  }

  convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, workspace: Buf): void {
    conv.convBackwardData(this.gemmKernel, g, h(dy), h(w), h(dx), h(workspace));
  }

  convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, workspace: Buf): void {
    conv.convBackwardFilter(this.gemmKernel, g, h(x), h(dy), h(dw), h(workspace));
  }

  biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    pw.biasForward(outer, channels, inner, h(bias), h(y));
  }

  biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    pw.biasBackward(outer, channels, inner, h(dy), h(dbias));
  }

  poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    pool.poolForward(g, method, h(x), h(y), h(mask));
  }

  poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    pool.poolBackward(g, method, h(dy), h(mask), h(dx));
  }

  lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, _work: Buf): void {
    lrn.lrnForward(g, h(x), h(scale), h(y));
  }

  lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, _work: Buf): void {
    lrn.lrnBackward(g, h(x), h(y), h(scale), h(dy), h(dx));
  }

  neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    pw.neuronForward(op, n, h(x), h(y), alpha);
  }

  neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    pw.neuronBackward(op, n, h(y), h(dy), h(dx), alpha);
  }

  layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void {
    for (const [b, name, n] of [[x, 'x', rows * D], [xhat, 'xhat', rows * D], [y, 'y', rows * D], [rstd, 'rstd', rows],
      [scale, 'scale', D], [bias, 'bias', D]] as const) if (b) need('layerNormForward', name, b, n);
    if (!scale !== !bias) throw new BackendError('js backend layerNormForward: scale and bias are given together or not at all');
    layerNorm.layerNormForward(rows, D, eps, h(x), scale && h(scale), bias && h(bias), h(xhat), h(rstd), h(y));
  }

  layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void {
    for (const [b, name, n] of [[xhat, 'xhat', rows * D], [dy, 'dy', rows * D], [dx, 'dx', rows * D], [rstd, 'rstd', rows],
      [scale, 'scale', D]] as const) if (b) need('layerNormBackward', name, b, n);
    layerNorm.layerNormBackward(rows, D, h(xhat), h(rstd), h(dy), scale && h(scale), h(dx));
  }

  softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    softmax.softmaxForward(g, h(x), h(y));
  }

  softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    softmax.softmaxBackward(g, h(y), h(dy), h(dx));
  }

  logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    softmax.logSoftmaxForward(g, h(x), h(y));
  }

  logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    softmax.logSoftmaxBackward(g, h(y), h(dy), h(dx));
  }

  softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf, weights: Buf | null = null): void {
    softmax.softmaxLossForward(g, h(prob), h(label), ignoreLabel, normalization, h(loss), classWeights('softmaxLossForward', g, weights));
  }

  softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    softmax.softmaxLossBackward(g, h(prob), h(label), ignoreLabel, normalization, lossWeight, h(dx), classWeights('softmaxLossBackward', g, weights));
  }

  nllBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    need('nllBackward', 'dx', dx, g.outer * g.classes * g.inner);
    softmax.nllBackward(g, h(prob), h(label), ignoreLabel, normalization, lossWeight, h(dx), classWeights('nllBackward', g, weights));
  }

  hingeLossForward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, loss: Buf): void {
    need('hingeLossForward', 'label', label, labels === 'sign' ? g.outer * g.classes : g.outer);
    losses.hingeLossForward(g, h(x), h(label), labels, norm, h(loss));
  }

  hingeLossBackward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, lossWeight: number, dx: Buf): void {
    need('hingeLossBackward', 'label', label, labels === 'sign' ? g.outer * g.classes : g.outer);
    losses.hingeLossBackward(g, h(x), h(label), labels, norm, lossWeight, h(dx));
  }

  binaryAccuracy(n: number, pred: Buf, label: Buf, threshold: number, out: Buf): void {
    need('binaryAccuracy', 'pred', pred, n);
    need('binaryAccuracy', 'label', label, n);
    losses.binaryAccuracy(n, h(pred), h(label), threshold, h(out));
  }

  accuracyForward(g: ClassGeom, x: Buf, label: Buf, topK: number, ignoreLabel: number | null, out: Buf): void {
    softmax.accuracyForward(g, h(x), h(label), topK, ignoreLabel, h(out));
  }

  topK(g: ClassGeom, topK: number, x: Buf, indices: Buf, values: Buf): void {
    const n = g.outer * topK * g.inner;
    if (topK > g.classes || indices.length < n || values.length < n) {
      throw new BackendError(`js backend topK: top ${topK} of ${g.classes} classes needs outputs of ${n}, found ${indices.length} and ${values.length}`);
    }
    structure.topK(g, topK, h(x), h(indices), h(values));
  }

  copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void {
    if (rows === 0 || cols === 0) return;
    const srcEnd = (rows - 1) * srcStride + cols, dstEnd = (rows - 1) * dstStride + cols;
    if (src.length < srcEnd || dst.length < dstEnd) {
      throw new BackendError(`js backend copy2d: ${rows} rows of ${cols} with strides ${srcStride} and ${dstStride} need buffers of ${srcEnd} and ${dstEnd}, found ${src.length} and ${dst.length}`);
    }
    structure.copy2d(rows, cols, h(src), srcStride, h(dst), dstStride, accumulate);
  }

  randomUniform(n: number, key: number, y: Buf): void {
    need('randomUniform', 'y', y, n);
    random.randomUniform(n, key, h(y));
  }

  randomNormal(n: number, key: number, y: Buf): void {
    need('randomNormal', 'y', y, n);
    random.randomNormal(n, key, h(y));
  }

  dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    pw.dropout(n, h(x), h(rand), ratio, scale, h(y));
  }

  dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    pw.dropout(n, h(dy), h(rand), ratio, scale, h(dx));
  }

  sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    pw.sgdUpdate(n, h(w), h(diff), h(hist), lr, momentum, decay, regularization);
  }
}
