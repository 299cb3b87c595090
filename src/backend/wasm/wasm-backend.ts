/**
 * The WebAssembly SIMD backend: the TypeScript backend with its hot entries swapped for the C++
 * kernels of the native addon compiled for wasm32 + SIMD128 (wasm/cortado.wasm), or with relaxed
 * SIMD's fused multiply-add too where the engine runs it (wasm/cortado-relaxed.wasm; `simd` says
 * which; see module.ts).
 * Browser-safe: it needs only a compiled module (module.ts; Node: src/node/wasm.ts).
 *
 * Threads: `{ threads: n }` (n > 1) runs wasm/cortado-threads.wasm on a shared memory with n - 1
 * workers (threads.ts), which take parts of gemm, convolution, pooling and the long elementwise
 * loops, as the native addon's pool does. Default one thread. It needs SharedArrayBuffer (in a
 * browser: a cross-origin isolated page or worker) and a way to start workers (Node: worker_threads
 * via src/node/wasm.ts; browsers: Web Workers on ./worker.js); where either is missing the backend
 * runs one thread and `threadsNote` says why (a console warning too). Workers start
 * asynchronously and join when they can (`await backend.ready()` waits for them); `dispose()`
 * ends them (they also end when the backend is garbage collected, and never keep Node alive).
 *
 * Memory: each backend has a WebAssembly.Memory of its own, sized once at construction
 * (`memoryMiB`, default 256; pages are only backed by the OS once touched) and never grown,
 * because growing detaches every Float32Array on it. `alloc` returns Float32Arrays on that memory,
 * so JsBackend's code and the wasm kernels work on the same floats with no copy; when it is full,
 * alloc throws a BackendError asking for a larger memoryMiB. `free` returns the block to the heap.
 * Buffers not on this memory (fromHost's aliases of large data sets, views of them, another
 * backend's arrays) are left to the TypeScript kernels, so every call still gives the right answer.
 *
 * Lengths and geometries are checked here before a kernel runs (checks.ts), with the addon's
 * messages. float32 only, the kernels' type: a float64 wasm backend (wasmBackend('float64'), which
 * createBackend('wasm', 'float64') calls) is a JsBackend under the name 'wasm', chosen once when
 * the backend is made.
 */
import type {
  Backend, Buf, ClassGeom, ConvGeom, DType, LossNormalization, LRNGeom, NeuronOp, PoolGeom, PoolMethod,
} from '../backend.js';
import { BackendError } from '../../core/errors.js';
import { JsBackend } from '../js/js-backend.js';
import { BINARY_OP, CONV_FIELDS, lrnFields, NEURON_OP, NORMALIZATION, POOL_FIELDS, POOL_METHOD, UNARY_OP } from '../kernel-abi.js';
import { instantiate, type WasmKernels, type WasmThreadExports } from './abi.js';
import { wasmModule, wasmThreadsModule, type WasmSimd } from './module.js';
import { threadsUnavailable, WasmThreads, wasmWorkerSpawner } from './threads.js';
import { convGeom, convW, convX, convY, count, lrnCount, lrnGeom, poolGeom, poolX, poolY } from './checks.js';

export interface WasmBackendOptions {
  /** Size of the backend's wasm memory in MiB (2 to 4095, default 256): all its float32 buffers live there. */
  memoryMiB?: number;
  /**
   * Threads that run the kernels, the caller included (1 to 256, default 1). Above 1 the backend
   * needs SharedArrayBuffer and workers, and runs one thread where they are missing (see threadsNote).
   */
  threads?: number;
}

/** Ends a collected backend's workers. */
const orphans = new FinalizationRegistry<WasmThreads>((pool) => pool.close());
let warned = false;

/** A buffer argument: the buffer, its name in messages, the elements the kernel reads or writes. */
type Arg = [Buf, string, number];

/** The TypeScript backend under the name 'wasm': the wasm backend in float64, where the kernels have no code. */
class WasmFloat64Backend extends JsBackend {
  override readonly name: string = 'wasm';
}

