/**
 * DecayOnValidation (Mocha's): when a validation statistic gets worse than the best so far, the
 * learning rate is multiplied by `factor` (through the solver's lrScale, on top of the policy) and
 * the solver rolls back to its weights and update-rule history at the best value, kept in memory.
 * The iteration, random state and data position go on: the roll-back is in weights, not in time.
 * An equal value is neither an improvement nor a decline.
 *
 * Register it after the break that records the statistic (ValidationPerformance), on the same
 * schedule. Records 'lrScale' in the lounge at each decay.
 */
import { ConfigError } from '../../core/errors.js';
import type { Solver } from '../solver.js';
import type { CoffeeBreak } from './coffee-break.js';
import { StatisticWatch, type WatchOptions } from './watch-statistic.js';

export interface DecayOnValidationOptions extends WatchOptions {
  /** Learning-rate multiplier applied at each decline, in (0, 1) (required; e.g. 0.5). */
  factor: number;
}

export class DecayOnValidation implements CoffeeBreak {
  readonly watch: StatisticWatch;
  /** Number of declines so far. */
  decays = 0;

  constructor(readonly options: DecayOnValidationOptions) {
    this.watch = new StatisticWatch('DecayOnValidation', options);
    const f = options.factor;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) {
      throw new ConfigError(`DecayOnValidation: option "factor" must be a number in (0, 1), found ${JSON.stringify(f)}`);
    }
  }

  enjoy(solver: Solver): void {
    const value = this.watch.current(solver);
    if (this.watch.improves(value)) {
      this.watch.keep(solver, value);
    } else if (this.watch.worsens(value)) {
      this.decays++;
      solver.lrScale *= this.options.factor;
      this.watch.restore(solver);
      solver.lounge.update('lrScale', solver.iter, solver.lrScale);
      this.watch.log(`iter ${String(solver.iter).padStart(6)} | ${this.options.statistic} ${value} worse than ${this.watch.best} (iter ${this.watch.bestIter}): lr × ${this.options.factor}, weights back to iter ${this.watch.bestIter}`);
    }
  }
}
