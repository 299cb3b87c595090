/**
 * The Backend interface: memory, BLAS-named primitives and named fused kernels.
 *
 * Layers and solvers are written once against this interface and never know which backend runs
 * them. The TypeScript backend (`js/`) is the executable specification; every other backend must
 * agree with it within floating-point tolerance.
 *
 * Conventions, for every method:
 * - Arrays are row-major. `n` is an element count; buffers may be longer than `n`.
 * - Buffers are opaque `Buf` handles made by the same backend (`alloc` or `view`).
 * - Calls are synchronous from the caller's point of view; a device backend may queue them, and
 *   only `download` (and methods returning numbers) wait for the queue.
 * - "accumulates" means the result is added to what the output holds; otherwise it is overwritten.
 */

export type DType = 'float32' | 'float64';
export type HostArray = Float32Array | Float64Array;

/** A backend-owned buffer of `length` elements (a typed array on CPU backends, a handle on devices). */
export interface Buf {
  readonly length: number;
}

/**
 * Elementwise activations. Backward passes are computed from the output y (in place safe), except
 * those of NEURON_FROM_X, whose derivative y does not determine: they take x in y's place.
 *   erf   y = erf(x)                      dx = dy 2/√π e^(-x²)
 *   gelu  y = x Φ(x), Φ the normal CDF   dx = dy (Φ(x) + x φ(x)), φ the normal density
 *   geluTanh  y = x (1 + t) / 2, t = tanh(c (x + k x³)), c = √(2/π), k = 0.044715, that is
 *             y = x s with s = σ(2 c (x + k x³)) (no cancellation in 1 + t where t nears -1)
 *             dx = dy (s + 2 x s (1 - s) c (1 + 3 k x²))
 */
export type NeuronOp = 'identity' | 'relu' | 'lrelu' | 'sigmoid' | 'tanh' | 'exp' | 'erf' | 'gelu' | 'geluTanh';

/** The neurons whose backward pass reads x, not y (see NeuronOp). */
export const NEURON_FROM_X: ReadonlySet<NeuronOp> = new Set<NeuronOp>(['erf', 'gelu', 'geluTanh']);

/**
 * Geometry of a 2-d convolution over a batch. Input [num, channels, height, width], weights
 * [numOutput, channels / group, kernelH, kernelW], output [num, numOutput, outH, outW] with
 * outH = floor((height + 2 padH - (dilationH (kernelH - 1) + 1)) / strideH) + 1.
 */
export interface ConvGeom {
  num: number;
  channels: number;
  height: number;
  width: number;
  numOutput: number;
  group: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
}

/**
 * Geometry of 2-d pooling. Input [num, channels, height, width], output [num, channels, outH, outW]
 * with Caffe's rule: outH = ceil((height + 2 padH - kernelH) / strideH) + 1, minus one when the
 * layer pads and the last window would start inside the bottom padding. A window that misses the
 * image (stride > kernel, no padding) gives 0 (max: mask -1) and passes no gradient.
 */
export interface PoolGeom {
  num: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

export type PoolMethod = 'max' | 'mean';

/**
 * Caffe's LRN over [num, channels, height, width]: scale = k + alpha / n^d W(x²), where W sums the
 * n = localSize (odd) channels centred on each element (d = 1), or, `within`, the n × n window
 * centred on it in its plane (d = 2); both zero padded.
 */
export interface LRNGeom {
  num: number;
  channels: number;
  height: number;
  width: number;
  localSize: number;
  alpha: number;
  beta: number;
  k: number;
  within: boolean;
}

/**
 * How a loss sum is divided: 'valid' by the number of labels not ignored, 'batch' by `outer`,
 * 'full' by outer × inner, 'none' not at all (Caffe's LossParameter.NormalizationMode).
 */
export type LossNormalization = 'valid' | 'batch' | 'full' | 'none';

/**
 * Layout of a classifier score blob seen as [outer, classes, inner]: for [N, C, H, W] scores,
 * outer = N, classes = C, inner = H × W. Labels are [outer, inner] class indices stored as floats.
 */
export interface ClassGeom {
  outer: number;
  classes: number;
  inner: number;
}

/** How HingeLoss reads its labels: one class index per item, or one ±1 per score. */
export type HingeLabels = 'index' | 'sign';
/** HingeLoss sums the margins ('L1') or their squares ('L2'). */
export type HingeNorm = 'L1' | 'L2';

/** See Backend.replayer. */
export interface Replayer {
  run(fn: () => void): void;
  /** Runs that launched the graph, captured a new one, or ran call by call. */
  readonly stats: { readonly replayed: number; readonly captured: number; readonly eager: number };
  destroy(): void;
}

export interface Backend {
  /** 'js', 'native', 'wasm', 'cuda'. */
  readonly name: string;
  readonly dtype: DType;
  /**
   * The precision convolutions and matrix products compute in (absent: float32, or float64 with
   * a float64 dtype); buffers and every other kernel keep `dtype`. When it is 'float16', whose
   * range ends at 65504, the solver scales the loss dynamically by default (SolverConfig.lossScale).
   */
  readonly precision?: 'float32' | 'float16' | 'bfloat16';