/**
 * The wasm backend in `dtype`: a WasmBackend in float32, a JsBackend named 'wasm' in float64
 * (`options` apply to float32 only; they are checked in both).
 */
export function wasmBackend(dtype: DType = 'float32', options: WasmBackendOptions = {}): Backend {
  if (dtype === 'float32') return new WasmBackend('float32', options);
  checkOptions(options);
  return new WasmFloat64Backend(dtype);
}

/** Throws a BackendError when memoryMiB or threads is out of range. */
function checkOptions(options: WasmBackendOptions): void {
  const memoryMiB = options.memoryMiB ?? 256;
  if (!(Number.isInteger(memoryMiB) && memoryMiB >= 2 && memoryMiB <= 4095)) {
    throw new BackendError(`wasm backend: memoryMiB must be an integer from 2 to 4095 (the module's stack and data take 2 MiB), got ${options.memoryMiB}`);
  }
  const threads = options.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new BackendError(`wasm backend: threads must be an integer from 1 to 256, got ${options.threads}`);
  }
}

export class WasmBackend extends JsBackend {
  override readonly name: string = 'wasm';
  private readonly k: WasmKernels;
  private readonly memory: WebAssembly.Memory;
  private readonly heap: ArrayBuffer;
  /** Block start of each buffer made by alloc, for free. */
  private readonly owned = new WeakMap<Buf, number>();
  /** Room for one geometry in the wasm memory. */
  private readonly geomPtr: number;
  readonly memoryMiB: number;
  /** Threads the kernels run on (1 unless `threads` was asked for and can run here). */
  readonly threads: number = 1;
  /** Why fewer threads than asked for run, or null. */
  readonly threadsNote: string | null = null;
  /** The instruction sets of the build this backend runs (relaxed-simd: fma is f32x4.relaxed_madd). */
  readonly simd: WasmSimd;
  private readonly workers: WasmThreads | null = null;

  /**
   * Throws BackendError when cortado.wasm is not loaded (see module.ts), the options are out of
   * range, the memory cannot be made, or dtype is not float32 (wasmBackend(dtype) makes a wasm
   * backend in any dtype).
   */
  constructor(dtype: 'float32' = 'float32', options: WasmBackendOptions = {}) {
    if (dtype !== 'float32') {
      throw new BackendError(`WasmBackend computes in float32, not ${String(dtype)}; wasmBackend('${String(dtype)}') or createBackend('wasm', '${String(dtype)}') gives the TypeScript kernels under the name 'wasm'`);
    }
    checkOptions(options);
    super(dtype);
    this.memoryMiB = options.memoryMiB ?? 256;
    const threads = options.threads ?? 1;
    const module = wasmModule();
    if (!module) {
      throw new BackendError('wasm backend unavailable: cortado.wasm is not loaded (await loadWasmModule() in a browser; createBackend(\'wasm\') in Node)');
    }
    const why = threads > 1 ? threadsUnavailable() : null;
    if (why) {
      this.threadsNote = `wasm backend: running 1 thread instead of ${threads}: ${why}`;
      if (!warned) console.warn(this.threadsNote);
      warned = true;
    }
    const shared = threads > 1 && !why;
    let made: ReturnType<typeof instantiate>;
    try {
      made = instantiate(shared ? wasmThreadsModule()! : module, this.memoryMiB * 2 ** 20, shared);
    } catch (e) {
      throw new BackendError(`wasm backend: cannot make a ${this.memoryMiB} MiB ${shared ? 'shared ' : ''}instance: ${(e as Error).message}`);
    }
    this.k = made.kernels;
    this.simd = this.k.relaxed_simd() ? 'relaxed-simd' : 'simd128';
    this.memory = made.memory;
    this.heap = made.memory.buffer as ArrayBuffer;
    this.geomPtr = this.k.malloc(4 * CONV_FIELDS.length);
    if (shared) {
      this.workers = new WasmThreads(this.k as WasmKernels & WasmThreadExports, this.memory, threads, wasmWorkerSpawner()!);
      this.threads = threads;
      orphans.register(this, this.workers, this.workers);
    }
  }

