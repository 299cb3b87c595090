/**
 * The fuzz engine: runs the cases of each target, in a fresh child process per target, until the
 * target's share of the time budget or its case budget is spent.
 */
import { CaseRunner } from './runner.js';
import { badCount, newTargetReport, record, type FuzzReport } from './report.js';
import { TIME_LIMITS, type TargetName } from './targets.js';

export interface FuzzOptions {
  seed: number;
  targets: readonly TargetName[];
  /** Cases per target (default: as many as the time allows). */
  cases?: number;
  /** Seconds for all targets together (default: no limit; then `cases` must be given). */
  seconds?: number;
  /** Run only this case number (replay). */
  only?: number;
  /** Examples kept per bad class and target (default 5). */
  examples?: number;
  /** Called after every case (progress). */
  onCase?: (target: string, index: number) => void;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: o.seed, targets: {}, bad: 0 };
  const share = o.seconds !== undefined ? (o.seconds * 1000) / o.targets.length : Infinity;
  for (const target of o.targets) {
    const tr = (report.targets[target] = newTargetReport());
    const runner = new CaseRunner();
    const start = Date.now();
    try {
      const first = o.only ?? 0;
      const last = o.only !== undefined ? o.only : (o.cases ?? Infinity) - 1;
      for (let index = first; index <= last && Date.now() - start < share; index++) {
        const outcome = await runner.run({ target, seed: o.seed, index }, TIME_LIMITS[target]);
        record(tr, { ...outcome, target, seed: o.seed, index }, o.examples ?? 5, o.only !== undefined);
        o.onCase?.(target, index);
      }
    } finally {
      runner.close();
      tr.seconds = (Date.now() - start) / 1000;
    }
  }
  report.bad = badCount(report);
  return report;
}
