/**
 * TrainerWorker: the page's (or main thread's) handle on a training worker. It sends the job,
 * hands each `stats` report to `onStats`, and resolves `done` with the final weights by parameter
 * key, ready for `setWeights(net, ...)` or weightsToBytes. Browser-safe: give it a Web Worker
 * through `webWorkerEndpoint`, or in Node use `startNodeTrainer` (src/node/trainer-worker.ts).
 */
import type { LayerRow } from '../dashboard/state.js';
import type { SamplePrediction } from '../dashboard/samples.js';
import type { Endpoint, FromWorker, ToWorker, TrainJob, TrainStats } from './protocol.js';

export interface TrainerResult {
  iter: number;
  /** True when `stop()` ended the run before maxIter. */
  stopped: boolean;
  weights: Map<string, { shape: number[]; values: Float32Array | Float64Array }>;
  /** The test net's output means after the last iteration, when the definition has test data. */
  validation?: Record<string, number>;
  /** Sample predictions of that last validation. */
  samples?: SamplePrediction[];
}

export class TrainerWorker {
  /** Resolves when the run ends (with its weights); rejects with the worker's error. */
  readonly done: Promise<TrainerResult>;
  /** Every stats report so far, in order. */
  readonly history: TrainStats[] = [];
  /** The train net's layers and shapes, once the worker has built it. */
  layers: LayerRow[] | null = null;
  private statsHandlers: ((s: TrainStats) => void)[] = [];

  constructor(private readonly endpoint: Endpoint<FromWorker, ToWorker>, job: TrainJob, private readonly terminate?: () => void) {
    this.done = new Promise<TrainerResult>((resolve, reject) => {
      endpoint.listen((m) => {
        if (m.type === 'ready') this.layers = m.layers;
        else if (m.type === 'stats') {
          this.history.push(m.stats);
          for (const h of this.statsHandlers) h(m.stats);
        } else if (m.type === 'done') {
          const weights = new Map(m.weights.map(([k, shape, values]) => [k, { shape, values }]));
          resolve({ iter: m.iter, stopped: m.stopped, weights, validation: m.validation, samples: m.samples });
        } else if (m.type === 'error') reject(new Error(m.message));
      });
    });
    this.done.then(() => this.terminate?.(), () => this.terminate?.());
    endpoint.post({ type: 'start', job });
  }

  /** Calls `handler` with each stats report from now on. */
  onStats(handler: (s: TrainStats) => void): this {
    this.statsHandlers.push(handler);
    return this;
  }

  /** Asks the worker to stop after the iteration under way; `done` then resolves with `stopped: true`. */
  stop(): void {
    this.endpoint.post({ type: 'stop' });
  }
}

/** The subset of the DOM's Worker / DedicatedWorkerGlobalScope an endpoint needs. */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', handler: (e: { data: unknown }) => void): void;
}

/** An Endpoint over a Web Worker (page side) or a worker's `self` (worker side). */
export function webWorkerEndpoint<In, Out>(w: WebWorkerLike): Endpoint<In, Out> {
  return {
    post: (m, transfer) => w.postMessage(m, transfer ?? []),
    listen: (h) => w.addEventListener('message', (e) => h(e.data as In)),
  };
}
