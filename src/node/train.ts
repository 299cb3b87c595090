/**
 * Training from a definition, as the CLI and the examples do it: train and test nets sharing their
 * parameters, a solver, the usual coffee breaks, snapshots, statistics, and resuming from the
 * newest snapshot in the snapshot directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import type { LayerConfig } from '../core/layer.js';
import { Net } from '../core/net.js';
import { Random } from '../core/random.js';
import type { Raw } from '../core/config.js';
import { Solver } from '../solver/solver.js';
import { TrainingSummary } from '../solver/coffee/training-summary.js';
import { ValidationPerformance } from '../solver/coffee/validation-performance.js';
import type { CoffeeBreakSettings } from './definition.js';
import { Snapshot, loadFrom } from './snapshot.js';
import { statisticsFile } from './statistics-file.js';

export interface TrainOptions {
  backend: Backend;
  layers: LayerConfig[];
  solver: Raw;
  seed?: number;
  coffeeBreaks?: CoffeeBreakSettings;
  /** Directory for snapshots and statistics (none: no snapshots, statistics kept in memory). */
  outputDir?: string;
  /** Resume from the newest snapshot in outputDir when there is one (default true). */
  resume?: boolean;
  log?: (line: string) => void;
}

export interface TrainResult {
  solver: Solver;
  trainNet: Net;
  testNet?: Net;
  /** Means of the test net's outputs after the last iteration, when there is a test net. */
  final?: Map<string, number>;
  resumedFrom: string | null;
  /** Iterations run by this call (fewer than maxIter after a resume). */
  iterationsRun: number;
  seconds: number;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const rng = new Random(o.seed ?? 42);
  const trainNet = new Net(o.layers, { backend: o.backend, phase: 'train', rng, name: 'train' });
  const hasTestData = o.layers.some((l) => l.include?.phase === 'test' && isDataType(l.type));
  const testNet = hasTestData ? new Net(o.layers, { backend: o.backend, phase: 'test', shareParamsWith: trainNet, name: 'test' }) : undefined;
  const solver = new Solver(trainNet, o.solver);
  const cb = { summaryEvery: 100, validateEvery: 1000, snapshotEvery: 5000, ...o.coffeeBreaks };
  if (cb.summaryEvery > 0) solver.addCoffeeBreak(new TrainingSummary({ log }), { everyIter: cb.summaryEvery });
  const validation = testNet ? new ValidationPerformance(testNet, { log }) : undefined;
  if (validation && cb.validateEvery > 0) solver.addCoffeeBreak(validation, { everyIter: cb.validateEvery });
  let resumedFrom: string | null = null;
  if (o.outputDir) {
    const snapshots = join(o.outputDir, 'snapshots');
    if (cb.snapshotEvery > 0) solver.addCoffeeBreak(new Snapshot(snapshots, log), { everyIter: cb.snapshotEvery });
    solver.lounge.store = statisticsFile(join(o.outputDir, 'statistics.json'));
    if ((o.resume ?? true) && existsSync(snapshots)) {
      resumedFrom = await loadFrom(solver, snapshots);
      if (resumedFrom) log(`resuming from ${resumedFrom} at iteration ${solver.iter}`);
    }
    solver.lounge.loadFromStore(solver.iter);
  }
  const startIter = solver.iter;
  const start = performance.now();
  await solver.solve();
  const seconds = (performance.now() - start) / 1000;
  let final: Map<string, number> | undefined;
  if (validation && validation.lastIter === solver.iter) {
    final = validation.last;
  } else if (validation) {
    final = validation.evaluate();
    for (const [k, v] of final) solver.lounge.update(`validation/${k}`, solver.iter, v);
    solver.lounge.save();
  }
  return { solver, trainNet, testNet, final, resumedFrom, iterationsRun: solver.iter - startIter, seconds };
}

function isDataType(type: string): boolean {
  return /Data$/.test(type);
}
