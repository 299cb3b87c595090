/**
 * The native CPU backend: the TypeScript backend with its hot entries swapped for C++ SIMD
 * kernels (build/Release/cortado.node) that work in place on the same Float32Arrays, with no copy.
 * Memory, views and everything not overridden here are JsBackend's, so buffers of the two
 * backends are interchangeable and a kernel the addon lacks simply runs in TypeScript.
 *
 * float32 only: a float64 NativeBackend is a JsBackend under another name. Convolution needs no
 * workspace (the addon keeps per-thread scratch), so convWorkspaceSize is 0 in float32.
 * Node-only (it loads an addon).
 */
import type {
  Buf, ClassGeom, ConvGeom, DType, LossNormalization, NeuronOp, PoolGeom, PoolMethod,
} from '../../../backend/backend.js';
import { BackendError } from '../../../core/errors.js';
import { JsBackend } from '../../../backend/js/js-backend.js';
import {
  BINARY_OP, CONV_FIELDS, loadNativeAddon, nativeLoadError, NEURON_OP, NORMALIZATION, POOL_FIELDS, POOL_METHOD,
  UNARY_OP, type NativeAddon,
} from './load.js';

/** A float32 buffer of this backend (a JsBackend buffer: the typed array itself). */
function f(b: Buf): Float32Array {
  return b as Float32Array;
}

const convGeom = new Int32Array(CONV_FIELDS.length);
const poolGeom = new Int32Array(POOL_FIELDS.length);

function packConv(g: ConvGeom): Int32Array {
  for (let i = 0; i < CONV_FIELDS.length; i++) convGeom[i] = g[CONV_FIELDS[i]];
  return convGeom;
}

function packPool(g: PoolGeom): Int32Array {
  for (let i = 0; i < POOL_FIELDS.length; i++) poolGeom[i] = g[POOL_FIELDS[i]];
  return poolGeom;
}

export class NativeBackend extends JsBackend {
  override readonly name: string = 'native';
  /** The addon when dtype is float32, else null (every call goes to JsBackend). */
  private readonly native: NativeAddon | null;

  /** Throws BackendError saying why when the addon is not built or cannot load. */
  constructor(dtype: DType = 'float32') {
    super(dtype);
    const addon = loadNativeAddon();
    if (!addon) throw new BackendError(`native backend unavailable: ${nativeLoadError()}`);
    this.native = dtype === 'float32' ? addon : null;
  }

  /** Instruction set of the kernels ('avx512', 'avx2', 'portable') and the pool's thread count. */
  get info(): { isa: string; threads: number } {
    const a = loadNativeAddon()!;
    return { isa: a.isa, threads: a.numThreads };
  }

  // ---- BLAS level 1 ----
  override set(n: number, alpha: number, y: Buf): void {
    if (this.native) this.native.set(n, alpha, f(y));
    else super.set(n, alpha, y);
  }

  override copy(n: number, x: Buf, y: Buf): void {
    if (this.native) this.native.copy(n, f(x), f(y));
    else super.copy(n, x, y);
  }

  override scal(n: number, alpha: number, x: Buf): void {
    if (this.native) this.native.scal(n, alpha, f(x));
    else super.scal(n, alpha, x);
  }

