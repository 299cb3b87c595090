/**
 * Training from a definition, as the CLI and the examples do it: train and test nets sharing their
 * parameters, a solver, the usual coffee breaks, snapshots, statistics, and resuming from the
 * newest usable snapshot in the snapshot directory (see loadFrom in ./snapshot.ts for damaged ones).
 *
 * Statistics on resume: those the snapshot carries, completed by statistics.json up to the
 * snapshot's iteration. An unreadable statistics.json (cut by a crash, edited by hand) is moved
 * aside to `statistics.unreadable-<time>.json`, with a warning, and the run goes on.
 */
import { existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Backend } from '../backend/backend.js';
import type { LayerConfig } from '../core/layer.js';
import { Net } from '../core/net.js';
import { Random, checkSeed } from '../core/random.js';
import type { Raw } from '../core/config.js';
import { Solver } from '../solver/solver.js';
import { TrainingSummary } from '../solver/coffee/training-summary.js';
import { ValidationPerformance } from '../solver/coffee/validation-performance.js';
import { parseCoffeeBreaks, type CoffeeBreakSettings } from './definition.js';
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
  /**
   * A weights file or snapshot file to take the initial weights from (fine-tuning) when the run
   * does not resume; only the weights are taken (see loadFrom).
   */
  initFrom?: string;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Warnings: damaged snapshots skipped, missing parameters... (default: `log` when given, else console.warn). */
  warn?: (line: string) => void;
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
  const warn = o.warn ?? o.log ?? ((l: string) => console.warn(l));
  const rng = new Random(o.seed === undefined ? 42 : checkSeed(o.seed, 'train: option "seed"'));
  const trainNet = new Net(o.layers, { backend: o.backend, phase: 'train', rng, name: 'train' });
  const hasTestData = o.layers.some((l) => l.include?.phase === 'test' && isDataType(l.type));
  const testNet = hasTestData ? new Net(o.layers, { backend: o.backend, phase: 'test', shareParamsWith: trainNet, name: 'test' }) : undefined;
  const solver = new Solver(trainNet, o.solver);
  const cb = { summaryEvery: 100, validateEvery: 1000, snapshotEvery: 5000, ...parseCoffeeBreaks(o.coffeeBreaks ?? {}, 'train: option "coffeeBreaks"') };
  if (cb.summaryEvery > 0) solver.addCoffeeBreak(new TrainingSummary({ log }), { everyIter: cb.summaryEvery });
  const validation = testNet ? new ValidationPerformance(testNet, { log }) : undefined;
  if (validation && cb.validateEvery > 0) solver.addCoffeeBreak(validation, { everyIter: cb.validateEvery });
  let resumedFrom: string | null = null;
  if (o.outputDir) {
    const snapshots = join(o.outputDir, 'snapshots');
    if (cb.snapshotEvery > 0) solver.addCoffeeBreak(new Snapshot(snapshots, log), { everyIter: cb.snapshotEvery });
    const statsPath = join(o.outputDir, 'statistics.json');
    solver.lounge.store = statisticsFile(statsPath);
    if ((o.resume ?? true) && existsSync(snapshots)) {
      resumedFrom = await loadFrom(solver, snapshots, { log: warn });
      if (resumedFrom) log(`resuming from ${resumedFrom} at iteration ${solver.iter}`);
    }
    loadStatistics(solver, statsPath, resumedFrom !== null, warn);
  }
  if (o.initFrom !== undefined) {
    if (resumedFrom) warn(`cortado: initFrom "${o.initFrom}" not used: the run resumes from ${resumedFrom}`);
    else log(`initial weights from ${await loadFrom(trainNet, o.initFrom, { log: warn })}`);
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

/** Adds statistics.json's values up to the current iteration, without overriding the snapshot's. */
function loadStatistics(solver: Solver, path: string, resumed: boolean, warn: (line: string) => void): void {
  const fromSnapshot = solver.lounge.toJSON();
  try {
    solver.lounge.loadFromStore(solver.iter);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    const aside = join(dirname(path), `statistics.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    renameSync(path, aside);
    const then = resumed ? 'went on with the statistics the snapshot holds' : 'started a new one';
    warn(`cortado: ${e.message.replace(/; move it away.*$/, '')}; moved it to ${aside} and ${then}`);
  }
  solver.lounge.merge(fromSnapshot);
}

function isDataType(type: string): boolean {
  return /Data$/.test(type);
}
