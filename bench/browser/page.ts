/**
 * The browser benchmark's page (bundled by bench/browser/run.ts with esbuild): LeNet at batch 64,
 * training and inference images/s and latency at batch 1, on one Cortado or TF.js backend per
 * call of `globalThis.cortadoBench(row, protocol)`, with the Node benchmark's protocol
 * (bench/measure.ts) and nets (examples/mnist/lenet.ts, bench/peers/tfjs-model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { JsBackend, Net, Solver, WasmBackend, loadWasmModule, loadWasmThreadsModule, wasmFileName, type Backend } from '../../src/index.js';
import { lenet, syntheticMnist } from '../../examples/mnist/lenet.js';
import { measure, randomBatch, type Protocol } from '../measure.js';
import { tfjsLenet } from '../peers/tfjs-model.js';
import type { BrowserRow } from './rows.js';
import { agreementWithJs } from './agreement.js';

declare const navigator: { hardwareConcurrency: number; userAgent: string };
declare const crossOriginIsolated: boolean;

const BATCH = 64;
const threadsOf = (row: BrowserRow) => (row.threads === 'all' ? navigator.hardwareConcurrency : row.threads ?? 1);

/** A Cortado backend for `row` (one place to add the threaded wasm and WebGPU backends). */
async function cortadoBackend(row: BrowserRow): Promise<Backend> {
  if (row.backend === 'js') return new JsBackend('float32');
  if (row.backend === 'wasm') {
    await loadWasmModule(wasmFileName());
    const threads = threadsOf(row);
    if (threads === 1) return new WasmBackend('float32');
    // Workers run bench/browser/run.ts's bundle of src/backend/wasm/worker.ts, next to page.js.
    await loadWasmThreadsModule(wasmFileName(true));
    const backend = new WasmBackend('float32', { threads, memoryMiB: 512 });
    await backend.ready();
    if (backend.threads !== threads) throw new Error(`browser bench: the wasm backend runs ${backend.threads} threads instead of ${threads}: ${backend.threadsNote}`);
    return backend;
  }
  throw new Error(`browser bench: no Cortado backend "${row.backend}" with ${threadsOf(row)} threads on this page`);
}

/**
 * The webgpu row: its facade waits with Atomics.wait, which a page's main thread may not, so the
 * check runs in a worker (webgpu-worker.ts) whose GPU worker owns the device.
 */
function webgpuAgreement(): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    type Reply = { data: { error?: string } & Record<string, unknown> };
    const PageWorker = (globalThis as unknown as { Worker: new (url: string, o: { type: string }) => { onmessage: (e: Reply) => void; onerror: (e: { message: string }) => void; terminate(): void } }).Worker;
    const w = new PageWorker('webgpu-bench-worker.js', { type: 'module' });
    w.onmessage = (e) => {
      w.terminate();
      if (e.data.error) reject(new Error(`browser bench webgpu: ${e.data.error}`));
      else resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(`browser bench webgpu: the worker failed: ${e.message}`));
  });
}

async function cortado(row: BrowserRow, p: Protocol): Promise<Record<string, unknown>> {
  if (row.backend === 'webgpu') {
    if (row.speed !== false) throw new Error(`${row.id}: webgpu rows check correctness only here (speed: false)`);
    return { version: 'dev', threads: 1, ...(await webgpuAgreement()) };
  }
  const backend = await cortadoBackend(row);
  const result: Record<string, unknown> = { version: 'dev', threads: threadsOf(row), agreement: agreementWithJs(backend, BATCH) };
  if (backend instanceof WasmBackend) result.isa = `wasm ${backend.simd}`;
  if (row.speed === false) return result;
  if (row.train !== false) {
    const net = new Net(lenet({ batchSize: BATCH }), { backend, phase: 'train', seed: 1 });
    const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 2 ** 31 - 1 });
    result.trainIps = (await measure(() => { solver.step(); backend.synchronize(); }, BATCH, p)).perSecond;
    if (!Number.isFinite(solver.loss)) throw new Error(`cortado ${row.backend}: training loss is ${solver.loss}`);
    result.finalLoss = solver.loss;
    net.destroy();
  }
  const tester = (n: number) => new Net(lenet({ batchSize: n, test: syntheticMnist(Math.max(n, 64), 2), testBatchSize: n }), { backend, phase: 'test', seed: 1 });
  for (const [n, key] of [[BATCH, 'inferIps'], [1, 'latencyMs']] as const) {
    const net = tester(n);
    const rate = (await measure(() => { net.forward(); backend.synchronize(); }, n, p)).perSecond;
    result[key] = key === 'latencyMs' ? 1000 / rate : rate;
    net.destroy();
  }
  return result;
}

async function tfjs(row: BrowserRow, p: Protocol): Promise<Record<string, unknown>> {
  if (row.speed === false) throw new Error(`${row.id}: TF.js rows measure speed (speed: false is for Cortado rows)`);
  if (row.backend === 'wasm') {
    setWasmPaths('tfjs/');
    setThreadsCount(threadsOf(row));
  }
  if (!(await tf.setBackend(row.backend))) throw new Error(`tfjs backend "${row.backend}" failed to initialize in this browser`);
  await tf.ready();
  const model = tfjsLenet(tf);
  const { images, labels } = randomBatch(BATCH);
  const x = tf.tensor4d(images, [BATCH, 28, 28, 1]);
  const x1 = tf.tensor4d(images.subarray(0, 784), [1, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 10);
  const result: Record<string, unknown> = { version: tf.version.tfjs, threads: row.backend === 'wasm' ? getThreadsCount() : 1 };
  if (row.train !== false) {
    try {
      result.trainIps = (await measure(async () => void (await model.trainOnBatch(x, y)), BATCH, p)).perSecond;
    } catch (e) {
      // TF.js lacks some gradient kernels on some backends: the row then reports inference only.
      result.trainError = e instanceof Error ? e.message : String(e);
    }
  }
  const predict = (input: tf.Tensor) => async () => {
    const out = model.predict(input) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  result.inferIps = (await measure(predict(x), BATCH, p)).perSecond;
  result.latencyMs = 1000 / (await measure(predict(x1), 1, p)).perSecond;
  result.tensorsLeft = tf.memory().numTensors;
  if (row.backend === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: { getParameter(k: number): unknown; getExtension(n: string): unknown } } }).gpgpu?.gl;
    // The unmasked renderer (SwiftShader, say) where the browser tells it, else GL_RENDERER.
    result.renderer = gl ? String(gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info') ? 0x9246 : 0x1f01)) : undefined;
  }
  return result;
}

(globalThis as { cortadoBench?: unknown }).cortadoBench = async (row: BrowserRow, p: Protocol) => ({
  system: row.id,
  batch: BATCH,
  crossOriginIsolated,
  userAgent: navigator.userAgent,
  ...(row.system === 'cortado' ? await cortado(row, p) : await tfjs(row, p)),
});
