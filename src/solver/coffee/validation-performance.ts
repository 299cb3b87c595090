/**
 * ValidationPerformance: runs the test net over one epoch of its data and records the mean of
 * each of its outputs (accuracy, losses) in the coffee lounge as 'validation/<top name>'.
 *
 * The test net shares its parameters with the train net (build it with `shareParamsWith`), so it
 * always sees the current weights. One epoch ends when its data layer's epoch counter moves; each
 * batch counts once (make the batch size divide the test set for an exact average, as Caffe's
 * test_iter × batch does).
 *
 * In a data-parallel run (option `reduce`, test net built with the rank's `shard`), the ranks split
 * the epoch and the means are over all their batches: those of one process whose test batch is
 * size × the batch.
 *
 * A non-finite output (a NaN in the test data, say) stops the validation with a NumericError naming
 * the first layer that produced it, rather than averaging into a meaningless figure; accuracy
 * layers count a NaN score as a wrong answer.
 */
import { ConfigError, NumericError } from '../../core/errors.js';
import type { Net } from '../../core/net.js';
import type { Solver } from '../solver.js';
import type { CoffeeBreak } from './coffee-break.js';
import { formatStatistic } from './training-summary.js';

export interface ValidationOptions {
  log?: (line: string) => void;
  /** Upper bound on batches per validation (default 1e6), against a data layer without epochs. */
  maxBatches?: number;
  /**
   * Data-parallel validation: sums small host values over the ranks, in place (a GradientSync's
   * sumScalars). Each rank's test net then serves its share of the test set (its `shard`), and the
   * means are over every rank's batches.
   */
  reduce?: (values: Float64Array) => void;
  /** Called after the first batch's forward pass, with the test net (the dashboard reads sample predictions there). */
  afterFirstBatch?: (testNet: Net) => void;
}

export class ValidationPerformance implements CoffeeBreak {
  private readonly log: (line: string) => void;
  /** The means of the last validation by output name. */
  last = new Map<string, number>();
  /** The iteration of the last validation run by `enjoy` (-1 before any). */
  lastIter = -1;

  constructor(readonly testNet: Net, private readonly options: ValidationOptions = {}) {
    if (testNet.dataLayers.length === 0) throw new ConfigError(`ValidationPerformance: the test net "${testNet.name}" has no data layer`);
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Runs one epoch and returns the mean of every output. */
  evaluate(): Map<string, number> {
    const net = this.testNet;
    const start = net.epoch;
    const sums = new Map<string, number>();
    let batches = 0;
    const max = this.options.maxBatches ?? 1e6;
    while (net.epoch === start && batches < max) {
      net.forward();
      batches++;
      if (batches === 1) this.options.afterFirstBatch?.(net);
      for (const [k, v] of net.outputs()) {
        if (!Number.isFinite(v)) {
          throw new NumericError(`${net.name}: output "${k}" is ${v} in validation batch ${batches}; ${net.findNonFinite()}. Check the test data.`);
        }
        sums.set(k, (sums.get(k) ?? 0) + v);
      }
    }
    if (this.options.reduce) {
      // Every rank has the same outputs in the same order (same definition).
      const all = Float64Array.from([batches, ...sums.values()]);
      this.options.reduce(all);
      batches = all[0]!;
      [...sums.keys()].forEach((k, i) => sums.set(k, all[i + 1]!));
    }
    const means = new Map([...sums].map(([k, v]) => [k, v / batches] as [string, number]));
    this.last = means;
    return means;
  }

  enjoy(solver: Solver): void {
    const means = this.evaluate();
    this.lastIter = solver.iter;
    const parts: string[] = [];
    for (const [k, v] of means) {
      solver.lounge.update(`validation/${k}`, solver.iter, v);
      parts.push(`${k} ${formatStatistic(k, v)}`);
    }
    this.log(`iter ${String(solver.iter).padStart(6)} | validation | ${parts.join(' | ')}`);
  }
}
