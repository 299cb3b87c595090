/**
 * Choosing a backend at run time: 'js' (the TypeScript reference), 'native' (the C++ addon),
 * 'wasm' (the same C++ kernels as WebAssembly SIMD, no compiler needed), 'cuda' (an NVIDIA GPU),
 * 'webgpu' (WGSL kernels on a WebGPU device through Dawn; never chosen by 'auto'), or 'auto' (CUDA
 * if usable, else native, else wasm, else js; CORTADO_NO_CUDA and CORTADO_NO_NATIVE in the
 * environment skip those two).
 *
 * `precision` 'float16' or 'bfloat16' (mixed precision: convolutions and GEMMs on 16-bit operands
 * with float32 sums) needs the CUDA backend: asked of another backend, or of 'auto' on a machine
 * without CUDA, it is an error rather than a silent float32 run.
 */
import type { Backend, DType } from '../backend/backend.js';
import { BackendError } from '../core/errors.js';
import { UsageError } from './cli/flags.js';
import { JsBackend } from '../backend/js/js-backend.js';
import { nativeBackend } from './backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from './backend/native/load.js';
import { loadCuda } from './backend/cuda/load.js';
import type { CudaPrecision } from './backend/cuda/cuda-backend.js';
import { availableParallelism } from 'node:os';
import { wasmBackend, type WasmBackendOptions } from '../backend/wasm/wasm-backend.js';
import { loadWasmSync, wasmLoadError } from './wasm.js';
import { createWebGpuBackend } from './webgpu.js';

export type BackendName = 'auto' | 'js' | 'native' | 'wasm' | 'cuda' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'js', 'native', 'wasm', 'cuda', 'webgpu'];

let notified = false;

/**
 * Makes a backend; throws a BackendError naming what is missing when the one asked for cannot start.
 * `wasm` options apply to the wasm backend (also when 'auto' falls back to it). In Node its memory
 * defaults to CORTADO_WASM_MEMORY_MIB or 1024 MiB (pages cost nothing until touched), enough to
 * train GoogLeNet at small batches; browsers keep WasmBackend's own default. Its threads default
 * to CORTADO_WASM_THREADS (a count, or `all`: one per core) or 1.
 */
export function createBackend(name: BackendName = 'auto', dtype: DType = 'float32', wasmOptions: WasmBackendOptions = {},
  precision?: CudaPrecision): Backend {
  const wasm = () => wasmDefaults(wasmOptions);
  const mixed = precision !== undefined && precision !== 'float32';
  if (mixed && name !== 'cuda' && name !== 'auto') {
    throw new BackendError(`precision ${precision} runs on the cuda backend only; the ${name} backend computes in ${dtype}`);
  }
  switch (name) {
    case 'js':
      return new JsBackend(dtype);
    case 'native': {
      if (!loadNativeAddon()) throw new BackendError(`the native backend is not available: ${nativeLoadError()}`);
      return nativeBackend(dtype);
    }
    case 'wasm': {
      if (!loadWasmSync()) throw new BackendError(`the wasm backend is not available: ${wasmLoadError()}`);
      return wasmBackend(dtype, wasm());
    }
    case 'cuda': {
      const r = loadCuda({ dtype, precision });
      if (!r.backend) throw new BackendError(`the CUDA backend cannot start: ${r.error}`);
      return r.backend;
    }
    case 'webgpu': {
      if (dtype !== 'float32') throw new BackendError(`the webgpu backend computes in float32 only, not ${dtype} (use the js backend for float64)`);
      return createWebGpuBackend();
    }
    case 'auto': {
      if (dtype === 'float32' && process.env.CORTADO_NO_CUDA === undefined) {
        const r = loadCuda({ precision });
        if (r.backend) return r.backend;
        if (mixed) throw new BackendError(`precision ${precision} runs on the cuda backend only, which cannot start: ${r.error}`);
      }
      if (mixed) throw new BackendError(`precision ${precision} runs on the cuda backend only (${dtype !== 'float32' ? `dtype ${dtype} asked for` : 'CORTADO_NO_CUDA is set'})`);
      if (process.env.CORTADO_NO_NATIVE === undefined && loadNativeAddon()) return nativeBackend(dtype);
      const useWasm = loadWasmSync();
      if (!notified) {
        notified = true;
        console.error(`cortado: native backend unavailable (${process.env.CORTADO_NO_NATIVE !== undefined ? 'CORTADO_NO_NATIVE is set' : nativeLoadError()}); using the `
          + (useWasm ? 'WebAssembly backend' : `TypeScript backend (wasm unavailable too: ${wasmLoadError()})`));
      }
      return useWasm ? wasmBackend(dtype, wasm()) : new JsBackend(dtype);
    }
    default:
      throw new BackendError(`unknown backend "${name as string}"; choose one of ${BACKEND_NAMES.join(', ')}`);
  }
}

/** The wasm options given, over Node's defaults (see createBackend). */
function wasmDefaults(options: WasmBackendOptions): WasmBackendOptions {
  const env = process.env.CORTADO_WASM_MEMORY_MIB;
  const threads = process.env.CORTADO_WASM_THREADS;
  const count = threads === undefined || threads === '' ? 1 : threads === 'all' ? availableParallelism() : Number(threads);
  if (options.threads === undefined && !(Number.isInteger(count) && count >= 1)) {
    throw new BackendError(`CORTADO_WASM_THREADS must be a count of threads (1 or more) or "all", got "${threads}"`);
  }
  return { memoryMiB: env === undefined ? 1024 : Number(env), threads: count, ...options };
}

/** A --precision flag's value, checked: float32, float16 or bfloat16 (undefined when absent). */
export function precisionFlag(value: string | undefined): CudaPrecision | undefined {
  if (value === undefined) return undefined;
  if (value === 'float32' || value === 'float16' || value === 'bfloat16') return value;
  throw new UsageError(`--precision must be float32, float16 or bfloat16, found ${JSON.stringify(value)}`);
}
