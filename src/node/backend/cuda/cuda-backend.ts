/**
 * CudaBackend: the Backend on an NVIDIA GPU, float32 only. Node-only (make one with `loadCuda()`).
 *
 * Buffers are device allocations (`CudaBuf`: a length and a device address); a view is pointer
 * arithmetic. Host copies happen only in `upload` and `download`. Every call is queued on the
 * device's default stream and returns at once; only `download`, `synchronize`, `dot` and `asum`
 * wait. Losses and accuracy are written to device buffers, so an iteration never waits. Bad input
 * that the CPU backends refuse at once (a label that is not a class index, a gather or scatter-add
 * index that is not a row) cannot stop a kernel: the kernel makes the loss (and its position's
 * gradient) NaN, zeroes or skips the row, and leaves a code in the device's error flag, which the
 * next `download` or `synchronize` reads and reports as a DataError naming the method. Random numbers are drawn on
 * the device by the counter-based generator of js/random.ts: a key gives the same uniform bits as
 * on the CPU.
 *
 * GEMM and GEMV run on cuBLAS (row-major through the usual operand swap), convolution on cuDNN when
 * present and otherwise on our im2col kernels + cuBLAS (conv.ts), everything else on our kernels
 * (native/cuda/kernels). A kernel that is missing is an error, never a copy to the CPU.
 *
 * Mixed precision (`precision` 'float16' or 'bfloat16'): convolutions and GEMMs take their
 * operands rounded to the 16-bit format and sum in float32, on tensor cores where the card has
 * them, as PyTorch's autocast runs them. Everything else, and every buffer, stays float32: the
 * operands are rounded into scratch memory at each call (precision.cu), and the results come back
 * as float32. Weights, their gradients and the update rule's state are float32 (the "master
 * weights"); binary16's narrow range needs loss scaling (SolverConfig.lossScale), bfloat16's not.
 */
import type {
  Backend, Buf, ClassGeom, ConvGeom, DType, HingeLabels, HingeNorm, HostArray, LossNormalization, LRNGeom, NeuronOp,
  PoolGeom, PoolMethod,
} from '../../../backend/backend.js';
import { lrnBackwardComposed, lrnForwardComposed } from '../../../backend/lrn-composed.js';
import { BackendError, DataError } from '../../../core/errors.js';
import { DEVICE_ERROR_LAYER_HINT, deviceErrorMessage, NEURON_OP, NORMALIZATION, belowOrAt, softmaxByRows } from '../../../backend/kernel-abi.js';
import type { CudaAddon, InitResult } from './addon.js';
import { CudaBuf, cudaBuf, halfBytes } from './buffer.js';
import { CudaConv } from './conv.js';
import type { Kernels } from './kernels.js';
import { type CallRecorder, ReplayedRun } from './replay.js';

/** A CUDA graph made by CudaBackend.captureGraph. */
export interface CudaGraph {
  /** Queues the captured work again (no wait). */
  replay(): void;
  /** Frees the graph; replay then throws. */
  destroy(): void;
}

/** What every CudaBackend of a process shares: the addon, the device and the loaded kernels. */
export interface CudaRuntime {
  /** The addon as the backend calls it: through `recorder`, which replayed runs record with. */
  addon: CudaAddon;
  recorder: CallRecorder;
  kernels: Kernels;
  device: Extract<InitResult, { ok: true }>;
  /** Whether convolution runs on cuDNN. */
  cudnn: boolean;
  /** Whether the device was started deterministic (CudaOptions.deterministic). */
  deterministic: boolean;
  /** Prints a notice once per distinct message (cuDNN fallbacks). */
  notice(message: string): void;
}

const THREADS = 256;
/** Largest element count a kernel indexes with 32-bit ints and a grid-stride loop. */
const MAX_ELEMENTS = 2 ** 31 - 2 ** 26;
/** Most channels an LRN thread takes in turn (kernels/normalization.cu, lrnChunk). */
const LRN_CHUNK = 16;
/**
 * Most blocks of dotInto's first pass (dot_partial_f32 in losses.cu), one partial sum each; the
 * kernel's index arithmetic relies on it being at most 1024.
 */
const DOT_BLOCKS = 1024;

/** What convolutions and GEMMs compute in: float32, or 16-bit operands with float32 sums. */
export type CudaPrecision = 'float32' | 'float16' | 'bfloat16';
export const CUDA_PRECISIONS: readonly CudaPrecision[] = ['float32', 'float16', 'bfloat16'];
/** The format codes of the addon and precision.cu: 0 float32, 1 binary16, 2 bfloat16. */
const FORMAT: Record<CudaPrecision, number> = { float32: 0, float16: 1, bfloat16: 2 };

export interface CudaBackendOptions {
  /** What convolutions and GEMMs compute in (default 'float32'); see the file's comment. */
  precision?: CudaPrecision;
}

export class CudaBackend implements Backend {
  readonly name = 'cuda';
  readonly dtype: DType = 'float32';
  readonly precision: CudaPrecision;
  /** FORMAT[precision]: 0 when convolutions and GEMMs run in float32. */
  readonly format: number;
  /** Scratch memory for the 16-bit operands of gemmAt (mixed precision), grown on demand. */
  private halfScratch: CudaBuf | null = null;
  private readonly addon: CudaAddon;
  private readonly k: Kernels;
  private readonly maxBlocks: number;
  private readonly conv: CudaConv;
  /**
   * One float of device memory for the valid-label count of the softmax loss backward; also the
   * (unread) weights pointer of a loss without class weights.
   */
  private readonly count: CudaBuf;
  /** DOT_BLOCKS floats of device memory for the per-block partial sums of dotInto. */
  private readonly partials: CudaBuf;
  /**
   * The error flag the kernels that read labels and row indices set (a DEVICE_ERROR code, then the
   * failing position as int bits), and its host copy.
   */
  private readonly errorFlag: CudaBuf;
  private readonly errorHost = new Float32Array(2);
  private readonly errorAt = new Int32Array(this.errorHost.buffer, 4, 1);
  /** While captureGraph records: what is being captured, for the error a refused call throws. */
  private capturing: string | null = null;
  private readonly bits = new Float32Array(1);
  private readonly bitsU32 = new Uint32Array(this.bits.buffer);