  // ---- memory ----
  /** A zero-filled buffer of n elements. */
  alloc(n: number): Buf;
  /** Releases a buffer; using it afterwards is undefined. CPU backends may do nothing. */
  free(buf: Buf): void;
  /** A buffer aliasing elements [offset, offset + n) of `buf`. */
  view(buf: Buf, offset: number, n: number): Buf;
  /** Copies host values into `dst` starting at element `dstOffset`. */
  upload(dst: Buf, src: ArrayLike<number>, dstOffset?: number): void;
  /** Copies `n` elements (default: all) of `src` to the host, into `out` when given. */
  download(src: Buf, out?: HostArray, n?: number): HostArray;
  /**
   * A buffer holding `values`, for data that stays on the backend for a whole run (a data set).
   * A CPU backend whose dtype matches may alias `values` instead of copying: do not change them
   * afterwards.
   */
  fromHost(values: ArrayLike<number>): Buf;
  /**
   * Waits until all queued work is done, and throws the error a kernel left since the last read
   * (a bad label or index on CUDA and WebGPU; a no-op on CPU backends, which throw at once).
   */
  synchronize(): void;
  /**
   * Optional (CUDA): a runner for a stretch of work run many times over with the same shapes, a
   * training iteration say. `run(fn)` has the effect of `fn()`; it may record the device work and
   * launch it as one graph, with each run's own kernel arguments and uploaded data.
   */
  replayer?(what?: string): Replayer;

  // ---- BLAS level 1 ----
  /** y[i] = alpha */
  set(n: number, alpha: number, y: Buf): void;
  /** y[i] = x[i] */
  copy(n: number, x: Buf, y: Buf): void;
  /** x[i] *= alpha */
  scal(n: number, alpha: number, x: Buf): void;
  /** y[i] += alpha x[i] */
  axpy(n: number, alpha: number, x: Buf, y: Buf): void;
  /** y[i] = alpha x[i] + beta y[i]; beta = 0 overwrites y without reading it. */
  axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void;
  /** sum x[i] y[i] (waits for the device) */
  dot(n: number, x: Buf, y: Buf): number;
  /** sum |x[i]| (waits for the device) */
  asum(n: number, x: Buf): number;
  /**
   * out[0] = alpha sum x[i] y[i] + beta out[0], beta = 0 overwriting out[0] even if it holds NaN:
   * `dot` without the wait, for losses that leave their value on the device.
   */
  dotInto(n: number, x: Buf, y: Buf, alpha: number, beta: number, out: Buf): void;

  // ---- BLAS level 2 and 3 (row-major) ----
  /**
   * C = alpha op(A) op(B) + beta C, with op(A) M×K, op(B) K×N, C M×N. A is stored M×K (K×M when
   * transA), B is stored K×N (N×K when transB). beta = 0 overwrites C even if it holds NaN.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void;
  /**
   * `batch` independent gemms, C_i = alpha op(A_i) op(B_i) + beta C_i, of matrices stored one after
   * another: A_i from i·M·K, B_i from i·K·N, C_i from i·M·N (attention's product per head). One
   * call where a loop of gemms on views would cross to the kernels `batch` times.
   */
  gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void;
  /** y = alpha op(A) x + beta y, A stored M×N; op(A) is A (y has M) or Aᵀ when transA (y has N); beta = 0 overwrites y. */
  gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void;

