/**
 * The webgpu row's worker (bench/browser/page.ts starts it as webgpu-bench-worker.js): connects the
 * WebGPU backend to its GPU worker (gpu-worker.js, which owns the device) and posts one LeNet
 * forward and backward's agreement with js. SwiftShader makes LeNet slow, hence batch 8.
 */
import { connectWebGpu } from '../../src/backend/webgpu/browser.js';
import { agreementWithJs } from './agreement.js';

type Port = Parameters<typeof connectWebGpu>[0];
const scope = globalThis as unknown as { Worker: new (url: string, o?: { type: string }) => Port; postMessage(m: unknown): void };
try {
  const backend = await connectWebGpu(new scope.Worker('gpu-worker.js', { type: 'module' }));
  scope.postMessage({ agreement: agreementWithJs(backend, 8) });
} catch (e) {
  scope.postMessage({ error: String((e as Error)?.stack ?? e) });
}
