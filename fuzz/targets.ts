/**
 * The fuzz targets by name. Each case runs in a child process (child.ts) under a time limit and a
 * memory limit enforced by the parent (runner.ts); `timeLimitMs` is that limit for one case.
 */
import type { CaseOutcome } from './outcome.js';
import type { FuzzRng } from './random.js';

export interface CaseContext {
  /** A scratch folder of the child process, removed when it exits. */
  dir: string;
  /** Tells the parent what the case is about to run, so that a hang or kill can show its input. */
  announce(input: string): void;
}

export interface Target {
  name: string;
  timeLimitMs: number;
  run(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome>;
}

export const TARGET_NAMES = ['nets', 'solver', 'hdf5', 'cli', 'exchange'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TIME_LIMITS: Record<TargetName, number> = { nets: 5000, solver: 5000, hdf5: 8000, cli: 20000, exchange: 10000 };

/** Loads a target's module (only in the child, so the parent stays light). */
export async function loadTarget(name: TargetName): Promise<Target> {
  const timeLimitMs = TIME_LIMITS[name];
  switch (name) {
    case 'nets': return { name, timeLimitMs, run: (await import('./nets.js')).netCase };
    case 'solver': return { name, timeLimitMs, run: (await import('./solver.js')).solverCase };
    case 'hdf5': return { name, timeLimitMs, run: (await import('./hdf5.js')).hdf5Case };
    case 'cli': return { name, timeLimitMs, run: (await import('./cli.js')).cliCase };
    case 'exchange': return { name, timeLimitMs, run: (await import('./exchange.js')).exchangeCase };
  }
}
