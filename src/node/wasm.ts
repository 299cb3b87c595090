/**
 * Node's loader for the wasm backend: reads wasm/cortado.wasm (and wasm/cortado-threads.wasm, for
 * threaded backends) from the package root and compiles them synchronously once, so that
 * `createBackend('wasm')` and `new WasmBackend()` need no await; threaded backends start their
 * workers with worker_threads (./wasm-worker.ts), unref'd so that they never keep a process alive.
 * (Browsers use the asynchronous loaders of src/backend/wasm/module.ts and Web Workers.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  defaultWasmThreadsUrl, defaultWasmUrl, setWasmModule, setWasmThreadsModule, wasmModule, wasmThreadsModule,
} from '../backend/wasm/module.js';
import { setWasmWorkerSpawner } from '../backend/wasm/threads.js';

let error: string | null = null;
let threadsError: string | null = null;

function compile(url: URL): WebAssembly.Module {
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new Error(`${file} is missing; rebuild it with \`node scripts/build-wasm.mjs\``);
  return new WebAssembly.Module(readFileSync(file));
}

/**
 * Compiles the shipped cortado.wasm once, and cortado-threads.wasm where it can (see
 * wasmThreadsLoadError otherwise); true when the one-thread module is loaded (see wasmLoadError).
 */
export function loadWasmSync(): boolean {
  if (!wasmThreadsModule() && !threadsError) {
    try {
      setWasmThreadsModule(compile(defaultWasmThreadsUrl()));
      setWasmWorkerSpawner((onError) => {
        // Not the main script's --input-type (`node --input-type=module -e ...`), which a worker file refuses.
        const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
        const w = new Worker(new URL('./wasm-worker.js', import.meta.url), { execArgv });
        w.unref();
        w.on('error', (e) => onError(e.message));
        return w;
      });
    } catch (e) {
      threadsError = `cannot load ${fileURLToPath(defaultWasmThreadsUrl())}: ${(e as Error).message}`;
    }
  }
  if (wasmModule()) return true;
  if (error) return false;
  try {
    setWasmModule(compile(defaultWasmUrl()));
    return true;
  } catch (e) {
    error = `cannot load ${fileURLToPath(defaultWasmUrl())}: ${(e as Error).message}`;
    return false;
  }
}

/** Why loadWasmSync failed, or null. */
export function wasmLoadError(): string | null {
  return error;
}

/** Why loadWasmSync could not load cortado-threads.wasm (threaded backends then run one thread), or null. */
export function wasmThreadsLoadError(): string | null {
  return threadsError;
}
