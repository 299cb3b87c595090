/**
 * EarlyStopping: stops training after `patience` consecutive validations without a strict
 * improvement of a statistic, and puts back the weights (and update-rule history) of the best
 * validation, kept in memory. A run that reaches its end first keeps its last weights.
 *
 * Register it after the break that records the statistic (ValidationPerformance), on the same
 * schedule.
 */
import { ConfigError } from '../../core/errors.js';
import type { Solver } from '../solver.js';
import type { CoffeeBreak } from './coffee-break.js';
import { StatisticWatch, type WatchOptions } from './watch-statistic.js';

export interface EarlyStoppingOptions extends WatchOptions {
  /** Validations without improvement before stopping, an integer ≥ 1 (required). */
  patience: number;
}

export class EarlyStopping implements CoffeeBreak {
  readonly watch: StatisticWatch;
  /** Validations since the last improvement. */
  waited = 0;
  /** Iteration at which training was stopped (null while it was not). */
  stoppedAt: number | null = null;

  constructor(readonly options: EarlyStoppingOptions) {
    this.watch = new StatisticWatch('EarlyStopping', options);
    const p = options.patience;
    if (!Number.isInteger(p) || p < 1) throw new ConfigError(`EarlyStopping: option "patience" must be an integer ≥ 1, found ${JSON.stringify(p)}`);
  }

  enjoy(solver: Solver): void {
    const value = this.watch.current(solver);
    if (this.watch.improves(value)) {
      this.watch.keep(solver, value);
      this.waited = 0;
      return;
    }
    if (++this.waited < this.options.patience) return;
    this.watch.restore(solver);
    this.stoppedAt = solver.iter;
    solver.requestStop();
    this.watch.log(`iter ${String(solver.iter).padStart(6)} | early stop: ${this.options.statistic} has not improved on ${this.watch.best} (iter ${this.watch.bestIter}) for ${this.waited} validations; best weights restored`);
  }
}
