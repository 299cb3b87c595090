/**
 * The fuzz report: cases per target and outcome class, and the first examples of every bad class,
 * each with the seed and case number that replay it alone.
 */
import { BAD_CLASSES, CLASSES, type CaseOutcome, type OutcomeClass } from './outcome.js';

export interface Example extends CaseOutcome {
  target: string;
  seed: number;
  index: number;
}

export interface TargetReport {
  cases: number;
  seconds: number;
  counts: Record<OutcomeClass, number>;
  examples: Example[];
}

export interface FuzzReport {
  seed: number;
  targets: Record<string, TargetReport>;
  /** Bad outcomes summed over the targets; the bar is zero. */
  bad: number;
}

const perClass = (): Record<OutcomeClass, number> => Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;

export function newTargetReport(): TargetReport {
  return { cases: 0, seconds: 0, counts: perClass(), examples: [] };
}

/** Counts an outcome; keeps it as an example when its class is bad (or `all`) and has fewer than `keep`. */
export function record(r: TargetReport, ex: Example, keep: number, all = false): void {
  r.cases++;
  r.counts[ex.cls]++;
  if ((all || BAD_CLASSES.includes(ex.cls)) && r.examples.filter((e) => e.cls === ex.cls).length < keep) r.examples.push(ex);
}

export function badCount(report: FuzzReport): number {
  return Object.values(report.targets).reduce((n, t) => n + BAD_CLASSES.reduce((m, c) => m + t.counts[c], 0), 0);
}

/** The report as text: a table of counts, then the examples with their replay commands. */
export function formatReport(report: FuzzReport): string {
  const lines = [`fuzz seed ${report.seed}`, `${'target'.padEnd(9)}${'cases'.padStart(8)}${CLASSES.map((c) => c.padStart(11)).join('')}`];
  for (const [name, t] of Object.entries(report.targets)) {
    lines.push(`${name.padEnd(9)}${String(t.cases).padStart(8)}${CLASSES.map((c) => String(t.counts[c]).padStart(11)).join('')}`);
  }
  for (const t of Object.values(report.targets)) {
    for (const e of t.examples) {
      lines.push('', `[${e.cls}] ${e.target} seed ${e.seed} case ${e.index}  (replay: npm run fuzz -- --target ${e.target} --seed ${e.seed} --case ${e.index})`,
        `  input: ${e.input}`, `  found: ${e.detail}`);
    }
  }
  lines.push('', report.bad === 0 ? 'bar met: no other exceptions, hangs, kills, unnamed messages or silent acceptances' : `bar NOT met: ${report.bad} bad cases`);
  return lines.join('\n');
}
