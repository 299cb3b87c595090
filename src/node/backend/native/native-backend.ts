/**
 * The native CPU backend: the TypeScript backend with its hot entries swapped for C++ SIMD
 * kernels (build/Release/cortado.node) that work in place on the same Float32Arrays, with no copy.
 * Memory, views and everything not overridden here are JsBackend's, so buffers of the two
 * backends are interchangeable and a kernel the addon lacks simply runs in TypeScript.
 *
 * float32 only, the addon's type. A float64 native backend (nativeBackend('float64'), which
 * createBackend('native', 'float64') calls) is a JsBackend under the name 'native': the choice is
 * made once, when the backend is made, not per call. Convolution needs no workspace (the addon
 * keeps per-thread scratch), so convWorkspaceSize is 0. Node-only (it loads an addon).
 */
import type {
  Backend, Buf, ClassGeom, ConvGeom, DType, LossNormalization, LRNGeom, NeuronOp, PoolGeom, PoolMethod,
} from '../../../backend/backend.js';
import { BackendError } from '../../../core/errors.js';
import { JsBackend } from '../../../backend/js/js-backend.js';
import {
  BINARY_OP, CONV_FIELDS, loadNativeAddon, lrnFields, nativeLoadError, NEURON_OP, NORMALIZATION, POOL_FIELDS, POOL_METHOD,
  UNARY_OP, type NativeAddon,
} from './load.js';

/** A float32 buffer of this backend (a JsBackend buffer: the typed array itself). */
function f(b: Buf): Float32Array {
  return b as Float32Array;
}

const convGeom = new Int32Array(CONV_FIELDS.length);
const poolGeom = new Int32Array(POOL_FIELDS.length);
const lrnGeom = new Int32Array(6);

function packConv(g: ConvGeom): Int32Array {
  for (let i = 0; i < CONV_FIELDS.length; i++) convGeom[i] = g[CONV_FIELDS[i]];
  return convGeom;
}

function packPool(g: PoolGeom): Int32Array {
  for (let i = 0; i < POOL_FIELDS.length; i++) poolGeom[i] = g[POOL_FIELDS[i]];
  return poolGeom;
}

/** The addon, or a BackendError saying why it cannot load. */
function addonOrThrow(): NativeAddon {
  const addon = loadNativeAddon();
  if (!addon) throw new BackendError(`native backend unavailable: ${nativeLoadError()}`);
  return addon;
}

/** The TypeScript backend under the name 'native': the native backend in float64, where the addon has no kernels. */
class NativeFloat64Backend extends JsBackend {
  override readonly name: string = 'native';
}

/**
 * The native backend in `dtype`: a NativeBackend in float32, a JsBackend named 'native' in
 * float64. Throws BackendError saying why when the addon is not built or cannot load (in float64
 * too, so that asking for 'native' means the same on every dtype).
 */
export function nativeBackend(dtype: DType = 'float32'): Backend {
  addonOrThrow();
  return dtype === 'float32' ? new NativeBackend() : new NativeFloat64Backend(dtype);
}

export class NativeBackend extends JsBackend {
  override readonly name: string = 'native';
  private readonly addon: NativeAddon;

  /**
   * Throws BackendError saying why when the addon is not built or cannot load, or when dtype is
   * not float32 (nativeBackend(dtype) makes a native backend in any dtype).
   */
  constructor(dtype: 'float32' = 'float32') {
    if (dtype !== 'float32') {
      throw new BackendError(`NativeBackend computes in float32, not ${String(dtype)}; nativeBackend('${String(dtype)}') or createBackend('native', '${String(dtype)}') gives the TypeScript kernels under the name 'native'`);
    }
    super(dtype);
    this.addon = addonOrThrow();
  }

  /** Instruction set of the kernels ('avx512', 'avx2', 'portable') and the pool's thread count. */
  get info(): { isa: string; threads: number } {
    return { isa: this.addon.isa, threads: this.addon.numThreads };
  }

