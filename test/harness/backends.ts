/**
 * The backends the equivalence check runs every layer case on, each compared with
 * JsBackend('float32').
 *
 * To add a backend: append an entry in `availableBackends`. Load it with a dynamic `import()` inside
 * a try block so that this file stays free of Node-only imports and a machine without the addon or
 * the GPU still runs the other backends; when it cannot be used, return the entry with `skip` set
 * to the reason, so the tests show it as skipped instead of silently leaving it out:
 *
 *   try {
 *     const { NativeBackend } = await import('../../src/node/backend/native/native-backend.js');
 *     list.push({ name: 'native', create: () => new NativeBackend('float32') });
 *   } catch (e) {
 *     list.push({ name: 'native', create: unavailable, skip: `native addon not built: ${(e as Error).message}` });
 *   }
 */
import type { Backend } from '../../src/backend/backend.js';
import { BackendError } from '../../src/core/errors.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';

export interface BackendEntry {
  /** Shown in test names. */
  name: string;
  /** A fresh float32 backend. */
  create(): Backend;
  /** When set, the backend cannot run here and its tests are skipped with this reason. */
  skip?: string;
}

/** For entries that are skipped. */
export function unavailable(): Backend {
  throw new BackendError('this backend is not available on this machine');
}

export async function availableBackends(): Promise<BackendEntry[]> {
  const list: BackendEntry[] = [{ name: 'js', create: () => new JsBackend('float32') }];
  try {
    const { NativeBackend } = await import('../../src/node/backend/native/native-backend.js');
    const { loadNativeAddon, nativeLoadError } = await import('../../src/node/backend/native/load.js');
    if (loadNativeAddon()) list.push({ name: 'native', create: () => new NativeBackend('float32') });
    else list.push({ name: 'native', create: unavailable, skip: `native addon not built: ${nativeLoadError()}` });
  } catch (e) {
    list.push({ name: 'native', create: unavailable, skip: `native backend cannot load: ${(e as Error).message}` });
  }
  try {
    // Node's loader (reads the shipped cortado.wasm); a browser harness would await loadWasmModule().
    const { loadWasmSync, wasmLoadError } = await import('../../src/node/wasm.js');
    const { WasmBackend } = await import('../../src/backend/wasm/wasm-backend.js');
    if (loadWasmSync()) list.push({ name: 'wasm', create: () => new WasmBackend('float32', { memoryMiB: 1024 }) });
    else list.push({ name: 'wasm', create: unavailable, skip: `cortado.wasm cannot load: ${wasmLoadError()}` });
    // Two threads on the shared-memory build (the workers join as they start, so early calls
    // may run on the caller alone: the pool's split does not depend on who runs a part).
    const { threadsUnavailable } = await import('../../src/backend/wasm/threads.js');
    const why = wasmLoadError() ?? threadsUnavailable();
    if (!why) list.push({ name: 'wasm-threads', create: () => new WasmBackend('float32', { memoryMiB: 1024, threads: 2 }) });
    else list.push({ name: 'wasm-threads', create: unavailable, skip: `threaded wasm cannot run: ${why}` });
  } catch (e) {
    list.push({ name: 'wasm', create: unavailable, skip: `wasm backend cannot load: ${(e as Error).message}` });
    list.push({ name: 'wasm-threads', create: unavailable, skip: `wasm backend cannot load: ${(e as Error).message}` });
  }
  try {
    const { loadCuda } = await import('../../src/node/backend/cuda/load.js');
    const cuda = loadCuda();
    if (cuda.backend) list.push({ name: 'cuda', create: () => loadCuda().backend! });
    else list.push({ name: 'cuda', create: unavailable, skip: `no CUDA device: ${cuda.error}` });
  } catch (e) {
    list.push({ name: 'cuda', create: unavailable, skip: `CUDA backend cannot load: ${(e as Error).message}` });
  }
  list.push(await webgpuEntry());
  return list;
}

let webgpu: BackendEntry | null = null;

/**
 * WebGPU through Dawn: one backend (one GPU worker) per process, made on first use. Without a GPU
 * the adapter is SwiftShader's, which the Vulkan loader only finds when the process starts with
 * its environment; test/backend/webgpu/swiftshader.test.ts reruns the webgpu tests in a child
 * node that has it.
 */
async function webgpuEntry(): Promise<BackendEntry> {
  if (webgpu) return webgpu;
  try {
    const { createWebGpuBackend } = await import('../../src/node/webgpu.js');
    const backend = createWebGpuBackend();
    webgpu = { name: 'webgpu', create: () => backend };
  } catch (e) {
    const child = process.env.VK_ICD_FILENAMES === undefined ? '; test/backend/webgpu/swiftshader.test.ts reruns the backend, layer-case, solver and device-resident webgpu tests on SwiftShader in a child process' : '';
    webgpu = { name: 'webgpu', create: unavailable, skip: `no WebGPU adapter: ${(e as Error).message}${child}` };
  }
  return webgpu;
}