  // ---- elementwise (y may alias an input) ----
  /** y = a + b */
  add(n: number, a: Buf, b: Buf, y: Buf): void;
  /** y = a - b */
  sub(n: number, a: Buf, b: Buf, y: Buf): void;
  /** y = a * b */
  mul(n: number, a: Buf, b: Buf, y: Buf): void;
  /** y = a / b */
  div(n: number, a: Buf, b: Buf, y: Buf): void;
  /** y = a ^ p */
  powx(n: number, a: Buf, p: number, y: Buf): void;
  /** y = exp(a) */
  exp(n: number, a: Buf, y: Buf): void;
  /** y = log(a) */
  log(n: number, a: Buf, y: Buf): void;
  /** y = |a| */
  abs(n: number, a: Buf, y: Buf): void;
  /** y = sign(a) in {-1, 0, 1} */
  sign(n: number, a: Buf, y: Buf): void;
  /** y = a + alpha */
  addScalar(n: number, alpha: number, y: Buf): void;
  /** y = x < lo ? lo : x > hi ? hi : x (lo <= hi; ±Infinity bounds one side only; NaN stays NaN). */
  clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void;
  /**
   * y = lo <= x <= hi ? a : b, and NaN where x is NaN: a masked select of two buffers (gradients
   * of clamps and kinks; x in [-Infinity, 0] picks the x <= 0 side of ReLU-like units).
   */
  where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void;