  override axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    if (this.native) this.native.axpy(n, alpha, f(x), f(y));
    else super.axpy(n, alpha, x, y);
  }

  override axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    if (this.native) this.native.axpby(n, alpha, f(x), beta, f(y));
    else super.axpby(n, alpha, x, beta, y);
  }

  override dot(n: number, x: Buf, y: Buf): number {
    return this.native ? this.native.dot(n, f(x), f(y)) : super.dot(n, x, y);
  }

  override asum(n: number, x: Buf): number {
    return this.native ? this.native.asum(n, f(x)) : super.asum(n, x);
  }

  // ---- BLAS level 2 and 3 ----
  override gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    if (this.native) this.native.gemm(transA, transB, M, N, K, alpha, f(A), f(B), beta, f(C));
    else super.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
  }

  override gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    if (this.native) this.native.gemv(transA, M, N, alpha, f(A), f(x), beta, f(y));
    else super.gemv(transA, M, N, alpha, A, x, beta, y);
  }

  // ---- elementwise ----
  override add(n: number, a: Buf, b: Buf, y: Buf): void {
    if (this.native) this.native.binary(BINARY_OP.add, n, f(a), f(b), f(y));
    else super.add(n, a, b, y);
  }

  override sub(n: number, a: Buf, b: Buf, y: Buf): void {
    if (this.native) this.native.binary(BINARY_OP.sub, n, f(a), f(b), f(y));
    else super.sub(n, a, b, y);
  }

  override mul(n: number, a: Buf, b: Buf, y: Buf): void {
    if (this.native) this.native.binary(BINARY_OP.mul, n, f(a), f(b), f(y));
    else super.mul(n, a, b, y);
  }

  override div(n: number, a: Buf, b: Buf, y: Buf): void {
    if (this.native) this.native.binary(BINARY_OP.div, n, f(a), f(b), f(y));
    else super.div(n, a, b, y);
  }

  override powx(n: number, a: Buf, p: number, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.powx, n, f(a), p, f(y));
    else super.powx(n, a, p, y);
  }

  override exp(n: number, a: Buf, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.exp, n, f(a), 0, f(y));
    else super.exp(n, a, y);
  }

  override log(n: number, a: Buf, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.log, n, f(a), 0, f(y));
    else super.log(n, a, y);
  }

  override abs(n: number, a: Buf, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.abs, n, f(a), 0, f(y));
    else super.abs(n, a, y);
  }

  override sign(n: number, a: Buf, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.sign, n, f(a), 0, f(y));
    else super.sign(n, a, y);
  }

  override addScalar(n: number, alpha: number, y: Buf): void {
    if (this.native) this.native.unary(UNARY_OP.addScalar, n, f(y), alpha, f(y));
    else super.addScalar(n, alpha, y);
  }

  override clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    if (this.native) this.native.clamp(n, lo, hi, f(x), f(y));
    else super.clamp(n, lo, hi, x, y);
  }

  override where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    if (this.native) this.native.where(n, lo, hi, f(x), f(a), f(b), f(y));
    else super.where(n, lo, hi, x, a, b, y);
  }

  // ---- fused kernels ----
  override convWorkspaceSize(g: ConvGeom): number {
    return this.native ? 0 : super.convWorkspaceSize(g);
  }

  override convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, workspace: Buf): void {
    if (this.native) this.native.convForward(packConv(g), f(x), f(w), f(y));
    else super.convForward(g, x, w, y, workspace);
  }

  override convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, workspace: Buf): void {
    if (this.native) this.native.convBackwardData(packConv(g), f(dy), f(w), f(dx));
    else super.convBackwardData(g, dy, w, dx, workspace);
  }

  override convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, workspace: Buf): void {
    if (this.native) this.native.convBackwardFilter(packConv(g), f(x), f(dy), f(dw));
    else super.convBackwardFilter(g, x, dy, dw, workspace);
  }

  override biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    if (this.native) this.native.biasForward(outer, channels, inner, f(bias), f(y));
    else super.biasForward(outer, channels, inner, bias, y);
  }

  override biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    if (this.native) this.native.biasBackward(outer, channels, inner, f(dy), f(dbias));
    else super.biasBackward(outer, channels, inner, dy, dbias);
  }

  override poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    if (this.native) this.native.poolForward(packPool(g), POOL_METHOD[method], f(x), f(y), f(mask));
    else super.poolForward(g, method, x, y, mask);
  }

  override poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    if (this.native) this.native.poolBackward(packPool(g), POOL_METHOD[method], f(dy), f(mask), f(dx));
    else super.poolBackward(g, method, dy, mask, dx);
  }

  override neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    if (this.native) this.native.neuronForward(NEURON_OP[op], n, f(x), f(y), alpha);
    else super.neuronForward(op, n, x, y, alpha);
  }

  override neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    if (this.native) this.native.neuronBackward(NEURON_OP[op], n, f(y), f(dy), f(dx), alpha);
    else super.neuronBackward(op, n, y, dy, dx, alpha);
  }

  override softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    if (this.native) this.native.softmaxForward(g.outer, g.classes, g.inner, f(x), f(y));
    else super.softmaxForward(g, x, y);
  }

  override softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    if (this.native) this.native.softmaxBackward(g.outer, g.classes, g.inner, f(y), f(dy), f(dx));
    else super.softmaxBackward(g, y, dy, dx);
  }

  /** A bad label is reported by the TypeScript kernel, so the DataError reads the same on every CPU backend. */
  override softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf): void {
    if (!this.native || this.native.softmaxLossForward(g.outer, g.classes, g.inner, f(prob), f(label), ignoreLabel,
      NORMALIZATION[normalization], f(loss)) >= 0) {
      super.softmaxLossForward(g, prob, label, ignoreLabel, normalization, loss);
    }
  }

  override softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf): void {
    if (!this.native || this.native.softmaxLossBackward(g.outer, g.classes, g.inner, f(prob), f(label), ignoreLabel,
      NORMALIZATION[normalization], lossWeight, f(dx)) >= 0) {
      super.softmaxLossBackward(g, prob, label, ignoreLabel, normalization, lossWeight, dx);
    }
  }

  override dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    if (this.native) this.native.dropout(n, f(x), f(rand), ratio, scale, f(y));
    else super.dropoutForward(n, x, rand, ratio, scale, y);
  }

  override dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    if (this.native) this.native.dropout(n, f(dy), f(rand), ratio, scale, f(dx));
    else super.dropoutBackward(n, dy, rand, ratio, scale, dx);
  }

  override sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    if (this.native) this.native.sgdUpdate(n, f(w), f(diff), f(hist), lr, momentum, decay, regularization === 'L1');
    else super.sgdUpdate(n, w, diff, hist, lr, momentum, decay, regularization);
  }
}
