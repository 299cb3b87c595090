/**
 * The messages between a page (or Node's main thread) and a training worker (./trainer.ts).
 * Plain structured-clone data: typed arrays travel as transferables.
 */
import type { LayerConfig } from '../core/layer.js';
import type { Raw } from '../core/config.js';
import type { LayerRow } from '../dashboard/state.js';
import type { SamplePrediction } from '../dashboard/samples.js';

/** What to train: a definition (layers, data included) and solver settings. */
export interface TrainJob {
  layers: LayerConfig[];
  solver: Raw;
  /** Random seed (default 42). */
  seed?: number;
  /** Backend name, resolved by the worker's backend factory (default 'js'). */
  backend?: string;
  /** Post a `stats` message every this many iterations (default 10). */
  statsEvery?: number;
  /** Validate on the test-phase net every this many iterations (default 0: only at the end), when the definition has test data. */
  validateEvery?: number;
}

export type ToWorker = { type: 'start'; job: TrainJob } | { type: 'stop' };

/** One progress report: the iteration, its loss and lr, images/s since the last report, validation outputs when just measured. */
export interface TrainStats {
  iter: number;
  maxIter: number;
  loss: number;
  lr: number;
  imagesPerSecond: number;
  validation?: Record<string, number>;
  /** A few test inputs with their predictions, when just validated (src/dashboard/samples.ts). */
  samples?: SamplePrediction[];
}

export type FromWorker =
  | { type: 'ready'; layers: LayerRow[] }
  | { type: 'stats'; stats: TrainStats }
  | { type: 'done'; iter: number; stopped: boolean; weights: [key: string, shape: number[], values: Float32Array | Float64Array][]; validation?: Record<string, number>; samples?: SamplePrediction[] }
  | { type: 'error'; message: string };

/** A message endpoint: a Web Worker, its `self`, or a Node worker_threads port behind an adapter. */
export interface Endpoint<In, Out> {
  post(message: Out, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: In) => void): void;
}
