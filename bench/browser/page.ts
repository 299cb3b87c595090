/**
 * The browser benchmark's page (bundled by bench/browser/run.ts with esbuild): LeNet at batch 64,
 * training and inference images/s and latency at batch 1, on one Cortado or TF.js backend per
 * call of `globalThis.cortadoBench(row, protocol)`, with the Node benchmark's protocol
 * (bench/measure.ts) and nets (examples/mnist/lenet.ts, bench/peers/tfjs-model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { JsBackend, Net, Solver, WasmBackend, loadWasmModule, type Backend } from '../../src/index.js';
import { lenet, syntheticMnist } from '../../examples/mnist/lenet.js';
import { measure, randomBatch, type Protocol } from '../measure.js';
import { tfjsLenet } from '../peers/tfjs-model.js';
import type { BrowserRow } from './rows.js';

declare const navigator: { hardwareConcurrency: number; userAgent: string };
declare const crossOriginIsolated: boolean;

const BATCH = 64;
const threadsOf = (row: BrowserRow) => (row.threads === 'all' ? navigator.hardwareConcurrency : row.threads ?? 1);

/** A Cortado backend for `row` (one place to add the threaded wasm and WebGPU backends). */
async function cortadoBackend(row: BrowserRow): Promise<Backend> {
  if (row.backend === 'js') return new JsBackend('float32');
  if (row.backend === 'wasm' && threadsOf(row) === 1) {
    await loadWasmModule('cortado.wasm');
    return new WasmBackend('float32');
  }
  throw new Error(`browser bench: no Cortado backend "${row.backend}" with ${threadsOf(row)} threads on this page`);
}

/**
 * One LeNet forward and backward on `backend` and on the js backend, from the same seed and batch:
 * the loss's and the parameter gradients' largest difference relative to the js values' largest magnitude.
 */
function agreementWithJs(backend: Backend): { lossRelDiff: number; gradRelDiff: number } {
  const run = (b: Backend) => {
    const net = new Net(lenet({ batchSize: BATCH }), { backend: b, phase: 'train', seed: 3 });
    net.clearParamDiffs();
    net.forward();
    net.backward();
    b.synchronize();
    const out = { loss: net.loss(), grads: net.params.map((q) => Float32Array.from(q.blob.readDiff())) };
    net.destroy();
    return out;
  };
  const mine = run(backend);
  const ref = run(new JsBackend('float32'));
  let diff = 0;
  let scale = 0;
  ref.grads.forEach((g, i) => g.forEach((v, j) => {
    diff = Math.max(diff, Math.abs(mine.grads[i][j] - v));
    scale = Math.max(scale, Math.abs(v));
  }));
  return { lossRelDiff: Math.abs(mine.loss - ref.loss) / Math.abs(ref.loss), gradRelDiff: diff / scale };
}

async function cortado(row: BrowserRow, p: Protocol): Promise<Record<string, unknown>> {
  const backend = await cortadoBackend(row);
  const result: Record<string, unknown> = { version: 'dev', threads: threadsOf(row), agreement: agreementWithJs(backend) };
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
