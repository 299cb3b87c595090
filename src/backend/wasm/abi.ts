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

  set(n: number, alpha: number, y: number): void;
  copy(n: number, x: number, y: number): void;
  scal(n: number, alpha: number, x: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  axpby(n: number, alpha: number, x: number, beta: number, y: number): void;
  dot(n: number, x: number, y: number): number;
  asum(n: number, x: number): number;
  binary(op: number, n: number, a: number, b: number, y: number): void;
  unary(op: number, n: number, a: number, p: number, y: number): void;
  gemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    A: number, B: number, beta: number, C: number): void;
  gemv(transA: number, M: number, N: number, alpha: number, A: number, x: number, beta: number, y: number): void;

  conv_forward(geom: number, x: number, w: number, y: number): void;
  conv_backward_data(geom: number, dy: number, w: number, dx: number): void;
  conv_backward_filter(geom: number, x: number, dy: number, dw: number): void;
  bias_forward(outer: number, channels: number, inner: number, bias: number, y: number): void;
  bias_backward(outer: number, channels: number, inner: number, dy: number, dbias: number): void;
  pool_forward(geom: number, method: number, x: number, y: number, mask: number): void;
  pool_backward(geom: number, method: number, dy: number, mask: number, dx: number): void;

  neuron_forward(op: number, n: number, x: number, y: number, alpha: number): void;
  neuron_backward(op: number, n: number, y: number, dy: number, dx: number, alpha: number): void;
  softmax_forward(outer: number, classes: number, inner: number, x: number, y: number): void;
  softmax_backward(outer: number, classes: number, inner: number, y: number, dy: number, dx: number): void;
  /** -1, or the position of the first label that is no class (nothing written then). */
  softmax_loss_forward(outer: number, classes: number, inner: number, prob: number, label: number,
    hasIgnore: number, ignoreLabel: number, norm: number, loss: number): number;
  softmax_loss_backward(outer: number, classes: number, inner: number, prob: number, label: number,
    hasIgnore: number, ignoreLabel: number, norm: number, lossWeight: number, dx: number): number;
  dropout_forward(n: number, x: number, rand: number, ratio: number, scale: number, y: number): void;
  sgd_update(n: number, w: number, diff: number, hist: number, lr: number, momentum: number, decay: number,
    l1: number): void;
}

/** An instance of cortado.wasm over a memory of `bytes` (rounded up to 64 KiB pages), made once. */
export function instantiate(module: WebAssembly.Module, bytes: number): { kernels: WasmKernels; memory: WebAssembly.Memory } {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { kernels: instance.exports as unknown as WasmKernels, memory };
}
