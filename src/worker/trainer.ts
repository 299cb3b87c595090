/**
 * The worker side of TrainerWorker: waits for a `start` message, builds the train net (and a test
 * net when the definition has test-phase data) and a solver, trains, and posts `ready`, `stats`
 * every `statsEvery` iterations (with test accuracy and sample predictions when it validates), and
 * `done` with the weights (or `error`). A `stop` message ends the
 * run after the iteration under way: the solver yields to the event loop (yieldEvery), where the
 * message is received. Browser-safe: a Web Worker calls `serveTrainer(endpoint, makeBackend)`;
 * Node's adapter is src/node/trainer-worker.ts.
 */
import type { Backend } from '../backend/backend.js';
import { Net } from '../net.js';
import { Random } from '../core/random.js';
import { layerRows } from '../dashboard/state.js';
import { captureSamples, type SamplePrediction } from '../dashboard/samples.js';
import { ValidationPerformance } from '../solver/coffee/validation-performance.js';
import { Solver } from '../solver/solver.js';
import type { Endpoint, FromWorker, ToWorker, TrainJob } from './protocol.js';

/**
 * Trains one job per `start` message on `endpoint`; `makeBackend` turns the job's backend name into
 * a Backend, or a promise of one (a backend that connects first: `connectWebGpu(gpuWorker)`).
 */
export function serveTrainer(endpoint: Endpoint<ToWorker, FromWorker>, makeBackend: (name: string) => Backend | Promise<Backend>): void {
  let solver: Solver | null = null;
  let started = false;
  let stopped = false;
  endpoint.listen((m) => {
    if (m.type === 'stop') {
      stopped = true;
      solver?.requestStop();
    } else if (m.type === 'start') {
      if (started) return endpoint.post({ type: 'error', message: 'trainer worker: a run is already under way; start one job per worker' });
      started = true;
      stopped = false;
      runJob(m.job, endpoint, makeBackend, (s) => (solver = s), () => stopped).catch((e: unknown) => endpoint.post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
    }
  });
}

async function runJob(job: TrainJob, endpoint: Endpoint<ToWorker, FromWorker>, makeBackend: (name: string) => Backend | Promise<Backend>, started: (s: Solver) => void, wasStopped: () => boolean): Promise<void> {
  const backend = await makeBackend(job.backend ?? 'js');
  const trainNet = new Net(job.layers, { backend, phase: 'train', rng: new Random(job.seed ?? 42), name: 'train' });
  const hasTest = job.layers.some((l) => l.include?.phase === 'test' && /Data$/.test(l.type));
  const testNet = hasTest ? new Net(job.layers, { backend, phase: 'test', shareParamsWith: trainNet, name: 'test' }) : undefined;
  const solver = new Solver(trainNet, job.solver);
  let samples: SamplePrediction[] | undefined;
  const validation = testNet ? new ValidationPerformance(testNet, { log: () => {}, afterFirstBatch: (net) => void (samples = captureSamples(net)) }) : undefined;
  const every = job.statsEvery ?? 10;
  const validateEvery = job.validateEvery ?? 0;
  let last = { time: performance.now(), iter: solver.iter };
  solver.addCoffeeBreak({
    enjoy: (s) => {
      const now = performance.now();
      const stats = {
        iter: s.iter, maxIter: s.settings.maxIter, loss: s.loss, lr: s.learningRate,
        imagesPerSecond: ((s.iter - last.iter) * trainNet.batchSize) / Math.max(1e-9, (now - last.time) / 1000),
        validation: validation && validateEvery > 0 && s.iter % validateEvery === 0 ? Object.fromEntries(validation.evaluate()) : undefined,
      };
      for (const [k, v] of Object.entries(stats.validation ?? {})) s.lounge.update(`validation/${k}`, s.iter, v);
      last = { time: performance.now(), iter: s.iter };
      endpoint.post({ type: 'stats', stats: stats.validation ? { ...stats, samples } : stats });
    },
  }, { everyIter: Math.max(1, every) });
  started(solver);
  endpoint.post({ type: 'ready', layers: layerRows(trainNet) });
  if (!wasStopped()) await solver.solve(); // (run() clears stop requests made before it starts)
  const final = validation ? Object.fromEntries(validation.evaluate()) : undefined;
  const weights = trainNet.params.map((p): [string, number[], Float32Array | Float64Array] => {
    const v = p.blob.read();
    return [p.key, [...p.blob.shape], v instanceof Float64Array ? v : Float32Array.from(v)];
  });
  endpoint.post({ type: 'done', iter: solver.iter, stopped: wasStopped(), weights, validation: final, samples: final ? samples : undefined }, weights.map((w) => w[2].buffer as ArrayBuffer));
}
