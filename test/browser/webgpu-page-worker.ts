/**
 * The page's Web Worker of webgpu.test.ts (bundled from a one-line entry calling pageWorker()): connects a WebGpuBackend to its own GPU
 * worker (gpu-worker.js, SwiftShader's WebGPU in headless Chromium), runs the layer-case table
 * against JsBackend, trains the small classifier a few iterations on both backends, and posts what
 * it found to the page. Browser-only: no Node imports here.
 */
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { connectWebGpu } from '../../src/backend/webgpu/browser.js';
import type { Backend } from '../../src/backend/backend.js';
import { Net } from '../../src/net.js';
import { Solver } from '../../src/solver/solver.js';
import { equivalenceCheck } from '../harness/equivalence.js';
import { layerCases } from '../harness/layer-cases.js';
import { smallMlp } from '../harness/small-mlp.js';

interface Scope {
  postMessage(m: unknown): void;
  Worker: new (url: string) => { postMessage(m: unknown, t?: ArrayBuffer[]): void };
}
const scope = globalThis as unknown as Scope;

function train(backend: Backend): { losses: number[]; weights: number[] } {
  const net = new Net(smallMlp(), { backend, phase: 'train', seed: 5 });
  const solver = new Solver(net, { baseLr: 0.1, momentum: 0.9, weightDecay: 1e-3, maxIter: 5 });
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) {
    solver.step();
    losses.push(net.loss());
  }
  const weights = Array.from(net.layer('ip1').params[0].blob.read());
  net.destroy();
  return { losses, weights };
}

/** The worker's body; webgpu.test.ts bundles a one-line entry that calls it (this file only exports it). */
export async function pageWorker(): Promise<void> {
  try {
    await run();
  } catch (e) {
    scope.postMessage({ done: true, error: `${(e as Error).message}\n${(e as Error).stack}` });
  }
}

async function run(): Promise<void> {
  const backend = await connectWebGpu(new scope.Worker('gpu-worker.js'));
  const reference = new JsBackend('float32');
  const problems: string[] = [];
  let cases = 0;
  for (const c of layerCases) {
    try {
      problems.push(...equivalenceCheck(backend, reference, c));
    } catch (e) {
      problems.push(`case "${c.name}" threw: ${(e as Error).message}`);
    }
    cases++;
  }
  const gpu = train(backend);
  const js = train(reference);
  let worst = 0;
  for (let i = 0; i < js.weights.length; i++) worst = Math.max(worst, Math.abs(gpu.weights[i] - js.weights[i]));
  scope.postMessage({ done: true, adapter: backend.info, cases, problems, losses: { webgpu: gpu.losses, js: js.losses }, worstWeight: worst });
}
