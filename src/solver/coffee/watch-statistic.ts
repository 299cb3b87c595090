/**
 * What DecayOnValidation and EarlyStopping share: reading the newest value of a lounge statistic
 * (recorded by an earlier break, typically ValidationPerformance, at the current iteration),
 * comparing it with the best so far, and keeping the solver as it was at the best value in memory
 * (weights and update-rule history) so that it can be put back without any file.
 */
import type { HostArray } from '../../backend/backend.js';
import { ConfigError } from '../../core/errors.js';
import type { Solver } from '../solver.js';

export type Better = 'higher' | 'lower';

export interface WatchOptions {
  /** Lounge statistic to watch, e.g. 'validation/accuracy' or 'validation/loss' (required). */
  statistic: string;
  /** Whether a 'higher' or a 'lower' value is an improvement (required: no guess from the name). */
  better: Better;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
}

/** The solver at its best value: weights by parameter key and the update-rule history. */
interface Kept {
  weights: Map<string, HostArray>;
  history: Map<string, HostArray>;
}

export class StatisticWatch {
  /** Best value seen (NaN before the first). */
  best = NaN;
  /** Iteration of the best value (-1 before the first). */
  bestIter = -1;
  private kept: Kept | null = null;

  constructor(readonly owner: string, readonly options: WatchOptions) {
    if (typeof options.statistic !== 'string' || options.statistic === '') {
      throw new ConfigError(`${owner}: option "statistic" must be a lounge statistic name such as 'validation/accuracy', found ${JSON.stringify(options.statistic)}`);
    }
    if (options.better !== 'higher' && options.better !== 'lower') {
      throw new ConfigError(`${owner}: option "better" must be 'higher' or 'lower', found ${JSON.stringify(options.better)}`);
    }
  }

  /** The statistic's value recorded at the solver's current iteration; a clear error when there is none. */
  current(solver: Solver): number {
    const { statistic } = this.options;
    const list = solver.lounge.get(statistic);
    const lastIter = list.length ? list[list.length - 1][0] : null;
    if (lastIter !== solver.iter) {
      const found = lastIter === null ? `none was ever recorded (known: ${solver.lounge.names().join(', ') || 'none'})` : `the latest is from iteration ${lastIter}`;
      throw new ConfigError(`${this.owner}: statistic "${statistic}" has no value at iteration ${solver.iter}: ${found}. Add the break that records it (e.g. ValidationPerformance) before this one, on the same schedule`);
    }
    return list[list.length - 1][1];
  }

  /** Whether `value` strictly improves on the best so far (the first value always does). */
  improves(value: number): boolean {
    if (this.bestIter < 0) return true;
    return this.options.better === 'higher' ? value > this.best : value < this.best;
  }

  /** Whether `value` is strictly worse than the best so far. */
  worsens(value: number): boolean {
    if (this.bestIter < 0) return false;
    return this.options.better === 'higher' ? value < this.best : value > this.best;
  }

  /** Records `value` as the best and keeps the solver's weights and history. */
  keep(solver: Solver, value: number): void {
    this.best = value;
    this.bestIter = solver.iter;
    const weights = new Map<string, HostArray>();
    for (const p of solver.net.params) weights.set(p.key, p.blob.read().slice() as HostArray);
    this.kept = { weights, history: solver.getState().history };
  }

  /** Puts back the kept weights and history; iteration, random state and data position go on. */
  restore(solver: Solver): void {
    if (!this.kept) return;
    for (const p of solver.net.params) {
      const w = this.kept.weights.get(p.key);
      if (w) p.blob.write(w);
    }
    solver.setHistory(this.kept.history);
  }

  log(line: string): void {
    (this.options.log ?? ((l: string) => console.log(l)))(line);
  }
}