  // ---- fused kernels ----
  /**
   * Row gather: dst[r, j] = scale · src[index[r], j] for r < rows, j < rowSize. `index` holds row
   * numbers as floats (exact below 2^24). Data layers batch samples kept on the backend with it.
   */
  gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void;
  /**
   * Row scatter-add, the transpose of `gather`: dst[index[r], j] += scale · src[r, j] for r < rows,
   * j < rowSize (accumulates; repeated indices add up). Embed's weight gradient.
   */
  scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void;
  /**
   * Workspace elements that the convolution kernels need for this geometry. A workspace belongs to
   * one layer: the three calls below may leave in it what they derive from their inputs.
   */
  convWorkspaceSize(g: ConvGeom): number;
  /**
   * y = conv(x, w) (no bias).
   *
   * `unchanged` (on all three calls, default false) is the caller's promise that every input buffer
   * of this call that an earlier call on the same workspace also read still holds what it held
   * then: true for a layer's backward calls, whose inputs are the bottoms and weights its forward
   * read and the top's diff, which nothing writes between them. A backend may then take what it
   * derived from those reads from the workspace instead of deriving it again (the CUDA backend's
   * 16-bit copies under mixed precision); any backend may ignore it.
   */
  convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, workspace: Buf, unchanged?: boolean): void;
  /** dx = conv_transpose(dy, w) (overwrites dx). `unchanged`: as for convForward. */
  convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, workspace: Buf, unchanged?: boolean): void;
  /** dw += correlation of x and dy (accumulates). `unchanged`: as for convForward. */
  convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, workspace: Buf, unchanged?: boolean): void;
  /** y[o, c, i] += bias[c] for y seen as [outer, channels, inner]. */
  biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void;
  /** dbias[c] += sum over o, i of dy[o, c, i] (accumulates). */
  biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void;

  /** Pooling; `mask` (same size as y) records the argmax index within each input plane for 'max' (unused for 'mean'). */
  poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void;
  /** dx = pooling backward (overwrites dx). Mean pooling divides by the window clipped to the padded input, as Caffe. */
  poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void;
  /** scale = k + alpha / n^d W(x²), y = x scale^(-beta); `work` (as long as x) is scratch a backend may use. */
  lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, work: Buf): void;
  /** dx = dy scale^(-beta) - 2 alpha beta / n^d · x W(dy y / scale) (overwrites dx, which must not alias an input), from forward's x, scale and y. */
  lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, work: Buf): void;

  /** y = f(x), `alpha` is the negative slope of 'lrelu'. */
  neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void;
  /** dx = f'(x) dy computed from y = f(x), or from x for NEURON_FROM_X, passed as `y` (dx may alias dy). */
  neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void;

  /**
   * Layer normalization of x seen as [rows, D], row by row: rstd[r] = 1 / sqrt(σ²_r + eps) (the
   * biased variance about the row's mean μ_r), xhat = (x - μ_r) rstd[r], and y = scale[d] xhat +
   * bias[d], or y = xhat when scale and bias are null. xhat and rstd are kept for backward.
   */
  layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void;
  /**
   * The input gradient of layerNormForward, from its xhat and rstd: with g = scale[d] dy (dy when
   * scale is null), dx = (g - mean_r(g) - xhat mean_r(g xhat)) rstd[r]. dx may alias dy.
   */
  layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void;

  /** y = softmax of x over the class axis. */
  softmaxForward(g: ClassGeom, x: Buf, y: Buf): void;
  /** dx = y * (dy - sum_c(dy * y)) over the class axis. */
  softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void;
  /**
   * y = log softmax(x) = x - m - log(sum_c exp(x - m)) over the class axis, m its max: finite
   * wherever x is, where log(softmaxForward(x)) would give -inf for scores far below the largest.
   */
  logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void;
  /** dx = dy - exp(y) * sum_c(dy) over the class axis, y being logSoftmaxForward's output; dx may alias dy. */
  logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void;
  /**
   * loss[0] = sum over labelled positions of -w[label] log(max(prob[label], FLT_MIN)) (a NaN prob stays NaN),
   * divided as `normalization` says (positions, not weights, are counted); positions whose label
   * equals `ignoreLabel` (when not null) are skipped. `weights` holds one weight per class; without
   * it every w is 1. The loss weight is applied by the net, not here (as Caffe's top blob holds the
   * plain loss). This is also MultinomialLogisticLoss's forward, on probabilities.
   */
  softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf, weights?: Buf | null): void;
  /** dx = lossWeight * w[label] * (prob - onehot(label)) / normalizer, zero at ignored positions. */
  softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights?: Buf | null): void;
  /**
   * The gradient of softmaxLossForward's loss with respect to the probabilities (MultinomialLogisticLoss):
   * dx = -lossWeight * w[label] / (max(prob[label], FLT_MIN) * normalizer) at each labelled position's
   * label, zero elsewhere (overwrites dx).
   */
  nllBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights?: Buf | null): void;
  /**
   * The hinge loss of scores x seen as [outer, classes, 1]: m = max(0, 1 + δ x) (a NaN score gives
   * NaN), δ = -1 at the labelled class and +1 elsewhere ('index': one label per item), or δ = -label
   * ('sign': one ±1 per score); loss[0] = Σ m (L1) or Σ m² (L2), divided by outer.
   */
  hingeLossForward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, loss: Buf): void;
  /** dx = lossWeight δ [m > 0] / outer (L1) or 2 lossWeight δ m / outer (L2) (overwrites dx). */
  hingeLossBackward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, lossWeight: number, dx: Buf): void;
  /** out[0] = fraction of k < n with (pred[k] > threshold) equal to (label[k] > threshold); 0 when n is 0. */
  binaryAccuracy(n: number, pred: Buf, label: Buf, threshold: number, out: Buf): void;
  /**
   * out[0] = fraction of labelled positions whose label is among the topK highest scores (ties
   * counted against the label, as Caffe, and so is a NaN score), skipping `ignoreLabel`.
   */
  accuracyForward(g: ClassGeom, x: Buf, label: Buf, topK: number, ignoreLabel: number | null, out: Buf): void;
  /**
   * For each (o, i) of x seen as [outer, classes, inner]: the topK largest x[o, c, i] in decreasing
   * order, ties to the lower c (topK <= classes); indices[o, k, i] = c as a float, values[o, k, i] =
   * x[o, c, i]. ArgMax's forward.
   */
  topK(g: ClassGeom, topK: number, x: Buf, indices: Buf, values: Buf): void;
  /**
   * Strided block copy: dst[r dstStride + j] = src[r srcStride + j] for r < rows, j < cols, or +=
   * when `accumulate`. src and dst must not overlap; srcStride may be 0 (every row copies the same
   * source row: Tile). Concat, Slice, Tile and Crop move rows with it.
   */
  copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void;

  /**
   * y[i] = uniform in [0, 1) from (key, i) alone, the same bits on every backend (key a 32-bit
   * unsigned integer; the counter-based generator is specified in js/random.ts).
   */
  randomUniform(n: number, key: number, y: Buf): void;
  /** y[i] = standard normal from (key, i) alone (Box-Muller on two of the generator's uniforms). */
  randomNormal(n: number, key: number, y: Buf): void;

  /** Inverted dropout: y = rand >= ratio ? x * scale : 0, rand uniform in [0, 1). */
  dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void;
  /** dx = rand >= ratio ? dy * scale : 0. */
  dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void;

  /**
   * One SGD step with momentum and weight decay, fused (Caffe's formulation):
   *   g = diff + decay * reg(w)   where reg is w (L2) or sign(w) (L1)
   *   hist = momentum * hist + lr * g
   *   w -= hist
   * `diff` is left unchanged.
   */
  sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void;
}
