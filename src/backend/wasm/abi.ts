/**
 * The exports of cortado.wasm (native/wasm/abi.cc): one function per kernel of native/kernels,
 * named as in native/kernels/kernels.h. Pointers are byte offsets into the instance's memory,
 * booleans are 0 or 1, enumerations are the integers of ../kernel-abi.ts. Nothing is checked on
 * the wasm side: WasmBackend checks lengths and geometries first. Browser-safe.
 */
export interface WasmKernels {
  /** 64-byte aligned; 0 when the memory is full (it never grows, see native/wasm/heap.cc). */
  malloc(bytes: number): number;
  free(ptr: number): void;
  /** 1 when the build uses relaxed SIMD (cortado-relaxed.wasm, cortado-threads-relaxed.wasm), 0 for SIMD128 alone. */
  relaxed_simd(): number;

  set(n: number, alpha: number, y: number): void;
  copy(n: number, x: number, y: number): void;
  scal(n: number, alpha: number, x: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  axpby(n: number, alpha: number, x: number, beta: number, y: number): void;
  dot(n: number, x: number, y: number): number;
  asum(n: number, x: number): number;
  binary(op: number, n: number, a: number, b: number, y: number): void;
  unary(op: number, n: number, a: number, p: number, y: number): void;
  clamp(n: number, lo: number, hi: number, x: number, y: number): void;
  where(n: number, lo: number, hi: number, x: number, a: number, b: number, y: number): void;
  gemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    A: number, B: number, beta: number, C: number): void;
  gemv(transA: number, M: number, N: number, alpha: number, A: number, x: number, beta: number, y: number): void;
  gemm_batched(batch: number, transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    A: number, B: number, beta: number, C: number): void;

  /** -1, or (nothing written) the position of the first index that is not a row of the source */
  gather(rows: number, rowSize: number, srcRows: number, src: number, index: number, scale: number, dst: number): number;
  /** -1, or (nothing written) the position of the first index that is not a row of the destination */
  scatter_add(rows: number, rowSize: number, dstRows: number, src: number, index: number, scale: number, dst: number): number;

  /** scale and bias: 0 when left out */
  layer_norm_forward(rows: number, D: number, eps: number, x: number, scale: number, bias: number, xhat: number, rstd: number, y: number): void;
  layer_norm_backward(rows: number, D: number, xhat: number, rstd: number, dy: number, scale: number, dx: number): void;

  copy2d(rows: number, cols: number, srcStride: number, dstStride: number, accumulate: number, src: number, dst: number): void;

  conv_forward(geom: number, x: number, w: number, y: number): void;
  conv_backward_data(geom: number, dy: number, w: number, dx: number): void;
  conv_backward_filter(geom: number, x: number, dy: number, dw: number): void;
  bias_forward(outer: number, channels: number, inner: number, bias: number, y: number): void;
  bias_backward(outer: number, channels: number, inner: number, dy: number, dbias: number): void;
  pool_forward(geom: number, method: number, x: number, y: number, mask: number): void;
  pool_backward(geom: number, method: number, dy: number, mask: number, dx: number): void;
  /** geom: LRN's 6 int32 fields (lrnFields of ../kernel-abi.ts). */
  lrn_forward(geom: number, alpha: number, beta: number, k: number, x: number, scale: number, y: number): void;
  lrn_backward(geom: number, alpha: number, beta: number, k: number, x: number, y: number, scale: number, dy: number,
    dx: number): void;

  neuron_forward(op: number, n: number, x: number, y: number, alpha: number): void;
  neuron_backward(op: number, n: number, y: number, dy: number, dx: number, alpha: number): void;
  softmax_forward(outer: number, classes: number, inner: number, x: number, y: number): void;
  softmax_backward(outer: number, classes: number, inner: number, y: number, dy: number, dx: number): void;
  log_softmax_forward(outer: number, classes: number, inner: number, x: number, y: number): void;
  log_softmax_backward(outer: number, classes: number, inner: number, y: number, dy: number, dx: number): void;
  /** -1, or the position of the first label that is no class (nothing written then). */
  softmax_loss_forward(outer: number, classes: number, inner: number, prob: number, label: number,
    hasIgnore: number, ignoreLabel: number, norm: number, loss: number): number;
  softmax_loss_backward(outer: number, classes: number, inner: number, prob: number, label: number,
    hasIgnore: number, ignoreLabel: number, norm: number, lossWeight: number, dx: number): number;
  /** key: the 32-bit unsigned key as an int32 (its bits). */
  random_uniform(n: number, key: number, y: number): void;
  dropout_forward(n: number, x: number, rand: number, ratio: number, scale: number, y: number): void;
  sgd_update(n: number, w: number, diff: number, hist: number, lr: number, momentum: number, decay: number,
    l1: number): void;
}

/**
 * The further exports of cortado-threads.wasm (native/wasm/threads.cc), whose instances share one
 * memory, one per thread: each needs its own stack (__stack_pointer, set before any call) and TLS
 * block (__wasm_init_tls, __tls_size bytes aligned to __tls_align).
 */
export interface WasmThreadExports {
  __stack_pointer: WebAssembly.Global;
  __tls_size: WebAssembly.Global;
  __tls_align: WebAssembly.Global;
  __wasm_init_tls(ptr: number): void;
  /** The pool size (caller + workers), set once before workers start; callerWaits 1 where the caller may block in Atomics.wait. */
  threads_init(threads: number, callerWaits: number): void;
  /** A worker's loop; returns after threads_quit. */
  thread_main(thread: number): void;
  threads_quit(): void;
  /** Workers that have entered thread_main. */
  threads_started(): number;
  /** Tasks that workers (not the caller) have run. */
  threads_worker_tasks(): number;
}

/**
 * A new instance of `module` over `memory`; for cortado-threads.wasm also its TLS block, taken
 * from the heap, and (a worker's instance) its stack, which grows down from `stackTop`.
 */
export function instantiateOn(module: WebAssembly.Module, memory: WebAssembly.Memory, stackTop?: number): WasmKernels & Partial<WasmThreadExports> {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmKernels & Partial<WasmThreadExports>;
  if (stackTop !== undefined) k.__stack_pointer!.value = stackTop;
  if (k.__wasm_init_tls) {
    const tls = k.malloc(Math.max(k.__tls_size!.value, 4));
    if (!tls || k.__tls_align!.value > 64) throw new Error('no room for a TLS block');
    k.__wasm_init_tls(tls);
  }
  return k;
}

/**
 * An instance of cortado.wasm (or, `shared`, cortado-threads.wasm) over a memory of `bytes`
 * (rounded up to 64 KiB pages), made once.
 */
export function instantiate(module: WebAssembly.Module, bytes: number, shared = false): { kernels: WasmKernels & Partial<WasmThreadExports>; memory: WebAssembly.Memory } {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  return { kernels: instantiateOn(module, memory), memory };
}