  constructor(readonly runtime: CudaRuntime, dtype: DType = 'float32', options: CudaBackendOptions = {}) {
    if (dtype !== 'float32') {
      throw new BackendError(`CUDA backend: dtype ${dtype} is not supported, the CUDA backend computes in float32 only (use the js backend for float64, e.g. for gradient checks)`);
    }
    const precision = options.precision ?? 'float32';
    if (!CUDA_PRECISIONS.includes(precision)) {
      throw new BackendError(`CUDA backend: precision "${String(precision)}" is not one of ${CUDA_PRECISIONS.join(', ')}`);
    }
    this.precision = precision;
    this.format = FORMAT[precision];
    this.addon = runtime.addon;
    this.k = runtime.kernels;
    this.maxBlocks = Math.max(1, runtime.device.multiprocessors * 16);
    this.count = this.alloc(1) as CudaBuf;
    this.partials = this.alloc(DOT_BLOCKS) as CudaBuf;
    this.errorFlag = this.alloc(2) as CudaBuf;
    this.conv = new CudaConv(runtime, this);
  }

  /** Launches a grid-stride kernel over n elements (nothing when n is 0). */
  run(name: string, n: number, args: readonly (number | CudaBuf)[]): void {
    if (n <= 0) return;
    if (n > MAX_ELEMENTS) throw new BackendError(`CUDA backend, ${name}: ${n} elements exceed the ${MAX_ELEMENTS} a kernel handles`);
    this.k.launch(name, Math.min(Math.ceil(n / THREADS), this.maxBlocks), THREADS, args);
  }

  /** Launches a kernel that takes a block of THREADS threads per row, every gridDim.x-th row. */
  private runRows(name: string, rows: number, elements: number, args: readonly (number | CudaBuf)[]): void {
    if (rows <= 0) return;
    if (elements > MAX_ELEMENTS) throw new BackendError(`CUDA backend, ${name}: ${elements} elements exceed the ${MAX_ELEMENTS} a kernel handles`);
    this.k.launch(name, Math.min(rows, this.maxBlocks), THREADS, args);
  }

  /**
   * Launches a kernel over (pixels of a plane, columns) (CORTADO_PIXEL_LOOP and CORTADO_PLANE_LOOP:
   * pooling's planes, LRN's images times channel chunks): blocks of at most THREADS threads, in
   * whole warps, across a plane's pixels, and as many rows of them, each taking every gridDim.y-th
   * column, as keep about maxBlocks full blocks' threads in flight (rows at most 65535, CUDA's
   * limit). `elements`, all the kernel touches, must stay within MAX_ELEMENTS (int indices).
   */
  private runPlanes(name: string, pixels: number, columns: number, args: readonly (number | CudaBuf)[], elements = pixels * columns): void {
    if (pixels <= 0 || columns <= 0) return;
    if (elements > MAX_ELEMENTS) throw new BackendError(`CUDA backend, ${name}: ${elements} elements exceed the ${MAX_ELEMENTS} a kernel handles`);
    const threads = Math.min(THREADS, Math.ceil(pixels / 32) * 32);
    const gx = Math.min(Math.ceil(pixels / threads), this.maxBlocks);
    const gy = Math.min(columns, 65535, Math.max(1, Math.floor((this.maxBlocks * THREADS) / (gx * threads))));
    this.k.launch(name, [gx, gy], threads, args);
  }

  /**
   * C = alpha op(A) op(B) + beta C on device addresses, row-major, A and B dense (M K and K N
   * elements). With mixed precision, A and B are rounded into 16-bit scratch first and the product
   * is summed in float32 into C; except when K is 1: an outer product has no sum to speed up, and
   * is how layers and constraints broadcast a vector, which should keep its float32 values.
   */
  gemmAt(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: number, B: number, beta: number, C: number): void {
    // Row-major C (M×N) is column-major Cᵀ (N×M) = op(B)ᵀ op(A)ᵀ: swap the operands.
    if (this.format === 0 || K === 1) {
      this.addon.sgemm(transB ? 1 : 0, transA ? 1 : 0, N, M, K, alpha, B, transB ? K : N, A, transA ? M : K, beta, C, N);
      return;
    }
    const bAt = halfBytes(M * K);
    const s = this.scratch16((bAt + halfBytes(K * N)) / 4);
    const a16 = this.toHalf(M * K, new CudaBuf(M * K, A, null), s.ptr);
    const b16 = this.toHalf(K * N, new CudaBuf(K * N, B, null), s.ptr + bAt);
    this.addon.gemmEx(transB ? 1 : 0, transA ? 1 : 0, N, M, K, alpha, b16, transB ? K : N, a16, transA ? M : K, beta, C, N, this.format);
  }

  /**
   * Rounds n float32 elements of x to the backend's 16-bit format at device address `at` (a region
   * of scratch memory) and returns `at`.
   */
  toHalf(n: number, x: CudaBuf, at: number): number {
    this.run('to_half_f32', n, [n, this.format, x, new CudaBuf(Math.ceil(n / 2), at, null)]);
    return at;
  }