  /** Resolves once every worker of a threaded backend runs (at once for one thread); rejects if one fails to start. */
  async ready(): Promise<void> {
    await this.workers?.ready();
  }

  /** Workers running so far, and the kernel tasks they (not the calling thread) have run: zeros for one thread. */
  threadStats(): { started: number; workerTasks: number } {
    return { started: this.workers?.started() ?? 0, workerTasks: this.workers?.workerTasks() ?? 0 };
  }

  /** Ends the workers of a threaded backend: its kernels run on the calling thread from then on. Buffers stay valid. */
  dispose(): void {
    if (!this.workers) return;
    orphans.unregister(this.workers);
    this.workers.close();
  }

  // ---- memory ----
  override alloc(n: number): Buf {
    if (!Number.isInteger(n) || n < 0) throw new BackendError(`wasm backend alloc: expected a count >= 0, got ${n}`);
    const ptr = n * 4 < 2 ** 31 ? this.k.malloc(Math.max(4 * n, 4)) : 0;
    if (ptr === 0) {
      throw new BackendError(`wasm backend alloc: ${n} floats do not fit in what is left of its ${this.memoryMiB} MiB `
        + 'memory; make the backend with a larger memoryMiB (createBackend(\'wasm\', dtype, { memoryMiB }))');
    }
    const b = new Float32Array(this.heap, ptr, n).fill(0);
    this.owned.set(b, ptr);
    return b;
  }

  override free(buf: Buf): void {
    const ptr = this.owned.get(buf);
    if (ptr === undefined) return;
    this.owned.delete(buf);
    this.k.free(ptr);
  }

  /**
   * Byte offsets of the buffers in the wasm memory, or null when the kernels cannot take them
   * (a buffer not on this memory): the caller then runs JsBackend's code.
   * Throws a BackendError naming the first buffer shorter than the kernel needs.
   */
  private ptrs(op: string, ...args: Arg[]): number[] | null {
    const out: number[] = [];
    for (const [b, name, need] of args) {
      if (!(b instanceof Float32Array) || b.buffer !== this.heap) return null;
      if (b.length < need) throw new BackendError(`wasm backend ${op}: argument ${name} has ${b.length} elements, needs at least ${need}`);
      out.push(b.byteOffset);
    }
    return out;
  }

  private n(op: string, n: number, ...bufs: [Buf, string][]): number[] | null {
    count(op, 'n', n);
    return this.ptrs(op, ...bufs.map(([b, name]): Arg => [b, name, n]));
  }

  private conv(g: ConvGeom): number {
    const v = new Int32Array(this.heap, this.geomPtr, CONV_FIELDS.length);
    for (let i = 0; i < CONV_FIELDS.length; i++) v[i] = g[CONV_FIELDS[i]];
    return this.geomPtr;
  }

  private pool(g: PoolGeom): number {
    const v = new Int32Array(this.heap, this.geomPtr, POOL_FIELDS.length);
    for (let i = 0; i < POOL_FIELDS.length; i++) v[i] = g[POOL_FIELDS[i]];
    return this.geomPtr;
  }

  private lrn(g: LRNGeom): number {
    lrnFields(g, new Int32Array(this.heap, this.geomPtr, 6));
    return this.geomPtr;
  }

  // ---- BLAS level 1 ----
  override set(n: number, alpha: number, y: Buf): void {
    const p = this.n('set', n, [y, 'y']);
    if (p) this.k.set(n, alpha, p[0]); else super.set(n, alpha, y);
  }

  override copy(n: number, x: Buf, y: Buf): void {
    const p = this.n('copy', n, [x, 'x'], [y, 'y']);
    if (p) this.k.copy(n, p[0], p[1]); else super.copy(n, x, y);
  }

