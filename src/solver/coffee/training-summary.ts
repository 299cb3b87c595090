/**
 * TrainingSummary: a progress line every n iterations (iteration, loss, learning rate, momentum,
 * images per second since the last line, and the time left to maxIter at the run's mean speed),
 * and the same values recorded in the coffee lounge as 'loss', 'lr' and 'images/s'. With dynamic
 * loss scaling, the line ends with the loss scale and the updates skipped so far, and the scale
 * is recorded as 'lossScale'.
 *
 * When it starts it prints a header (the iterations to run, batch, update rule, backend). With
 * `every`, it is registered with `{ everyIter: 1 }` and also prints a line after the first
 * iteration of each run (not recorded in the lounge, so a resumed run records what an uninterrupted
 * one does): a slow net shows its speed at once instead of after n iterations.
 */
import type { Solver } from '../solver.js';
import type { CoffeeBreak } from './coffee-break.js';
import { formatScale } from '../loss-scale.js';

export interface TrainingSummaryOptions {
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
  /**
   * Print (and record) a line every `every` iterations, plus one after the first iteration; the
   * break is then registered with `{ everyIter: 1 }`. Without it, every call prints and records
   * one (the schedule decides), with no early line.
   */
  every?: number;
}

export class TrainingSummary implements CoffeeBreak {
  private lastTime = 0;
  private lastIter = 0;
  private startTime = 0;
  private startIter = 0;
  private readonly log: (line: string) => void;
  private readonly every: number | undefined;

  constructor(options: TrainingSummaryOptions = {}) {
    this.log = options.log ?? ((line) => console.log(line));
    const every = options.every;
    if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
      throw new RangeError(`TrainingSummary: option "every" must be an integer ≥ 1, found ${every}`);
    }
    this.every = every;
  }

  init(solver: Solver): void {
    this.lastTime = this.startTime = performance.now();
    this.lastIter = this.startIter = solver.iter;
    const s = solver.settings;
    const left = s.maxIter - solver.iter;
    const range = left > 0 ? `iterations ${solver.iter + 1} to ${s.maxIter}` : `no iteration left (maxIter ${s.maxIter})`;
    const decay = s.weightDecay ? `, weight decay ${s.weightDecay} ${s.regularization}` : '';
    this.log(`train | ${range} | batch ${solver.net.batchSize} | ${s.method}${decay}, lr ${formatRate(solver.learningRate)} | backend ${solver.net.backend.name}`);
  }

  enjoy(solver: Solver): void {
    const now = performance.now();
    if (this.every !== undefined) {
      if (solver.iter === this.startIter + 1 && this.every > 1) this.log(this.line(solver, now, solver.loss).text);
      if (solver.iter % this.every !== 0) return;
    }
    const loss = solver.loss;
    const { text, rate } = this.line(solver, now, loss);
    this.lastTime = now;
    this.lastIter = solver.iter;
    solver.lounge.update('loss', solver.iter, loss);
    solver.lounge.update('lr', solver.iter, solver.learningRate);
    solver.lounge.update('images/s', solver.iter, rate);
    if (solver.lossScaling.type === 'dynamic') solver.lounge.update('lossScale', solver.iter, solver.lossScale);
    this.log(text);
  }

  /** The progress line at `now`: loss, lr, momentum, images/s since the last line, time left at the run's mean speed. */
  private line(solver: Solver, now: number, loss: number): { text: string; rate: number } {
    // A data-parallel run counts every rank's images (each serves a batch per iteration).
    const images = (solver.iter - this.lastIter) * solver.net.batchSize * (solver.gradientSync?.size ?? 1);
    const rate = images / Math.max(1e-9, (now - this.lastTime) / 1000);
    const done = solver.iter - this.startIter;
    const left = Math.max(0, solver.settings.maxIter - solver.iter);
    const eta = done > 0 ? formatDuration((left * (now - this.startTime)) / done / 1000) : '?';
    const scaling = solver.lossScaling.type === 'dynamic' ? ` | loss scale ${formatScale(solver.lossScale)}, ${solver.skippedSteps} skipped` : '';
    const text = `iter ${String(solver.iter).padStart(6)} | loss ${formatLoss(loss)} | lr ${formatRate(solver.learningRate)} | momentum ${solver.momentum.toFixed(3)} | ${Math.round(rate)} images/s | eta ${eta}${scaling}`;
    return { text, rate };
  }
}

/** A loss or other unbounded statistic, as every progress line, validation line and summary prints it. */
export function formatLoss(v: number): string {
  return v.toFixed(6);
}

/** A learning rate: four significant digits. */
export function formatRate(v: number): string {
  return v.toPrecision(4);
}

/** A named statistic: accuracies (names holding "acc") as a percentage with two decimals, others as formatLoss. */
export function formatStatistic(name: string, v: number): string {
  return name.includes('acc') ? `${(v * 100).toFixed(2)}%` : formatLoss(v);
}

/** Seconds as "42s", "3m05s" or "2h07m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
