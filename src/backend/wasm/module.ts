/**
 * Finding and compiling cortado.wasm (the C++ kernels built for WebAssembly SIMD128 by
 * scripts/build-wasm.mjs, shipped in the package as wasm/cortado.wasm). Browser-safe: no Node
 * built-ins; Node's synchronous loader is src/node/wasm.ts.
 *
 * The compiled module is kept once per process (or page); each WasmBackend instantiates it with
 * a memory of its own. In a browser, call `await loadWasmModule()` (it fetches the file next to
 * the package, or the URL, bytes or Response given) before `new WasmBackend()`.
 */
import { BackendError } from '../../core/errors.js';

let compiled: WebAssembly.Module | null = null;

/** Where the shipped cortado.wasm lies, relative to this file in dist/src/backend/wasm/. */
export function defaultWasmUrl(): URL {
  return new URL('../../../../wasm/cortado.wasm', import.meta.url);
}

/** The module loaded so far, or null. */
export function wasmModule(): WebAssembly.Module | null {
  return compiled;
}

/** Uses `module` for every WasmBackend made from now on (for a loader of one's own). */
export function setWasmModule(module: WebAssembly.Module): void {
  compiled = module;
}

/**
 * Compiles cortado.wasm once (later calls return the same module). `source`: a URL or string to
 * fetch, the bytes, or a Response; default defaultWasmUrl(). Throws a BackendError saying why the
 * module cannot be had (no fetch for file: URLs in Node: use src/node/wasm.ts there).
 */
export async function loadWasmModule(source?: URL | string | ArrayBuffer | Uint8Array | Response): Promise<WebAssembly.Module> {
  if (compiled) return compiled;
  try {
    let bytes: ArrayBuffer | Uint8Array;
    if (source instanceof ArrayBuffer || source instanceof Uint8Array) bytes = source;
    else {
      const response = source instanceof Response ? source : await fetch(source ?? defaultWasmUrl());
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${response.url}`);
      bytes = await response.arrayBuffer();
    }
    // The DOM lib types compile() over ArrayBuffer-backed views only; a view of shared memory compiles as well.
    compiled = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    return compiled;
  } catch (e) {
    throw new BackendError(`the wasm backend cannot load cortado.wasm: ${(e as Error).message}`);
  }
}
