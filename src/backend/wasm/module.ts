/**
 * Finding and compiling cortado.wasm (the C++ kernels built for WebAssembly SIMD128 by
 * scripts/build-wasm.mjs, shipped in the package as wasm/cortado.wasm). Browser-safe: no Node
 * built-ins; Node's synchronous loader is src/node/wasm.ts.
 *
 * Each build ships twice: SIMD128 alone (cortado.wasm, cortado-threads.wasm) and with relaxed
 * SIMD (cortado-relaxed.wasm, cortado-threads-relaxed.wasm), whose fused multiply-add makes the
 * matrix products about a third faster on Intel cores, where multiplies and adds share ports
 * (native/wasm/README.md). Engines validate relaxed SIMD from Chrome 114 and Node 22 (Node 20: `node
 * --experimental-wasm-relaxed-simd`); the default URLs name the relaxed build where this engine
 * validates it (relaxedSimdSupported) and the SIMD128 one elsewhere. A page that serves the files
 * itself passes wasmFileName() to the loaders.
 *
 * The compiled module is kept once per process (or page); each WasmBackend instantiates it with
 * a memory of its own. In a browser, call `await loadWasmModule()` (it fetches the file next to
 * the package, or the URL, bytes or Response given) before `new WasmBackend()`. A threaded
 * backend (`{ threads: n }`) needs a threads build too: `await loadWasmThreadsModule()`.
 */
import { BackendError } from '../../core/errors.js';

let compiled: WebAssembly.Module | null = null;
let compiledThreads: WebAssembly.Module | null = null;

/** The instruction sets of the builds: SIMD128 alone, or SIMD128 and relaxed SIMD. */
export const WASM_SIMDS = ['simd128', 'relaxed-simd'] as const;
export type WasmSimd = (typeof WASM_SIMDS)[number];

/** The smallest module that needs relaxed SIMD: one function (v128, v128, v128) -> v128 of f32x4.relaxed_madd. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // types: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  // code: local.get 0, 1, 2; f32x4.relaxed_madd (0xfd 0x105); end
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);
let relaxed: boolean | null = null;

/** Whether this engine validates relaxed SIMD, so that the relaxed builds load here (asked once). */
export function relaxedSimdSupported(): boolean {
  if (relaxed === null) relaxed = WebAssembly.validate(RELAXED_PROBE);
  return relaxed;
}

/**
 * The file name of the shipped build: one thread or `threads` (shared memory, one instance per
 * thread), with `simd` (default: relaxed SIMD where this engine validates it, else SIMD128).
 */
export function wasmFileName(threads = false, simd: WasmSimd = relaxedSimdSupported() ? 'relaxed-simd' : 'simd128'): string {
  return `cortado${threads ? '-threads' : ''}${simd === 'relaxed-simd' ? '-relaxed' : ''}.wasm`;
}

// The URLs below are literals, the form in which bundlers see the files and copy them.

/** The file names of the four shipped builds (one thread and threads, each with either instruction set). */
export function wasmFileNames(): string[] {
  return [false, true].flatMap((threads) => WASM_SIMDS.map((simd) => wasmFileName(threads, simd)));
}

/** Where the shipped one-thread build (wasmFileName()) lies, relative to this file in dist/src/backend/wasm/. */
export function defaultWasmUrl(simd?: WasmSimd): URL {
  return wasmFileName(false, simd) === 'cortado-relaxed.wasm'
    ? new URL('../../../../wasm/cortado-relaxed.wasm', import.meta.url)
    : new URL('../../../../wasm/cortado.wasm', import.meta.url);
}

/** Where the shipped threads build (wasmFileName(true): shared memory, one instance per thread) lies. */
export function defaultWasmThreadsUrl(simd?: WasmSimd): URL {
  return wasmFileName(true, simd) === 'cortado-threads-relaxed.wasm'
    ? new URL('../../../../wasm/cortado-threads-relaxed.wasm', import.meta.url)
    : new URL('../../../../wasm/cortado-threads.wasm', import.meta.url);
}

/** The module loaded so far, or null. */
export function wasmModule(): WebAssembly.Module | null {
  return compiled;
}

/** Uses `module` for every WasmBackend made from now on (for a loader of one's own). */
export function setWasmModule(module: WebAssembly.Module): void {
  compiled = module;
}

/** The threaded module loaded so far, or null. */
export function wasmThreadsModule(): WebAssembly.Module | null {
  return compiledThreads;
}

/** Uses `module` (a build of cortado-threads.wasm) for every threaded WasmBackend made from now on. */
export function setWasmThreadsModule(module: WebAssembly.Module): void {
  compiledThreads = module;
}

/** Compiles the threads build once, as loadWasmModule does the one-thread build; default defaultWasmThreadsUrl(). */
export async function loadWasmThreadsModule(source?: URL | string | ArrayBuffer | Uint8Array | Response): Promise<WebAssembly.Module> {
  if (!compiledThreads) compiledThreads = await compile(source ?? defaultWasmThreadsUrl());
  return compiledThreads;
}

/**
 * Compiles the one-thread build once (later calls return the same module). `source`: a URL or string to
 * fetch, the bytes, or a Response; default defaultWasmUrl(). Throws a BackendError saying why the
 * module cannot be had (no fetch for file: URLs in Node: use src/node/wasm.ts there).
 */
export async function loadWasmModule(source?: URL | string | ArrayBuffer | Uint8Array | Response): Promise<WebAssembly.Module> {
  if (!compiled) compiled = await compile(source ?? defaultWasmUrl());
  return compiled;
}

async function compile(source: URL | string | ArrayBuffer | Uint8Array | Response): Promise<WebAssembly.Module> {
  const what = source instanceof Response ? source.url : typeof source === 'string' || source instanceof URL ? String(source) : 'the module bytes given';
  try {
    let bytes: ArrayBuffer | Uint8Array;
    if (source instanceof ArrayBuffer || source instanceof Uint8Array) bytes = source;
    else {
      const response = source instanceof Response ? source : await fetch(source);
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${response.url}`);
      bytes = await response.arrayBuffer();
    }
    // The DOM lib types compile() over ArrayBuffer-backed views only; a view of shared memory compiles as well.
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new BackendError(`the wasm backend cannot load ${what}: ${(e as Error).message}`);
  }
}
