/**
 * The WebGPU backend in Node: starts the GPU worker (./webgpu-worker.ts, Dawn from the `webgpu`
 * npm package) and waits, blocking, for its device, so that `createBackend('webgpu')` stays
 * synchronous like every other backend.
 *
 * Dawn finds a Vulkan driver through the loader, which reads its environment when the process
 * starts: on a machine without a GPU, SwiftShader (a CPU Vulkan, shipped in Debian's chromium
 * package) serves when node is started with
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { BackendError } from '../core/errors.js';
import { makeControl, waitReply, WebGpuBackend } from '../backend/webgpu/webgpu-backend.js';
import type { GpuInfo, ToExecutor } from '../backend/webgpu/protocol.js';

/** SwiftShader's Vulkan driver as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The environment a child node process needs to reach SwiftShader, or null when it is not installed. */
export function swiftShaderEnv(): Record<string, string> | null {
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  const lib = process.env.LD_LIBRARY_PATH;
  return { LD_LIBRARY_PATH: lib ? `/usr/lib/chromium:${lib}` : '/usr/lib/chromium', VK_ICD_FILENAMES: SWIFTSHADER_ICD };
}

export interface WebGpuOptions {
  /** Initial arena size in MiB (default 64); it doubles on demand up to the device's limit. */
  memoryMiB?: number;
}

/** A WebGpuBackend on a new GPU worker; throws a BackendError saying what to set when no adapter is found. */
export function createWebGpuBackend(opts: WebGpuOptions = {}): WebGpuBackend {
  const elements = Math.floor((opts.memoryMiB ?? 64) * 2 ** 20 / 4 / 64) * 64;
  if (!(elements > 0)) throw new BackendError(`webgpu backend: memoryMiB must be positive, got ${opts.memoryMiB}`);
  const worker = new Worker(new URL('./webgpu-worker.js', import.meta.url));
  worker.unref();
  const control = makeControl();
  const init: ToExecutor = { kind: 'init', control, elements, seq: 1 };
  worker.postMessage(init);
  let info: GpuInfo;
  try {
    info = JSON.parse(waitReply(control, 1, 'start')) as GpuInfo;
  } catch (e) {
    void worker.terminate();
    const hint = process.env.VK_ICD_FILENAMES === undefined
      ? existsSync(SWIFTSHADER_ICD)
        ? ` (no GPU here? start node with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=${SWIFTSHADER_ICD} to use SwiftShader, a CPU Vulkan)`
        : ' (no GPU here? Debian\'s chromium package ships SwiftShader, a CPU Vulkan, that Dawn can use)'
      : ` (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES})`;
    throw new BackendError(`${(e as Error).message}${hint}`);
  }
  return new WebGpuBackend({ postMessage: (m, t) => worker.postMessage(m, t ?? []) }, control, info, elements, 1);
}