  // ---- BLAS level 1 ----
  override set(n: number, alpha: number, y: Buf): void {
    this.addon.set(n, alpha, f(y));
  }

  override copy(n: number, x: Buf, y: Buf): void {
    this.addon.copy(n, f(x), f(y));
  }

  override scal(n: number, alpha: number, x: Buf): void {
    this.addon.scal(n, alpha, f(x));
  }

  override axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    this.addon.axpy(n, alpha, f(x), f(y));
  }

  override axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    this.addon.axpby(n, alpha, f(x), beta, f(y));
  }

  override dot(n: number, x: Buf, y: Buf): number {
    return this.addon.dot(n, f(x), f(y));
  }

  override asum(n: number, x: Buf): number {
    return this.addon.asum(n, f(x));
  }

  // ---- BLAS level 2 and 3 ----
  override gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    this.addon.gemm(transA, transB, M, N, K, alpha, f(A), f(B), beta, f(C));
  }

  override gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    this.addon.gemmBatched(batch, transA, transB, M, N, K, alpha, f(A), f(B), beta, f(C));
  }

  override gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    this.addon.gemv(transA, M, N, alpha, f(A), f(x), beta, f(y));
  }

  // ---- elementwise ----
  override add(n: number, a: Buf, b: Buf, y: Buf): void {
    this.addon.binary(BINARY_OP.add, n, f(a), f(b), f(y));
  }

  override sub(n: number, a: Buf, b: Buf, y: Buf): void {
    this.addon.binary(BINARY_OP.sub, n, f(a), f(b), f(y));
  }

  override mul(n: number, a: Buf, b: Buf, y: Buf): void {
    this.addon.binary(BINARY_OP.mul, n, f(a), f(b), f(y));
  }

  override div(n: number, a: Buf, b: Buf, y: Buf): void {
    this.addon.binary(BINARY_OP.div, n, f(a), f(b), f(y));
  }

  override powx(n: number, a: Buf, p: number, y: Buf): void {
    this.addon.unary(UNARY_OP.powx, n, f(a), p, f(y));
  }

  override exp(n: number, a: Buf, y: Buf): void {
    this.addon.unary(UNARY_OP.exp, n, f(a), 0, f(y));
  }

  override log(n: number, a: Buf, y: Buf): void {
    this.addon.unary(UNARY_OP.log, n, f(a), 0, f(y));
  }

  override abs(n: number, a: Buf, y: Buf): void {
    this.addon.unary(UNARY_OP.abs, n, f(a), 0, f(y));
  }

  override sign(n: number, a: Buf, y: Buf): void {
    this.addon.unary(UNARY_OP.sign, n, f(a), 0, f(y));
  }

  override addScalar(n: number, alpha: number, y: Buf): void {
    this.addon.unary(UNARY_OP.addScalar, n, f(y), alpha, f(y));
  }

  override clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    this.addon.clamp(n, lo, hi, f(x), f(y));
  }

  override where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    this.addon.where(n, lo, hi, f(x), f(a), f(b), f(y));
  }

  // ---- fused kernels ----
  // A bad index writes nothing in the kernel; the TypeScript loop then reports it in its words.
  override gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const srcRows = Math.floor(src.length / Math.max(1, rowSize));
    if (this.addon.gather(rows, rowSize, srcRows, f(src), f(index), scale, f(dst)) >= 0) super.gather(rows, rowSize, src, index, scale, dst);
  }

  override scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const dstRows = Math.floor(dst.length / Math.max(1, rowSize));
    if (this.addon.scatterAdd(rows, rowSize, dstRows, f(src), f(index), scale, f(dst)) >= 0) super.scatterAdd(rows, rowSize, src, index, scale, dst);
  }

  override copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void {
    this.addon.copy2d(rows, cols, srcStride, dstStride, accumulate, f(src), f(dst));
  }

  override convWorkspaceSize(_g: ConvGeom): number {
    return 0;
  }

  override convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, _workspace: Buf): void {
    this.addon.convForward(packConv(g), f(x), f(w), f(y));
  }

  override convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, _workspace: Buf): void {
    this.addon.convBackwardData(packConv(g), f(dy), f(w), f(dx));
  }

  override convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, _workspace: Buf): void {
    this.addon.convBackwardFilter(packConv(g), f(x), f(dy), f(dw));
  }

  override biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    this.addon.biasForward(outer, channels, inner, f(bias), f(y));
  }

  override biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    this.addon.biasBackward(outer, channels, inner, f(dy), f(dbias));
  }

  override poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    this.addon.poolForward(packPool(g), POOL_METHOD[method], f(x), f(y), f(mask));
  }

  override poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    this.addon.poolBackward(packPool(g), POOL_METHOD[method], f(dy), f(mask), f(dx));
  }

  override lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, _work: Buf): void {
    this.addon.lrnForward(lrnFields(g, lrnGeom), g.alpha, g.beta, g.k, f(x), f(scale), f(y));
  }

  override lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, _work: Buf): void {
    this.addon.lrnBackward(lrnFields(g, lrnGeom), g.alpha, g.beta, g.k, f(x), f(y), f(scale), f(dy), f(dx));
  }

  override neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    this.addon.neuronForward(NEURON_OP[op], n, f(x), f(y), alpha);
  }

  override neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    this.addon.neuronBackward(NEURON_OP[op], n, f(y), f(dy), f(dx), alpha);
  }

  override layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void {
    if (!scale !== !bias) super.layerNormForward(rows, D, eps, x, scale, bias, xhat, rstd, y);
    else this.addon.layerNormForward(rows, D, eps, f(x), scale && f(scale), bias && f(bias), f(xhat), f(rstd), f(y));
  }

  override layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void {
    this.addon.layerNormBackward(rows, D, f(xhat), f(rstd), f(dy), scale && f(scale), f(dx));
  }

  override softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    this.addon.softmaxForward(g.outer, g.classes, g.inner, f(x), f(y));
  }

  override softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    this.addon.softmaxBackward(g.outer, g.classes, g.inner, f(y), f(dy), f(dx));
  }

  override logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    this.addon.logSoftmaxForward(g.outer, g.classes, g.inner, f(x), f(y));
  }

  override logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    this.addon.logSoftmaxBackward(g.outer, g.classes, g.inner, f(y), f(dy), f(dx));
  }

  /**
   * A bad label is reported by the TypeScript kernel, so the DataError reads the same on every CPU
   * backend; class weights are applied there too (a cheap final layer, on host memory already).
   */
  override softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf, weights: Buf | null = null): void {
    if (weights) {
      super.softmaxLossForward(g, prob, label, ignoreLabel, normalization, loss, weights);
      return;
    }
    if (this.addon.softmaxLossForward(g.outer, g.classes, g.inner, f(prob), f(label), ignoreLabel,
      NORMALIZATION[normalization], f(loss)) >= 0) {
      super.softmaxLossForward(g, prob, label, ignoreLabel, normalization, loss);
    }
  }

  override softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    if (weights) {
      super.softmaxLossBackward(g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
      return;
    }
    if (this.addon.softmaxLossBackward(g.outer, g.classes, g.inner, f(prob), f(label), ignoreLabel,
      NORMALIZATION[normalization], lossWeight, f(dx)) >= 0) {
      super.softmaxLossBackward(g, prob, label, ignoreLabel, normalization, lossWeight, dx);
    }
  }

  override randomUniform(n: number, key: number, y: Buf): void {
    this.addon.randomUniform(n, key >>> 0, f(y));
  }

  override dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    this.addon.dropout(n, f(x), f(rand), ratio, scale, f(y));
  }

  override dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    this.addon.dropout(n, f(dy), f(rand), ratio, scale, f(dx));
  }

  override sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    this.addon.sgdUpdate(n, f(w), f(diff), f(hist), lr, momentum, decay, regularization === 'L1');
  }
}