  /** y = the n 16-bit elements at device address `at`, as float32, + beta y (beta 0 overwrites). */
  fromHalf(n: number, at: number, beta: number, y: CudaBuf): void {
    this.run('from_half_f32', n, [n, this.format, beta, new CudaBuf(Math.ceil(n / 2), at, null), y]);
  }

  /**
   * At least `floats` × 4 bytes of the backend's own scratch memory for 16-bit operands (grown, never
   * shrunk, outside graph captures: the first run of a net sizes it).
   */
  private scratch16(floats: number): CudaBuf {
    const have = this.halfScratch;
    if (have && have.length >= floats) return have;
    this.refuseInCapture('growing the scratch memory of mixed-precision GEMM');
    if (have) this.free(have);
    this.halfScratch = this.alloc(Math.ceil(floats * 1.25)) as CudaBuf;
    return this.halfScratch;
  }

  // ---- CUDA graphs ----

  /**
   * Captures the device work that `fn` queues into a CUDA graph, without running it, and returns the
   * graph: `replay()` queues the same kernels, copies and cuBLAS/cuDNN calls again, with the same
   * arguments and buffers, as one launch, in order with the backend's other work. For a stretch of
   * calls that repeats with new data in the same buffers (a net's forward pass after its input is
   * fed, forward and backward of an Input-fed net), it saves the cost of launching each kernel.
   *
   * `fn` must only queue device work: uploads and downloads, synchronize, dot and asum (whose
   * results come back to the host), alloc and free, and a new cuDNN convolution plan are refused
   * (a BackendError naming the call), and the capture is discarded. Run `fn` once before capturing it, so that the buffers,
   * convolution plans and workspaces it makes on first use exist; and keep every buffer it touches
   * alive for as long as the graph is replayed. Numbers passed as kernel arguments (a learning
   * rate, a random key) are captured as they are: a replay uses the captured values (for work
   * whose numbers change from run to run, such as a training iteration, use `replayer`).
   */
  captureGraph(fn: () => void, what = 'a function'): CudaGraph {
    if (this.capturing !== null) throw new BackendError(`CUDA backend, captureGraph: already capturing ${this.capturing}`);
    this.addon.captureBegin();
    this.capturing = what;
    try {
      fn();
    } catch (e) {
      this.capturing = null;
      this.addon.captureEnd(false);
      throw e;
    }
    this.capturing = null;
    const graph = this.addon.captureEnd(true)!;
    const addon = this.addon;
    let live = true;
    return {
      replay: () => {
        if (!live) throw new BackendError(`CUDA backend: the graph of ${what} was destroyed`);
        if (this.capturing !== null) throw new BackendError(`CUDA backend: cannot replay the graph of ${what} while capturing ${this.capturing}`);
        addon.graphLaunch(graph);
      },
      destroy: () => {
        if (live) addon.graphDestroy(graph);
        live = false;
      },
    };
  }

  /**
   * A stretch of work run many times over, such as a training iteration, replayed as one CUDA graph
   * that takes each run's own kernel arguments and uploads (replay.ts): `run(fn)` has the effect of
   * `fn()`. The first run that queues only device work is captured; later runs that make the same
   * calls with the same shapes launch the graph, after giving the kernels whose numbers changed (a
   * learning rate, a random key, a batch position) their new ones and the graph its new upload
   * data. A call that needs the device's results at once (a download, a synchronize) ends a
   * segment of the run, launched as a graph of its own (or call by call when it is a few calls),
   * and each distinct sequence of calls gets its own graph, captured the first time it is made.
   * `stats` counts the runs of each kind.
   * Keep every buffer the work touches alive while the run is used, and `destroy()` it after.
   */
  replayer(what = 'a replayed run'): ReplayedRun {
    return new ReplayedRun(this.runtime.recorder, what, (m) => this.runtime.notice(m), () => this.capturing);
  }

  /** Refuses a call that cannot be part of a CUDA graph while captureGraph records (also used by CudaConv). */
  refuseInCapture(call: string): void {
    if (this.capturing === null) return;
    throw new BackendError(`CUDA backend: ${call} while capturing ${this.capturing} into a CUDA graph: a captured function may only queue device work (no upload, download, synchronize, dot, asum, alloc, free or new convolution plan); run it once before capturing it, so that what it makes on first use exists`);
  }

  // ---- memory ----

  alloc(n: number): Buf {
    this.refuseInCapture('alloc');
    if (!Number.isInteger(n) || n < 0) throw new BackendError(`CUDA backend, alloc: expected a whole number of elements, found ${n}`);
    if (n > MAX_ELEMENTS) throw new BackendError(`CUDA backend, alloc: ${n} elements exceed the largest buffer (${MAX_ELEMENTS})`);
    return new CudaBuf(n, this.addon.malloc(n * 4), null);
  }

  free(buf: Buf): void {
    this.refuseInCapture('free');
    const b = cudaBuf(buf, 0, 'free');
    if (b.root) return;
    b.freed = true;
    this.conv.forget(b.ptr, b.length);
    this.addon.free(b.ptr);
  }

  view(buf: Buf, offset: number, n: number): Buf {
    const b = cudaBuf(buf, 0, 'view');
    if (!Number.isInteger(offset) || !Number.isInteger(n) || offset < 0 || n < 0 || offset + n > b.length) {
      throw new BackendError(`CUDA backend, view: elements [${offset}, ${offset + n}) are not inside a buffer of ${b.length}`);
    }
    return new CudaBuf(n, b.ptr + offset * 4, b.root ?? b);
  }

  upload(dst: Buf, src: ArrayLike<number>, dstOffset = 0): void {
    this.refuseInCapture('upload');
    const d = cudaBuf(dst, dstOffset + src.length, 'upload');
    if (src.length === 0) return;
    const f32 = src instanceof Float32Array ? src : Float32Array.from(src);
    this.addon.upload(d.ptr + dstOffset * 4, f32);
  }

