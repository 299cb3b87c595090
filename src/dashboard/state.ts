/**
 * What a training dashboard shows, as plain JSON: progress, the latest loss, learning rate and
 * images/s, the learning curves (the coffee lounge's statistics), the net's layers and shapes, and
 * sample predictions from the latest validation (./samples.ts) when the caller provides them.
 * Browser-safe: built from a Solver in the page, in a worker, or in Node (src/node/dashboard.ts).
 */
import type { Net } from '../core/net.js';
import type { Statistics } from '../solver/coffee/lounge.js';
import type { Solver } from '../solver/solver.js';
import type { SamplePrediction } from './samples.js';

/** One layer as the dashboard lists it: its tops with their shapes. */
export interface LayerRow {
  name: string;
  type: string;
  bottoms: string[];
  tops: { name: string; shape: number[] }[];
}

export interface DashboardState {
  /** Shown as the page's title. */
  title: string;
  /** Completed iterations, and the iteration the run trains to. */
  iter: number;
  maxIter: number;
  /** False once the run has ended (or was stopped). */
  running: boolean;
  /** Objective of the last forward pass (null before the first iteration). */
  loss: number | null;
  /** Learning rate of the current iteration. */
  lr: number;
  /** Training throughput measured between the last two states (null until there are two). */
  imagesPerSecond: number | null;
  /** The latest validation outputs ("validation/accuracy"...), by name. */
  validation: Record<string, number>;
  /** The learning curves: every statistic recorded so far. */
  statistics: Statistics;
  layers: LayerRow[];
  /** A few test inputs with their predicted and true class, from the latest validation (./samples.ts). */
  samples?: SamplePrediction[];
  /** Milliseconds since the epoch when this state was taken. */
  time: number;
}

/** The layers of `net` with the shapes of their tops. */
export function layerRows(net: Net): LayerRow[] {
  return net.layers.map((l) => {
    const cfg = l.config as { bottoms?: string[]; tops?: string[] };
    const tops = (cfg.tops ?? []).filter((t) => net.blobs.has(t));
    return { name: l.name, type: l.type, bottoms: [...(cfg.bottoms ?? [])], tops: tops.map((t) => ({ name: t, shape: [...net.blob(t).shape] })) };
  });
}

/**
 * Takes dashboard states from a solver; images/s is measured between successive `take()` calls
 * (over at least `minWindowMs`, so that frequent polls do not make it jumpy).
 */
export class DashboardRecorder {
  private last: { time: number; iter: number } | null = null;
  private rate: number | null = null;
  private readonly layers: LayerRow[];
  running = true;
  /** Where the latest sample predictions come from (none by default). */
  samples?: () => SamplePrediction[];

  constructor(readonly solver: Solver, readonly title = 'Cortado training', private readonly minWindowMs = 500) {
    this.layers = layerRows(solver.net);
  }

  take(): DashboardState {
    const s = this.solver;
    const now = performance.now();
    if (!this.last || s.iter < this.last.iter) this.last = { time: now, iter: s.iter };
    else if (now - this.last.time >= this.minWindowMs) {
      if (s.iter > this.last.iter || !this.running) this.rate = ((s.iter - this.last.iter) * s.net.batchSize) / ((now - this.last.time) / 1000);
      this.last = { time: now, iter: s.iter };
    }
    const statistics = s.lounge.toJSON();
    const validation: Record<string, number> = {};
    for (const [k, v] of Object.entries(statistics)) if (k.startsWith('validation/') && v.length) validation[k] = v[v.length - 1][1];
    return {
      title: this.title,
      iter: s.iter,
      maxIter: s.settings.maxIter,
      running: this.running,
      loss: s.iter > 0 ? s.loss : null,
      lr: s.learningRate,
      // Until two takes are far enough apart (a page opened after the run), the last summary's figure.
      imagesPerSecond: this.rate ?? statistics['images/s']?.at(-1)?.[1] ?? null,
      validation,
      statistics,
      layers: this.layers,
      ...(this.samples ? { samples: this.samples() } : {}),
      time: Date.now(),
    };
  }
}
