/**
 * The workers of a threaded WasmBackend (`{ threads: n }`): n - 1 workers (worker_threads in
 * Node, Web Workers in a browser), each running an instance of cortado-threads.wasm on the
 * backend's shared WebAssembly.Memory, with a stack and TLS block of its own taken from the
 * backend's heap. The calling thread is thread 0: it runs kernels as before, and the pool of
 * native/wasm/threads.cc hands parts of the big ones (gemm, convolution, pooling, the long
 * elementwise loops) to whichever workers are awake. Tasks are claimed one at a time, so a worker
 * that has not started yet (a browser starts workers asynchronously) just takes none: results
 * never depend on it. The caller waits only for tasks a worker has already claimed: it spins, then
 * sleeps in Atomics.wait where its thread may block (Node, a worker); on a page's main thread,
 * where Atomics.wait throws, it only spins, so the page may call kernels too. Browser-safe.
 *
 * Threads need SharedArrayBuffer: in a browser, a cross-origin isolated page or worker
 * (`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`);
 * threadsUnavailable() says why they cannot run, and WasmBackend then runs one thread.
 */
import { BackendError } from '../../core/errors.js';
import type { WasmKernels, WasmThreadExports } from './abi.js';
import { instantiateOn } from './abi.js';
import { wasmThreadsModule } from './module.js';

/** Bytes of stack per worker (the linker gives the caller's instance 1 MiB too). */
const STACK_BYTES = 1 << 20;

/** The one message a wasm worker gets: what it runs on and which thread it is. */
export interface WasmThreadStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  thread: number;
  /** The top of its stack (it grows down), a byte offset in the memory. */
  stackTop: number;
}

/** What WasmThreads needs of a worker. */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Starts a worker whose first message is handed to runWasmThread; `onError` hears of its failure. */
export type SpawnWasmWorker = (onError: (message: string) => void) => WorkerLike;

let spawner: SpawnWasmWorker | null = null;

/** Sets how workers are started (Node's loader, src/node/wasm.ts, sets a worker_threads one). */
export function setWasmWorkerSpawner(spawn: SpawnWasmWorker | null): void {
  spawner = spawn;
}

/** The spawner set, else a Web Worker on ./worker.js where `Worker` exists, else null. */
export function wasmWorkerSpawner(): SpawnWasmWorker | null {
  if (spawner) return spawner;
  const Ctor = (globalThis as { Worker?: new (url: URL, options: { type: string }) => WorkerLike & { onerror: unknown } }).Worker;
  if (typeof Ctor !== 'function') return null;
  return (onError) => {
    const w = new Ctor(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onerror = (e: { message?: string }) => onError(e.message ?? 'the worker failed to start');
    return w;
  };
}

/** Why a threaded WasmBackend cannot run here (it runs one thread then), or null. */
export function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'SharedArrayBuffer is unavailable: a page (or its worker) must be cross-origin isolated '
      + '(headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (!wasmThreadsModule()) return 'cortado-threads.wasm is not loaded (await loadWasmThreadsModule() in a browser)';
  if (!wasmWorkerSpawner()) return 'no way to start workers here (no Worker; in Node, load the module with src/node/wasm.ts)';
  return null;
}

/** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** A worker's whole life: its instance, then the pool's loop until the backend is disposed. */
export function runWasmThread(m: WasmThreadStart): void {
  const k = instantiateOn(m.module, m.memory, m.stackTop) as WasmKernels & WasmThreadExports;
  k.thread_main(m.thread);
}

/** The workers of one backend. */
export class WasmThreads {
  private readonly workers: WorkerLike[] = [];
  private error: string | null = null;
  private closed = false;

  /** Starts count - 1 workers on `memory`; `k` is the caller's instance of cortado-threads.wasm. */
  constructor(private readonly k: WasmKernels & WasmThreadExports, memory: WebAssembly.Memory,
    readonly count: number, spawn: SpawnWasmWorker) {
    const module = wasmThreadsModule()!;
    const stacks = k.malloc(STACK_BYTES * (count - 1));
    if (!stacks) throw new BackendError(`wasm backend: no room for ${count - 1} worker stacks of ${STACK_BYTES >> 20} MiB; make the backend with a larger memoryMiB`);
    k.threads_init(count, mayBlock() ? 1 : 0);
    for (let t = 1; t < count; t++) {
      const failed = (message: string) => { this.error ??= `wasm worker ${t} failed: ${message}`; };
      try {
        const w = spawn(failed);
        this.workers.push(w);
        w.postMessage({ module, memory, thread: t, stackTop: stacks + t * STACK_BYTES } satisfies WasmThreadStart);
      } catch (e) {
        // A worker that cannot start (a content security policy, no file) takes no task: the caller runs them.
        failed((e as Error).message);
      }
    }
  }

  /** Workers that are running (they start asynchronously). */
  started(): number {
    return this.k.threads_started();
  }

  /** Tasks of the pool that workers, not the caller, have run. */
  workerTasks(): number {
    return this.k.threads_worker_tasks();
  }

  /** Resolves once every worker runs; rejects when one fails or none has started within `timeoutMs`. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    while (this.started() < this.count - 1) {
      if (this.error) throw new BackendError(this.error);
      if (this.closed) throw new BackendError('wasm backend: its threads were disposed');
      if (Date.now() - t0 > timeoutMs) {
        throw new BackendError(`wasm backend: only ${this.started()} of ${this.count - 1} workers started within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Ends the workers; the backend's kernels then run on the caller alone. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.k.threads_quit();
    this.k.threads_init(1, 0);
    for (const w of this.workers) w.terminate();
  }
}