  override scal(n: number, alpha: number, x: Buf): void {
    const p = this.n('scal', n, [x, 'x']);
    if (p) this.k.scal(n, alpha, p[0]); else super.scal(n, alpha, x);
  }

  override axpy(n: number, alpha: number, x: Buf, y: Buf): void {
    const p = this.n('axpy', n, [x, 'x'], [y, 'y']);
    if (p) this.k.axpy(n, alpha, p[0], p[1]); else super.axpy(n, alpha, x, y);
  }

  override axpby(n: number, alpha: number, x: Buf, beta: number, y: Buf): void {
    const p = this.n('axpby', n, [x, 'x'], [y, 'y']);
    if (p) this.k.axpby(n, alpha, p[0], beta, p[1]); else super.axpby(n, alpha, x, beta, y);
  }

  override dot(n: number, x: Buf, y: Buf): number {
    const p = this.n('dot', n, [x, 'x'], [y, 'y']);
    return p ? this.k.dot(n, p[0], p[1]) : super.dot(n, x, y);
  }

  override asum(n: number, x: Buf): number {
    const p = this.n('asum', n, [x, 'x']);
    return p ? this.k.asum(n, p[0]) : super.asum(n, x);
  }

  // ---- BLAS level 2 and 3 ----
  override gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    count('gemm', 'M', M); count('gemm', 'N', N); count('gemm', 'K', K);
    const p = this.ptrs('gemm', [A, 'A', M * K], [B, 'B', K * N], [C, 'C', M * N]);
    if (p) this.k.gemm(+transA, +transB, M, N, K, alpha, p[0], p[1], beta, p[2]);
    else super.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
  }

  override gemmBatched(batch: number, transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Buf, B: Buf, beta: number, C: Buf): void {
    count('gemmBatched', 'batch', batch); count('gemmBatched', 'M', M); count('gemmBatched', 'N', N); count('gemmBatched', 'K', K);
    const p = this.ptrs('gemmBatched', [A, 'A', batch * M * K], [B, 'B', batch * K * N], [C, 'C', batch * M * N]);
    if (p) this.k.gemm_batched(batch, +transA, +transB, M, N, K, alpha, p[0], p[1], beta, p[2]);
    else super.gemmBatched(batch, transA, transB, M, N, K, alpha, A, B, beta, C);
  }

  override gemv(transA: boolean, M: number, N: number, alpha: number, A: Buf, x: Buf, beta: number, y: Buf): void {
    count('gemv', 'M', M); count('gemv', 'N', N);
    const p = this.ptrs('gemv', [A, 'A', M * N], [x, 'x', transA ? M : N], [y, 'y', transA ? N : M]);
    if (p) this.k.gemv(+transA, M, N, alpha, p[0], p[1], beta, p[2]);
    else super.gemv(transA, M, N, alpha, A, x, beta, y);
  }

  // ---- elementwise ----
  private binary(op: keyof typeof BINARY_OP, n: number, a: Buf, b: Buf, y: Buf): boolean {
    const p = this.n(op, n, [a, 'a'], [b, 'b'], [y, 'y']);
    if (p) this.k.binary(BINARY_OP[op], n, p[0], p[1], p[2]);
    return p !== null;
  }

  private unary(op: keyof typeof UNARY_OP, n: number, a: Buf, q: number, y: Buf): boolean {
    const p = this.n(op, n, [a, 'a'], [y, 'y']);
    if (p) this.k.unary(UNARY_OP[op], n, p[0], q, p[1]);
    return p !== null;
  }

  override add(n: number, a: Buf, b: Buf, y: Buf): void { if (!this.binary('add', n, a, b, y)) super.add(n, a, b, y); }
  override sub(n: number, a: Buf, b: Buf, y: Buf): void { if (!this.binary('sub', n, a, b, y)) super.sub(n, a, b, y); }
  override mul(n: number, a: Buf, b: Buf, y: Buf): void { if (!this.binary('mul', n, a, b, y)) super.mul(n, a, b, y); }
  override div(n: number, a: Buf, b: Buf, y: Buf): void { if (!this.binary('div', n, a, b, y)) super.div(n, a, b, y); }
  override powx(n: number, a: Buf, p: number, y: Buf): void { if (!this.unary('powx', n, a, p, y)) super.powx(n, a, p, y); }
  override exp(n: number, a: Buf, y: Buf): void { if (!this.unary('exp', n, a, 0, y)) super.exp(n, a, y); }
  override log(n: number, a: Buf, y: Buf): void { if (!this.unary('log', n, a, 0, y)) super.log(n, a, y); }
  override abs(n: number, a: Buf, y: Buf): void { if (!this.unary('abs', n, a, 0, y)) super.abs(n, a, y); }
  override sign(n: number, a: Buf, y: Buf): void { if (!this.unary('sign', n, a, 0, y)) super.sign(n, a, y); }
  override addScalar(n: number, alpha: number, y: Buf): void {
    if (!this.unary('addScalar', n, y, alpha, y)) super.addScalar(n, alpha, y);
  }

  override clamp(n: number, lo: number, hi: number, x: Buf, y: Buf): void {
    const p = this.n('clamp', n, [x, 'x'], [y, 'y']);
    if (p) this.k.clamp(n, lo, hi, p[0], p[1]); else super.clamp(n, lo, hi, x, y);
  }

  override where(n: number, lo: number, hi: number, x: Buf, a: Buf, b: Buf, y: Buf): void {
    const p = this.n('where', n, [x, 'x'], [a, 'a'], [b, 'b'], [y, 'y']);
    if (p) this.k.where(n, lo, hi, p[0], p[1], p[2], p[3]); else super.where(n, lo, hi, x, a, b, y);
  }

  // ---- fused kernels ----
  // A bad index writes nothing in the kernel; the TypeScript loop then reports it in its words.
  override gather(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    count('gather', 'rows', rows); count('gather', 'rowSize', rowSize);
    const srcRows = Math.floor(src.length / Math.max(1, rowSize));
    const p = this.ptrs('gather', [src, 'src', srcRows * rowSize], [index, 'index', rows], [dst, 'dst', rows * rowSize]);
    if (!p || this.k.gather(rows, rowSize, srcRows, p[0], p[1], scale, p[2]) >= 0) super.gather(rows, rowSize, src, index, scale, dst);
  }

  override scatterAdd(rows: number, rowSize: number, src: Buf, index: Buf, scale: number, dst: Buf): void {
    count('scatterAdd', 'rows', rows); count('scatterAdd', 'rowSize', rowSize);
    const dstRows = Math.floor(dst.length / Math.max(1, rowSize));
    const p = this.ptrs('scatterAdd', [src, 'src', rows * rowSize], [index, 'index', rows], [dst, 'dst', dstRows * rowSize]);
    if (!p || this.k.scatter_add(rows, rowSize, dstRows, p[0], p[1], scale, p[2]) >= 0) super.scatterAdd(rows, rowSize, src, index, scale, dst);
  }

  override copy2d(rows: number, cols: number, src: Buf, srcStride: number, dst: Buf, dstStride: number, accumulate: boolean): void {
    count('copy2d', 'rows', rows); count('copy2d', 'cols', cols); count('copy2d', 'srcStride', srcStride); count('copy2d', 'dstStride', dstStride);
    const span = (stride: number) => (rows === 0 || cols === 0 ? 0 : (rows - 1) * stride + cols);
    const p = this.ptrs('copy2d', [src, 'src', span(srcStride)], [dst, 'dst', span(dstStride)]);
    if (p) this.k.copy2d(rows, cols, srcStride, dstStride, +accumulate, p[0], p[1]);
    else super.copy2d(rows, cols, src, srcStride, dst, dstStride, accumulate);
  }

  override convWorkspaceSize(_g: ConvGeom): number {
    return 0;
  }

  override convForward(g: ConvGeom, x: Buf, w: Buf, y: Buf, workspace: Buf): void {
    convGeom('convForward', g);
    const p = this.ptrs('convForward', [x, 'x', convX(g)], [w, 'w', convW(g)], [y, 'y', convY(g)]);
    if (p) this.k.conv_forward(this.conv(g), p[0], p[1], p[2]); else super.convForward(g, x, w, y, workspace);
  }

  override convBackwardData(g: ConvGeom, dy: Buf, w: Buf, dx: Buf, workspace: Buf): void {
    convGeom('convBackwardData', g);
    const p = this.ptrs('convBackwardData', [dy, 'dy', convY(g)], [w, 'w', convW(g)], [dx, 'dx', convX(g)]);
    if (p) this.k.conv_backward_data(this.conv(g), p[0], p[1], p[2]); else super.convBackwardData(g, dy, w, dx, workspace);
  }

  override convBackwardFilter(g: ConvGeom, x: Buf, dy: Buf, dw: Buf, workspace: Buf): void {
    convGeom('convBackwardFilter', g);
    const p = this.ptrs('convBackwardFilter', [x, 'x', convX(g)], [dy, 'dy', convY(g)], [dw, 'dw', convW(g)]);
    if (p) this.k.conv_backward_filter(this.conv(g), p[0], p[1], p[2]); else super.convBackwardFilter(g, x, dy, dw, workspace);
  }

  override biasForward(outer: number, channels: number, inner: number, bias: Buf, y: Buf): void {
    for (const [k, v] of [['outer', outer], ['channels', channels], ['inner', inner]] as const) count('biasForward', k, v);
    const p = this.ptrs('biasForward', [bias, 'bias', channels], [y, 'y', outer * channels * inner]);
    if (p) this.k.bias_forward(outer, channels, inner, p[0], p[1]); else super.biasForward(outer, channels, inner, bias, y);
  }

  override biasBackward(outer: number, channels: number, inner: number, dy: Buf, dbias: Buf): void {
    for (const [k, v] of [['outer', outer], ['channels', channels], ['inner', inner]] as const) count('biasBackward', k, v);
    const p = this.ptrs('biasBackward', [dy, 'dy', outer * channels * inner], [dbias, 'dbias', channels]);
    if (p) this.k.bias_backward(outer, channels, inner, p[0], p[1]); else super.biasBackward(outer, channels, inner, dy, dbias);
  }

  override poolForward(g: PoolGeom, method: PoolMethod, x: Buf, y: Buf, mask: Buf): void {
    poolGeom('poolForward', g);
    const p = this.ptrs('poolForward', [x, 'x', poolX(g)], [y, 'y', poolY(g)], [mask, 'mask', method === 'max' ? poolY(g) : 0]);
    if (p) this.k.pool_forward(this.pool(g), POOL_METHOD[method], p[0], p[1], p[2]); else super.poolForward(g, method, x, y, mask);
  }

  override poolBackward(g: PoolGeom, method: PoolMethod, dy: Buf, mask: Buf, dx: Buf): void {
    poolGeom('poolBackward', g);
    const p = this.ptrs('poolBackward', [dy, 'dy', poolY(g)], [mask, 'mask', method === 'max' ? poolY(g) : 0], [dx, 'dx', poolX(g)]);
    if (p) this.k.pool_backward(this.pool(g), POOL_METHOD[method], p[0], p[1], p[2]); else super.poolBackward(g, method, dy, mask, dx);
  }

  override lrnForward(g: LRNGeom, x: Buf, scale: Buf, y: Buf, work: Buf): void {
    lrnGeom('lrnForward', g);
    const n = lrnCount(g);
    const p = this.ptrs('lrnForward', [x, 'x', n], [scale, 'scale', n], [y, 'y', n]);
    if (p) this.k.lrn_forward(this.lrn(g), g.alpha, g.beta, g.k, p[0], p[1], p[2]); else super.lrnForward(g, x, scale, y, work);
  }

  override lrnBackward(g: LRNGeom, x: Buf, y: Buf, scale: Buf, dy: Buf, dx: Buf, work: Buf): void {
    lrnGeom('lrnBackward', g);
    const n = lrnCount(g);
    const p = this.ptrs('lrnBackward', [x, 'x', n], [y, 'y', n], [scale, 'scale', n], [dy, 'dy', n], [dx, 'dx', n]);
    if (p) this.k.lrn_backward(this.lrn(g), g.alpha, g.beta, g.k, p[0], p[1], p[2], p[3], p[4]);
    else super.lrnBackward(g, x, y, scale, dy, dx, work);
  }

  override neuronForward(op: NeuronOp, n: number, x: Buf, y: Buf, alpha: number): void {
    const p = this.n('neuronForward', n, [x, 'x'], [y, 'y']);
    if (p) this.k.neuron_forward(NEURON_OP[op], n, p[0], p[1], alpha); else super.neuronForward(op, n, x, y, alpha);
  }

  override neuronBackward(op: NeuronOp, n: number, y: Buf, dy: Buf, dx: Buf, alpha: number): void {
    const p = this.n('neuronBackward', n, [y, 'y'], [dy, 'dy'], [dx, 'dx']);
    if (p) this.k.neuron_backward(NEURON_OP[op], n, p[0], p[1], p[2], alpha); else super.neuronBackward(op, n, y, dy, dx, alpha);
  }

  private classes(op: string, g: ClassGeom, ...args: Arg[]): number[] | null {
    count(op, 'outer', g.outer); count(op, 'classes', g.classes); count(op, 'inner', g.inner);
    return this.ptrs(op, ...args);
  }

  override layerNormForward(rows: number, D: number, eps: number, x: Buf, scale: Buf | null, bias: Buf | null,
    xhat: Buf, rstd: Buf, y: Buf): void {
    count('layerNormForward', 'rows', rows); count('layerNormForward', 'D', D);
    const n = rows * D;
    const p = !scale === !bias && this.ptrs('layerNormForward', [x, 'x', n], [xhat, 'xhat', n], [rstd, 'rstd', rows], [y, 'y', n]);
    const ps = scale && bias ? this.ptrs('layerNormForward', [scale, 'scale', D], [bias, 'bias', D]) : [0, 0];
    if (p && ps) this.k.layer_norm_forward(rows, D, eps, p[0], ps[0], ps[1], p[1], p[2], p[3]);
    else super.layerNormForward(rows, D, eps, x, scale, bias, xhat, rstd, y);
  }

  override layerNormBackward(rows: number, D: number, xhat: Buf, rstd: Buf, dy: Buf, scale: Buf | null, dx: Buf): void {
    count('layerNormBackward', 'rows', rows); count('layerNormBackward', 'D', D);
    const n = rows * D;
    const p = this.ptrs('layerNormBackward', [xhat, 'xhat', n], [rstd, 'rstd', rows], [dy, 'dy', n], [dx, 'dx', n]);
    const ps = scale ? this.ptrs('layerNormBackward', [scale, 'scale', D]) : [0];
    if (p && ps) this.k.layer_norm_backward(rows, D, p[0], p[1], p[2], ps[0], p[3]);
    else super.layerNormBackward(rows, D, xhat, rstd, dy, scale, dx);
  }

  override softmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const p = this.classes('softmaxForward', g, [x, 'x', n], [y, 'y', n]);
    if (p) this.k.softmax_forward(g.outer, g.classes, g.inner, p[0], p[1]); else super.softmaxForward(g, x, y);
  }

  override softmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const p = this.classes('softmaxBackward', g, [y, 'y', n], [dy, 'dy', n], [dx, 'dx', n]);
    if (p) this.k.softmax_backward(g.outer, g.classes, g.inner, p[0], p[1], p[2]); else super.softmaxBackward(g, y, dy, dx);
  }

  override logSoftmaxForward(g: ClassGeom, x: Buf, y: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const p = this.classes('logSoftmaxForward', g, [x, 'x', n], [y, 'y', n]);
    if (p) this.k.log_softmax_forward(g.outer, g.classes, g.inner, p[0], p[1]); else super.logSoftmaxForward(g, x, y);
  }

  override logSoftmaxBackward(g: ClassGeom, y: Buf, dy: Buf, dx: Buf): void {
    const n = g.outer * g.classes * g.inner;
    const p = this.classes('logSoftmaxBackward', g, [y, 'y', n], [dy, 'dy', n], [dx, 'dx', n]);
    if (p) this.k.log_softmax_backward(g.outer, g.classes, g.inner, p[0], p[1], p[2]); else super.logSoftmaxBackward(g, y, dy, dx);
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
    const p = this.classes('softmaxLossForward', g, [prob, 'prob', g.outer * g.classes * g.inner],
      [label, 'label', g.outer * g.inner], [loss, 'loss', 1]);
    if (!p || this.k.softmax_loss_forward(g.outer, g.classes, g.inner, p[0], p[1], +(ignoreLabel !== null),
      ignoreLabel ?? 0, NORMALIZATION[normalization], p[2]) >= 0) {
      super.softmaxLossForward(g, prob, label, ignoreLabel, normalization, loss);
    }
  }

  override softmaxLossBackward(g: ClassGeom, prob: Buf, label: Buf, ignoreLabel: number | null,
    normalization: LossNormalization, lossWeight: number, dx: Buf, weights: Buf | null = null): void {
    if (weights) {
      super.softmaxLossBackward(g, prob, label, ignoreLabel, normalization, lossWeight, dx, weights);
      return;
    }
    const n = g.outer * g.classes * g.inner;
    const p = this.classes('softmaxLossBackward', g, [prob, 'prob', n], [label, 'label', g.outer * g.inner], [dx, 'dx', n]);
    if (!p || this.k.softmax_loss_backward(g.outer, g.classes, g.inner, p[0], p[1], +(ignoreLabel !== null),
      ignoreLabel ?? 0, NORMALIZATION[normalization], lossWeight, p[2]) >= 0) {
      super.softmaxLossBackward(g, prob, label, ignoreLabel, normalization, lossWeight, dx);
    }
  }

  override randomUniform(n: number, key: number, y: Buf): void {
    const p = this.n('randomUniform', n, [y, 'y']);
    if (p) this.k.random_uniform(n, key | 0, p[0]); else super.randomUniform(n, key, y);
  }

  override dropoutForward(n: number, x: Buf, rand: Buf, ratio: number, scale: number, y: Buf): void {
    const p = this.n('dropoutForward', n, [x, 'x'], [rand, 'rand'], [y, 'y']);
    if (p) this.k.dropout_forward(n, p[0], p[1], ratio, scale, p[2]); else super.dropoutForward(n, x, rand, ratio, scale, y);
  }

  override dropoutBackward(n: number, dy: Buf, rand: Buf, ratio: number, scale: number, dx: Buf): void {
    const p = this.n('dropoutBackward', n, [dy, 'dy'], [rand, 'rand'], [dx, 'dx']);
    if (p) this.k.dropout_forward(n, p[0], p[1], ratio, scale, p[2]); else super.dropoutBackward(n, dy, rand, ratio, scale, dx);
  }

  override sgdUpdate(n: number, w: Buf, diff: Buf, hist: Buf, lr: number, momentum: number,
    decay: number, regularization: 'L2' | 'L1'): void {
    const p = this.n('sgdUpdate', n, [w, 'w'], [diff, 'diff'], [hist, 'hist']);
    if (p) this.k.sgd_update(n, p[0], p[1], p[2], lr, momentum, decay, +(regularization === 'L1'));
    else super.sgdUpdate(n, w, diff, hist, lr, momentum, decay, regularization);
  }
}