  fromHost(values: ArrayLike<number>): Buf {
    const b = this.alloc(values.length);
    this.upload(b, values);
    return b;
  }

  download(src: Buf, out?: HostArray, n?: number): HostArray {
    this.refuseInCapture('download');
    const count = n ?? src.length;
    const s = cudaBuf(src, count, 'download');
    if (out && out.length < count) throw new BackendError(`CUDA backend, download: the output holds ${out.length} elements, ${count} are copied`);
    if (out instanceof Float64Array) {
      const tmp = new Float32Array(count);
      this.addon.download(s.ptr, tmp);
      out.set(tmp);
      this.checkErrorFlag('download');
      return out;
    }
    const target = out ?? new Float32Array(count);
    this.addon.download(s.ptr, target.length === count ? target : target.subarray(0, count));
    this.checkErrorFlag('download');
    return target;
  }

  synchronize(): void {
    this.refuseInCapture('synchronize');
    this.addon.synchronize();
    this.checkErrorFlag('synchronize');
  }

  /**
   * Throws a DataError when a kernel queued since the last check left a code in the error flag
   * (and clears it), so that bad labels and indices surface at the next read instead of as NaN.
   */
  private checkErrorFlag(what: string): void {
    this.addon.download(this.errorFlag.ptr, this.errorHost);
    const code = this.errorHost[0];
    if (code === 0) return;
    this.set(1, 0, this.errorFlag);
    throw new DataError(`CUDA backend: ${deviceErrorMessage(code, this.errorAt[0]!)} (found by ${what}, the first read since)${DEVICE_ERROR_LAYER_HINT}`);
  }

  // ---- BLAS level 1 ----

  set(n: number, alpha: number, y: Buf): void {
    const b = cudaBuf(y, n, 'set');
    this.bits[0] = alpha;
    this.addon.memset32(b.ptr, this.bitsU32[0], n);
  }

  copy(n: number, x: Buf, y: Buf): void {
    const a = cudaBuf(x, n, 'copy x');
    const b = cudaBuf(y, n, 'copy y');
    if (n === 0 || a.ptr === b.ptr) return;
    const bytes = n * 4;
    if (a.ptr < b.ptr + bytes && b.ptr < a.ptr + bytes) {
      // Overlapping ranges: memcpy would be undefined, go through a temporary.
      const tmp = this.alloc(n) as CudaBuf;
      this.addon.copy(tmp.ptr, a.ptr, bytes);
      this.addon.copy(b.ptr, tmp.ptr, bytes);
      this.free(tmp);
      return;
    }
    this.addon.copy(b.ptr, a.ptr, bytes);
  }

  scal(n: number, alpha: number, x: Buf): void {
    this.run('scal_f32', n, [n, alpha, cudaBuf(x, n, 'scal')]);
  }

  axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    this.run('axpy_f32', n, [n, alpha, cudaBuf(x, n, 'axpy x'), cudaBuf(y, n, 'axpy y')]);
  }

  axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    this.run('axpby_f32', n, [n, alpha, cudaBuf(x, n, 'axpby x'), beta, cudaBuf(y, n, 'axpby y')]);
  }

  dot(n: number, x: Buf, y: Buf): number {
    this.refuseInCapture('dot');
    const a = cudaBuf(x, n, 'dot x');
    const b = cudaBuf(y, n, 'dot y');
    return n === 0 ? 0 : this.addon.sdot(n, a.ptr, b.ptr);
  }

  /**
   * Two kernels, no wait: per-block partial sums into `partials` (up to DOT_BLOCKS blocks, fixed
   * for a given n, so the result has the same bits on every run), then one block sums them into out.
   */
  dotInto(n: number, x: Buf, y: Buf, alpha: number, beta: number, out: Buf): void {
    if (!Number.isInteger(n) || n < 0) throw new BackendError(`CUDA backend, dotInto: expected a whole number of elements, found ${n}`);
    if (n > MAX_ELEMENTS) throw new BackendError(`CUDA backend, dotInto: ${n} elements exceed the ${MAX_ELEMENTS} a kernel handles`);
    const a = cudaBuf(x, n, 'dotInto x');
    const b = cudaBuf(y, n, 'dotInto y');
    const o = cudaBuf(out, 1, 'dotInto out');
    const parts = Math.min(Math.ceil(n / THREADS), DOT_BLOCKS);
    if (parts > 0) this.k.launch('dot_partial_f32', parts, THREADS, [n, a, b, this.partials]);
    // n = 0 still writes out: alpha 0 + beta out, or 0 when beta is 0.
    this.k.launch('dot_finish_f32', 1, THREADS, [parts, this.partials, alpha, beta, o]);
  }

  asum(n: number, x: Buf): number {
    this.refuseInCapture('asum');
    const a = cudaBuf(x, n, 'asum');
    return n === 0 ? 0 : this.addon.sasum(n, a.ptr);
  }

  // ---- BLAS level 2 and 3 ----

  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    const a = cudaBuf(A, M * K, 'gemm A');
    const b = cudaBuf(B, K * N, 'gemm B');
    const c = cudaBuf(C, M * N, 'gemm C');
    if (M === 0 || N === 0) return;
    if (K === 0) {
      if (beta === 0) this.set(M * N, 0, c);
      else this.scal(M * N, beta, c);
      return;
    }
    this.gemmAt(transA, transB, M, N, K, alpha, a.ptr, b.ptr, beta, c.ptr);
  }

  gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    const a = cudaBuf(A, batch * M * K, 'gemmBatched A');
    const b = cudaBuf(B, batch * K * N, 'gemmBatched B');
    const c = cudaBuf(C, batch * M * N, 'gemmBatched C');
    if (batch === 0 || M === 0 || N === 0) return;
    if (K === 0 || K === 1 || batch === 1) {
      // gemm's own cases (an empty sum, an outer product kept in float32), product by product
      for (let i = 0; i < batch; i++) {
        this.gemm(transA, transB, M, N, K, alpha, this.view(a, i * M * K, M * K), this.view(b, i * K * N, K * N), beta, this.view(c, i * M * N, M * N));
      }
      return;
    }
    // Row-major C_i is column-major C_iᵀ = op(B_i)ᵀ op(A_i)ᵀ, as in gemmAt.
    const [ldb, lda] = [transB ? K : N, transA ? M : K];
    if (this.format === 0) {
      this.addon.sgemmStridedBatched(transB ? 1 : 0, transA ? 1 : 0, N, M, K, alpha, b.ptr, ldb, a.ptr, lda, beta, c.ptr, N, K * N, M * K, M * N, batch);
      return;
    }
    // Mixed precision: every A_i and B_i rounded to 16 bits at once, then one batched call, as gemmAt does for one product.
    const bAt = halfBytes(batch * M * K);
    const s = this.scratch16((bAt + halfBytes(batch * K * N)) / 4);
    const a16 = this.toHalf(batch * M * K, a, s.ptr);
    const b16 = this.toHalf(batch * K * N, b, s.ptr + bAt);
    this.addon.gemmStridedBatchedEx(transB ? 1 : 0, transA ? 1 : 0, N, M, K, alpha, b16, ldb, a16, lda, beta, c.ptr, N, K * N, M * K, M * N,
      batch, this.format);
  }

  gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    const [inLen, outLen] = transA ? [M, N] : [N, M];
    const a = cudaBuf(A, M * N, 'gemv A');
    const xb = cudaBuf(x, inLen, 'gemv x');
    const yb = cudaBuf(y, outLen, 'gemv y');
    if (outLen === 0) return;
    if (inLen === 0) {
      if (beta === 0) this.set(outLen, 0, yb);
      else this.scal(outLen, beta, yb);
      return;
    }
    // Row-major A (M×N) is column-major Aᵀ (N×M, leading dimension N).
    this.addon.sgemv(transA ? 0 : 1, N, M, alpha, a.ptr, N, xb.ptr, beta, yb.ptr);
  }

  // ---- elementwise ----

  private binary(name: string, n: number, a: Buf, b: Buf, y: Buf): void {
    this.run(name, n, [n, cudaBuf(a, n, `${name} a`), cudaBuf(b, n, `${name} b`), cudaBuf(y, n, `${name} y`)]);
  }

  private unary(name: string, n: number, a: Buf, y: Buf): void {
    this.run(name, n, [n, cudaBuf(a, n, `${name} a`), cudaBuf(y, n, `${name} y`)]);
  }

  add(n: number, a: Buf, b: Buf, y: Buf): void { this.binary('add_f32', n, a, b, y); }
  sub(n: number, a: Buf, b: Buf, y: Buf): void { this.binary('sub_f32', n, a, b, y); }
  mul(n: number, a: Buf, b: Buf, y: Buf): void { this.binary('mul_f32', n, a, b, y); }
  div(n: number, a: Buf, b: Buf, y: Buf): void { this.binary('div_f32', n, a, b, y); }
  exp(n: number, a: Buf, y: Buf): void { this.unary('exp_f32', n, a, y); }
  log(n: number, a: Buf, y: Buf): void { this.unary('log_f32', n, a, y); }
  abs(n: number, a: Buf, y: Buf): void { this.unary('abs_f32', n, a, y); }
  sign(n: number, a: Buf, y: Buf): void { this.unary('sign_f32', n, a, y); }

  powx(n: number, a: Buf, p: number, y: Buf): void {
    this.run('powx_f32', n, [n, cudaBuf(a, n, 'powx a'), p, cudaBuf(y, n, 'powx y')]);
  }

  addScalar(n: number, alpha: number, y: Buf): void {
    this.run('add_scalar_f32', n, [n, alpha, cudaBuf(y, n, 'addScalar')]);
  }

  clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    this.run('clamp_f32', n, [n, lo, hi, cudaBuf(x, n, 'clamp x'), cudaBuf(y, n, 'clamp y')]);
  }

  where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    this.run('where_f32', n, [n, lo, hi, cudaBuf(x, n, 'where x'), cudaBuf(a, n, 'where a'), cudaBuf(b, n, 'where b'), cudaBuf(y, n, 'where y')]);
  }

  // ---- convolution and bias ----

  convWorkspaceSize(g: ConvGeom): number {
    return this.conv.workspaceSize(g);
  }

  convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, workspace: Buf, unchanged = false): void {
    this.conv.forward(g, x, w, y, workspace, unchanged);
  }

  convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, workspace: Buf, unchanged = false): void {
    this.conv.backwardData(g, dy, w, dx, workspace, unchanged);
  }

  convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, workspace: Buf, unchanged = false): void {
    this.conv.backwardFilter(g, x, dy, dw, workspace, unchanged);
  }

  biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    const n = outer * channels * inner;
    this.run('bias_fwd_f32', n, [outer, channels, inner, cudaBuf(bias, channels, 'biasForward bias'), cudaBuf(y, n, 'biasForward y')]);
  }

  biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    const m = outer * inner;
    const d = cudaBuf(dy, m * channels, 'biasBackward dy');
    const db = cudaBuf(dbias, channels, 'biasBackward dbias');
    if (m === 0 || channels === 0) return;
    // Several blocks per channel add up through atomicAdd, in no fixed order: one when deterministic.
    const splits = this.runtime.deterministic ? 1 : Math.min(64, Math.ceil(m / (THREADS * 16)));
    this.k.launch('bias_bwd_f32', [channels, splits], THREADS, [outer, channels, inner, d, db]);
  }

  // ---- pooling ----

  private poolArgs(g: PoolGeom, where: string): number[] {
    if (g.padH >= g.kernelH || g.padW >= g.kernelW) {
      throw new BackendError(`CUDA backend, ${where}: padding ${g.padH}×${g.padW} must be smaller than the kernel ${g.kernelH}×${g.kernelW}`);
    }
    return [g.num * g.channels, g.height, g.width, g.outH, g.outW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW];
  }

  poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    const nIn = g.num * g.channels * g.height * g.width;
    const nOut = g.num * g.channels * g.outH * g.outW;
    const xb = cudaBuf(x, nIn, 'poolForward x');
    const yb = cudaBuf(y, nOut, 'poolForward y');
    const planes = g.num * g.channels, pixels = g.outH * g.outW;
    if (method === 'max') this.runPlanes('max_pool_fwd_f32', pixels, planes, [...this.poolArgs(g, 'poolForward'), xb, yb, cudaBuf(mask, nOut, 'poolForward mask')], Math.max(nIn, nOut));
    else if (method === 'mean') this.runPlanes('mean_pool_fwd_f32', pixels, planes, [...this.poolArgs(g, 'poolForward'), xb, yb], Math.max(nIn, nOut));
    else throw new BackendError(`CUDA backend, poolForward: unknown method "${method as string}"`);
  }

  poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    const nIn = g.num * g.channels * g.height * g.width;
    const nOut = g.num * g.channels * g.outH * g.outW;
    const dyb = cudaBuf(dy, nOut, 'poolBackward dy');
    const dxb = cudaBuf(dx, nIn, 'poolBackward dx');
    const planes = g.num * g.channels, pixels = g.height * g.width;
    if (method === 'max') this.runPlanes('max_pool_bwd_f32', pixels, planes, [...this.poolArgs(g, 'poolBackward'), dyb, cudaBuf(mask, nOut, 'poolBackward mask'), dxb], Math.max(nIn, nOut));
    else if (method === 'mean') this.runPlanes('mean_pool_bwd_f32', pixels, planes, [...this.poolArgs(g, 'poolBackward'), dyb, dxb], Math.max(nIn, nOut));
    else throw new BackendError(`CUDA backend, poolBackward: unknown method "${method as string}"`);
  }

  /**
   * Channels an LRN thread takes in turn: up to LRN_CHUNK, fewer where the layer has too few
   * elements to keep about maxBlocks full blocks busy otherwise (1 at batch 1 on most layers).
   */
  private lrnChunk(elements: number): number {
    return Math.max(1, Math.min(LRN_CHUNK, Math.floor(elements / (this.maxBlocks * THREADS))));
  }

  // Across channels: one fused kernel each way (the composed form is 4 launches per image there).
  // Within a channel: composed of mean pooling and elementwise kernels.
  lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, work: Buf): void {
    if (g.within) return lrnForwardComposed(this, g, x, scale, y, work);
    const n = g.num * g.channels * g.height * g.width, hw = g.height * g.width;
    const chunk = this.lrnChunk(n);
    this.runPlanes('lrn_across_fwd_f32', hw, g.num * Math.ceil(g.channels / chunk), [g.num, g.channels, hw, (g.localSize - 1) / 2,
      g.alpha / g.localSize, g.beta, g.k, chunk, cudaBuf(x, n, 'lrnForward x'), cudaBuf(scale, n, 'lrnForward scale'), cudaBuf(y, n, 'lrnForward y')], n);
  }

  lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, work: Buf): void {
    if (g.within) return lrnBackwardComposed(this, g, x, y, scale, dy, dx, work);
    const n = g.num * g.channels * g.height * g.width, hw = g.height * g.width;
    const chunk = this.lrnChunk(n);
    this.runPlanes('lrn_across_bwd_f32', hw, g.num * Math.ceil(g.channels / chunk), [g.num, g.channels, hw, (g.localSize - 1) / 2,
      (2 * g.alpha * g.beta) / g.localSize, g.beta, chunk, cudaBuf(x, n, 'lrnBackward x'), cudaBuf(y, n, 'lrnBackward y'),
      cudaBuf(scale, n, 'lrnBackward scale'), cudaBuf(dy, n, 'lrnBackward dy'), cudaBuf(dx, n, 'lrnBackward dx')], n);
  }

  // ---- neurons, softmax, losses ----

  private neuronOp(op: NeuronOp, where: string): number {
    const code = (NEURON_OP as Record<string, number>)[op];
    if (code === undefined) throw new BackendError(`CUDA backend, ${where}: unknown neuron "${op as string}"`);
    return code;
  }

  neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    this.run('neuron_fwd_f32', n, [n, this.neuronOp(op, 'neuronForward'), cudaBuf(x, n, 'neuronForward x'), cudaBuf(y, n, 'neuronForward y'), alpha]);
  }

  neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    this.run('neuron_bwd_f32', n, [n, this.neuronOp(op, 'neuronBackward'), cudaBuf(y, n, 'neuronBackward y'),
      cudaBuf(dy, n, 'neuronBackward dy'), cudaBuf(dx, n, 'neuronBackward dx'), alpha]);
  }

  layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void {
    if (!scale !== !bias) throw new BackendError('CUDA backend, layerNormForward: scale and bias are given together or not at all');
    const n = rows * D;
    const bufs = [cudaBuf(x, n, 'layerNormForward x'), scale ? 1 : 0, scale ? cudaBuf(scale, D, 'layerNormForward scale') : this.count,
      bias ? cudaBuf(bias, D, 'layerNormForward bias') : this.count, cudaBuf(xhat, n, 'layerNormForward xhat'),
      cudaBuf(rstd, rows, 'layerNormForward rstd'), cudaBuf(y, n, 'layerNormForward y')];
    if (D > 0) this.runRows('layer_norm_fwd_f32', rows, n, [rows, D, eps, ...bufs]);
  }

  layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void {
    const n = rows * D;
    const bufs = [cudaBuf(xhat, n, 'layerNormBackward xhat'), cudaBuf(rstd, rows, 'layerNormBackward rstd'),
      cudaBuf(dy, n, 'layerNormBackward dy'), scale ? 1 : 0, scale ? cudaBuf(scale, D, 'layerNormBackward scale') : this.count,
      cudaBuf(dx, n, 'layerNormBackward dx')];
    if (D > 0) this.runRows('layer_norm_bwd_f32', rows, n, [rows, D, ...bufs]);
  }

  softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const [xb, yb] = [cudaBuf(x, n, 'softmaxForward x'), cudaBuf(y, n, 'softmaxForward y')];
    if (softmaxByRows(g)) this.runRows('softmax_rows_fwd_f32', g.outer, n, [g.outer, g.classes, xb, yb]);
    else this.run('softmax_fwd_f32', g.outer * g.inner, [g.outer, g.classes, g.inner, xb, yb]);
  }

  softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const bufs = [cudaBuf(y, n, 'softmaxBackward y'), cudaBuf(dy, n, 'softmaxBackward dy'), cudaBuf(dx, n, 'softmaxBackward dx')];
    if (softmaxByRows(g)) this.runRows('softmax_rows_bwd_f32', g.outer, n, [g.outer, g.classes, ...bufs]);
    else this.run('softmax_bwd_f32', g.outer * g.inner, [g.outer, g.classes, g.inner, ...bufs]);
  }

  logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const [xb, yb] = [cudaBuf(x, n, 'logSoftmaxForward x'), cudaBuf(y, n, 'logSoftmaxForward y')];
    if (softmaxByRows(g)) this.runRows('log_softmax_rows_fwd_f32', g.outer, n, [g.outer, g.classes, xb, yb]);
    else this.run('log_softmax_fwd_f32', g.outer * g.inner, [g.outer, g.classes, g.inner, xb, yb]);
  }

  logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const bufs = [cudaBuf(y, n, 'logSoftmaxBackward y'), cudaBuf(dy, n, 'logSoftmaxBackward dy'), cudaBuf(dx, n, 'logSoftmaxBackward dx')];
    if (softmaxByRows(g)) this.runRows('log_softmax_rows_bwd_f32', g.outer, n, [g.outer, g.classes, ...bufs]);
    else this.run('log_softmax_bwd_f32', g.outer * g.inner, [g.outer, g.classes, g.inner, ...bufs]);
  }

  private normalization(mode: LossNormalization): number {
    const code = (NORMALIZATION as Record<string, number>)[mode];
    if (code === undefined) throw new BackendError(`CUDA backend: unknown loss normalization "${mode as string}"`);
    return code;
  }

  /** [hasWeights, weights] kernel arguments: the class weights, checked to hold one per class. */
  private classWeights(g: ClassGeom, weights: Buf | null, where: string): [number, CudaBuf] {
    return weights === null ? [0, this.count] : [1, cudaBuf(weights, g.classes, `${where} weights`)];
  }

  softmaxLossForward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, loss: Buf, weights: Buf | null = null): void {
    const n = g.outer * g.classes * g.inner;
    this.k.launch('softmax_loss_fwd_f32', 1, THREADS, [g.outer, g.classes, g.inner, cudaBuf(prob, n, 'softmaxLossForward prob'),
      cudaBuf(label, g.outer * g.inner, 'softmaxLossForward label'), ignoreLabel === null ? 0 : 1, ignoreLabel ?? 0,
      this.normalization(normalization), ...this.classWeights(g, weights, 'softmaxLossForward'),
      cudaBuf(loss, 1, 'softmaxLossForward loss'), this.errorFlag]);
  }

  /** Launches class_loss_bwd_f32 (on the scores, or `onProbs` on the probabilities), counting the labels first when needed. */
  private classLossBackward(onProbs: boolean, where: string, g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null): void {
    const n = g.outer * g.classes * g.inner;
    const lb = cudaBuf(label, g.outer * g.inner, `${where} label`);
    const pb = cudaBuf(prob, n, `${where} prob`);
    const db = cudaBuf(dx, n, `${where} dx`);
    const w = this.classWeights(g, weights, where);
    const norm = this.normalization(normalization);
    const hasIgnore = ignoreLabel === null ? 0 : 1;
    if (normalization === 'valid') this.k.launch('label_count_f32', 1, THREADS, [g.outer * g.inner, lb, hasIgnore, ignoreLabel ?? 0, this.count]);
    this.run('class_loss_bwd_f32', n, [g.outer, g.classes, g.inner, pb, lb, hasIgnore, ignoreLabel ?? 0, norm, this.count, ...w, lossWeight,
      onProbs ? 1 : 0, db, this.errorFlag]);
  }

  softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    this.classLossBackward(false, 'softmaxLossBackward', g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
  }

  nllBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    this.classLossBackward(true, 'nllBackward', g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
  }

  /** [x, label, sign, l2] kernel arguments of the hinge loss (scores [outer, classes]), the buffers checked for their lengths. */
  private hingeArgs(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, where: string): [CudaBuf, CudaBuf, number, number] {
    if (labels !== 'index' && labels !== 'sign') throw new BackendError(`CUDA backend, ${where}: unknown labels "${labels as string}" (expected 'index' or 'sign')`);
    if (norm !== 'L1' && norm !== 'L2') throw new BackendError(`CUDA backend, ${where}: unknown norm "${norm as string}" (expected 'L1' or 'L2')`);
    const n = g.outer * g.classes;
    return [cudaBuf(x, n, `${where} x`), cudaBuf(label, labels === 'sign' ? n : g.outer, `${where} label`),
      labels === 'sign' ? 1 : 0, norm === 'L2' ? 1 : 0];
  }

  hingeLossForward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, loss: Buf): void {
    this.k.launch('hinge_loss_fwd_f32', 1, THREADS, [g.outer, g.classes, ...this.hingeArgs(g, x, label, labels, norm, 'hingeLossForward'),
      cudaBuf(loss, 1, 'hingeLossForward loss'), this.errorFlag]);
  }

  hingeLossBackward(g: ClassGeom, x: Buf, label: Buf, labels: HingeLabels, norm: HingeNorm, lossWeight: number, dx: Buf): void {
    const args = this.hingeArgs(g, x, label, labels, norm, 'hingeLossBackward');
    this.run('hinge_loss_bwd_f32', g.outer * g.classes, [g.outer, g.classes, ...args, lossWeight,
      cudaBuf(dx, g.outer * g.classes, 'hingeLossBackward dx'), this.errorFlag]);
  }

  binaryAccuracy(n: number, pred: Buf, label: Buf, threshold: number, out: Buf): void {
    if (n > MAX_ELEMENTS) throw new BackendError(`CUDA backend, binaryAccuracy: ${n} elements exceed the ${MAX_ELEMENTS} a kernel handles`);
    this.k.launch('binary_accuracy_f32', 1, THREADS, [n, cudaBuf(pred, n, 'binaryAccuracy pred'), cudaBuf(label, n, 'binaryAccuracy label'),
      belowOrAt(threshold), cudaBuf(out, 1, 'binaryAccuracy out')]);
  }

  accuracyForward(g: ClassGeom, x: Buf, label: Buf, topK: number, ignoreLabel: number | null, out: Buf): void {
    const n = g.outer * g.classes * g.inner;
    this.k.launch('accuracy_f32', 1, THREADS, [g.outer, g.classes, g.inner, cudaBuf(x, n, 'accuracyForward x'),
      cudaBuf(label, g.outer * g.inner, 'accuracyForward label'), topK, ignoreLabel === null ? 0 : 1, ignoreLabel ?? 0,
      cudaBuf(out, 1, 'accuracyForward out'), this.errorFlag]);
  }

  topK(g: ClassGeom, topK: number, x: Buf, indices: Buf, values: Buf): void {
    if (topK > g.classes) throw new BackendError(`CUDA backend, topK: top ${topK} of only ${g.classes} classes`);
    const n = g.outer * topK * g.inner;
    this.run('topk_f32', g.outer * g.inner, [g.outer, g.classes, g.inner, topK, cudaBuf(x, g.outer * g.classes * g.inner, 'topK x'),
      cudaBuf(indices, n, 'topK indices'), cudaBuf(values, n, 'topK values')]);
  }

  copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void {
    if (rows === 0 || cols === 0) return;
    this.run('copy2d_f32', rows * cols, [rows, cols, cudaBuf(src, (rows - 1) * srcStride + cols, 'copy2d src'), srcStride,
      cudaBuf(dst, (rows - 1) * dstStride + cols, 'copy2d dst'), dstStride, accumulate ? 1 : 0]);
  }

  // ---- random numbers, dropout and solver ----

  randomUniform(n: number, key: number, y: Buf): void {
    this.run('random_uniform_f32', n, [n, key | 0, cudaBuf(y, n, 'randomUniform y')]);
  }

  randomNormal(n: number, key: number, y: Buf): void {
    this.run('random_normal_f32', n, [n, key | 0, cudaBuf(y, n, 'randomNormal y')]);
  }

  gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const n = rows * rowSize;
    const s = cudaBuf(src, 0, 'gather src');
    this.run('gather_f32', n, [rows, rowSize, s, rowSize > 0 ? Math.floor(s.length / rowSize) : 0, cudaBuf(index, rows, 'gather index'), scale,
      cudaBuf(dst, n, 'gather dst'), this.errorFlag]);
  }

  scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    const n = rows * rowSize;
    const d = cudaBuf(dst, 0, 'scatterAdd dst');
    const args = [rows, rowSize, cudaBuf(src, n, 'scatterAdd src'), cudaBuf(index, rows, 'scatterAdd index'), scale, d,
      rowSize > 0 ? Math.floor(d.length / rowSize) : 0, this.errorFlag];
    // Deterministic: one thread per column adds the rows in order (repeated rows meet in a fixed order).
    if (this.runtime.deterministic) this.run('scatter_add_ordered_f32', n === 0 ? 0 : rowSize, args);
    else this.run('scatter_add_f32', n, args);
  }

  dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    this.run('dropout_f32', n, [n, cudaBuf(x, n, 'dropoutForward x'), cudaBuf(rand, n, 'dropoutForward rand'), ratio, scale, cudaBuf(y, n, 'dropoutForward y')]);
  }

  dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    this.run('dropout_f32', n, [n, cudaBuf(dy, n, 'dropoutBackward dy'), cudaBuf(rand, n, 'dropoutBackward rand'), ratio, scale, cudaBuf(dx, n, 'dropoutBackward dx')]);
  }

  sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    this.run('sgd_update_f32', n, [n, cudaBuf(w, n, 'sgdUpdate w'), cudaBuf(diff, n, 'sgdUpdate diff'), cudaBuf(hist, n, 'sgdUpdate hist'),
      lr, momentum, decay, regularization === 'L1' ? 1 : 0]);
  }
}
