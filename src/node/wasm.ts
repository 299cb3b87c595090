/**
 * Node's loader for the wasm backend: reads wasm/cortado.wasm (and wasm/cortado-threads.wasm, for
 * threaded backends) from the package root and compiles them synchronously once, so that
 * `createBackend('wasm')` and `new WasmBackend()` need no await; threaded backends start their
 * workers with worker_threads (./wasm-worker.ts), unref'd so that they never keep a process alive.
 * Where Node validates relaxed SIMD (Node 22 on, or `node --experimental-wasm-relaxed-simd`) it
 * reads the relaxed builds instead (cortado-relaxed.wasm, cortado-threads-relaxed.wasm);
 * CORTADO_WASM_SIMD=simd128 or relaxed-simd chooses (see docs/environment.md).
 * (Browsers use the asynchronous loaders of src/backend/wasm/module.ts and Web Workers.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  defaultWasmThreadsUrl, defaultWasmUrl, relaxedSimdSupported, setWasmModule, setWasmThreadsModule, wasmModule,
  wasmThreadsModule, type WasmSimd,
} from '../backend/wasm/module.js';
import { setWasmWorkerSpawner } from '../backend/wasm/threads.js';

let error: string | null = null;
let threadsError: string | null = null;

const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * The node options a child process needs to validate relaxed SIMD: none where this Node does by
 * default (22 on), else V8's flag (Node 20). A process that validates it only because it was
 * started with the flag (or with it in NODE_OPTIONS, which children inherit anyway) still passes it on.
 */
export function relaxedSimdNodeFlags(): string[] {
  return relaxedSimdSupported() && !process.execArgv.includes(RELAXED_SIMD_FLAG) ? [] : [RELAXED_SIMD_FLAG];
}

/** The build CORTADO_WASM_SIMD asks for, or this engine's best (see the top of this file); throws when it cannot run here. */
function simd(): WasmSimd {
  const asked = process.env.CORTADO_WASM_SIMD ?? '';
  if (asked === '') return relaxedSimdSupported() ? 'relaxed-simd' : 'simd128';
  if (asked !== 'simd128' && asked !== 'relaxed-simd') throw new Error(`CORTADO_WASM_SIMD must be simd128 or relaxed-simd, got "${asked}"`);
  if (asked === 'relaxed-simd' && !relaxedSimdSupported()) {
    throw new Error(`CORTADO_WASM_SIMD=relaxed-simd, but Node ${process.version} does not validate relaxed SIMD (Node 22 on does; on Node 20 run node ${RELAXED_SIMD_FLAG})`);
  }
  return asked;
}

function compile(url: URL): WebAssembly.Module {
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new Error(`${file} is missing; rebuild it with \`node scripts/build-wasm.mjs\``);
  try {
    return new WebAssembly.Module(readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Compiles the shipped cortado.wasm once, and cortado-threads.wasm where it can (see
 * wasmThreadsLoadError otherwise); true when the one-thread module is loaded (see wasmLoadError).
 */
export function loadWasmSync(): boolean {
  if (!wasmThreadsModule() && !threadsError) {
    try {
      setWasmThreadsModule(compile(defaultWasmThreadsUrl(simd())));
      setWasmWorkerSpawner((onError) => {
        // Workers inherit the process's options, but a worker file refuses the main script's
        // --input-type (`node --input-type=module -e ...`), and an explicit execArgv refuses V8's
        // options (--experimental-wasm-relaxed-simd, say; they act on every thread anyway): with
        // --input-type, only Node's own options other than it are passed on.
        const own = (a: string) => !a.startsWith('--input-type') && process.allowedNodeEnvironmentFlags.has(a.split('=')[0]);
        const options = process.execArgv.some((a) => a.startsWith('--input-type')) ? { execArgv: process.execArgv.filter(own) } : {};
        const w = new Worker(new URL('./wasm-worker.js', import.meta.url), options);
        w.unref();
        w.on('error', (e) => onError(e.message));
        return w;
      });
    } catch (e) {
      threadsError = `cannot load the wasm backend's threads build: ${(e as Error).message}`;
    }
  }
  if (wasmModule()) return true;
  if (error) return false;
  try {
    setWasmModule(compile(defaultWasmUrl(simd())));
    return true;
  } catch (e) {
    error = `cannot load the wasm backend: ${(e as Error).message}`;
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
