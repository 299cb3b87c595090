/**
 * The WebGPU backend in a browser: `connectWebGpu(gpuWorker)` starts the executor in a dedicated
 * Web Worker running ./gpu-worker.ts (bundle it as its own script) and resolves to a WebGpuBackend
 * once the device is ready. Call it from a Web Worker (the backend blocks in Atomics.wait on
 * read-backs, which a page's main thread may not do) of a cross-origin isolated page (COOP
 * same-origin, COEP require-corp), where SharedArrayBuffer exists.
 */
import { BackendError } from '../../core/errors.js';
import type { GpuInfo, Port, ToExecutor } from './protocol.js';
import { CONTROL_INTS, SEQ } from './protocol.js';
import { makeControl, waitReply, WebGpuBackend } from './webgpu-backend.js';

export interface ConnectOptions {
  /** Initial arena size in MiB (default 64); it doubles on demand up to the device's limit. */
  memoryMiB?: number;
  /** Milliseconds to wait for the device (default 30,000). */
  timeoutMs?: number;
}

export async function connectWebGpu(gpuWorker: Port, opts: ConnectOptions = {}): Promise<WebGpuBackend> {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new BackendError('webgpu backend: SharedArrayBuffer is missing; serve the page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)');
  }
  const elements = Math.floor((opts.memoryMiB ?? 64) * 2 ** 20 / 4 / 64) * 64;
  const control = makeControl();
  const init: ToExecutor = { kind: 'init', control, elements, seq: 1 };
  gpuWorker.postMessage(init);
  const c = new Int32Array(control, 0, CONTROL_INTS);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  // Waits without blocking, so that this thread's event loop keeps running while the device starts.
  while (Atomics.load(c, SEQ) < 1) {
    if (Date.now() > deadline) throw new BackendError('webgpu backend start: the GPU worker did not answer');
    await new Promise((r) => setTimeout(r, 5));
  }
  const info = JSON.parse(waitReply(control, 1, 'start')) as GpuInfo;
  return new WebGpuBackend(gpuWorker, control, info, elements, 1);
}
