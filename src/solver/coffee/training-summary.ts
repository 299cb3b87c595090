/**
 * TrainingSummary: a progress line every n iterations (iteration, loss, learning rate, momentum,
 * images per second since the last line), and the same values recorded in the coffee lounge as
 * 'loss', 'lr' and 'images/s'.
 */
import type { Solver } from '../solver.js';
import type { CoffeeBreak } from './coffee-break.js';

export interface TrainingSummaryOptions {
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export class TrainingSummary implements CoffeeBreak {
  private lastTime = 0;
  private lastIter = 0;
  private readonly log: (line: string) => void;

  constructor(options: TrainingSummaryOptions = {}) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  init(solver: Solver): void {
    this.lastTime = performance.now();
    this.lastIter = solver.iter;
  }

  enjoy(solver: Solver): void {
    const now = performance.now();
    // A data-parallel run counts every rank's images (each serves a batch per iteration).
    const images = (solver.iter - this.lastIter) * solver.net.batchSize * (solver.gradientSync?.size ?? 1);
    const rate = images / Math.max(1e-9, (now - this.lastTime) / 1000);
    this.lastTime = now;
    this.lastIter = solver.iter;
    const loss = solver.loss;
    const lr = solver.learningRate;
    solver.lounge.update('loss', solver.iter, loss);
    solver.lounge.update('lr', solver.iter, lr);
    solver.lounge.update('images/s', solver.iter, rate);
    this.log(`iter ${String(solver.iter).padStart(6)} | loss ${loss.toFixed(6)} | lr ${lr.toPrecision(4)} | momentum ${solver.momentum.toFixed(3)} | ${Math.round(rate)} images/s`);
  }
}
