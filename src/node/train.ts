/**
 * Training from a definition, as the CLI and the examples do it: train and test nets sharing their
 * parameters, a solver, the usual coffee breaks, snapshots, statistics, and resuming from the
 * newest usable snapshot in the snapshot directory (see loadFrom in ./snapshot.ts for damaged ones).
 *
 * Statistics on resume: those the snapshot carries, completed by statistics.json up to the
 * snapshot's iteration. An unreadable statistics.json (cut by a crash, edited by hand) is moved
 * aside to `statistics.unreadable-<time>.json`, with a warning, and the run goes on.
 *
 * The output folder belongs to one run at a time (a lock, see ./run-folder.ts); a fresh start moves
 * an earlier run's files aside to `<outputDir>/previous-<time>/`; a resume with other settings than
 * the snapshot's (seed, layers, solver) warns, naming each difference (./run-settings.ts). SIGINT
 * and SIGTERM stop the run after the iteration under way (./stop-on-signal.ts). A run that ends,
 * by reaching maxIter, a stop request or a signal, writes a final snapshot when its last iteration
 * has none yet (Caffe's snapshot_after_train); a run that fails (NumericError...) does not, so the
 * last good snapshot stays the newest.
 *
 * Distributed (option `distributed`, docs/distributed.md): every rank builds the nets with its
 * shard of the data; rank 0 alone holds the folder, resumes or loads initial weights, logs, writes
 * snapshots and statistics; its weights, solver history and state then go to every rank, the
 * solver averages gradients over the ranks, and validation is split across them and reduced.
 */
import { existsSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, DataError } from '../core/errors.js';
import type { Backend } from '../backend/backend.js';
import type { LayerConfig } from '../core/layer.js';
import { Net } from './net.js';
import type { Net as CoreNet } from '../core/net.js';
import { Random, checkSeed } from '../core/random.js';
import type { Untyped } from '../core/config.js';
import type { LayerDefinition } from '../layers/definitions.js';
import { Solver, type SolverConfig } from '../solver/solver.js';
import { TrainingSummary } from '../solver/coffee/training-summary.js';
import { ValidationPerformance } from '../solver/coffee/validation-performance.js';
import { DEFAULT_WATCH, parseCoffeeBreaks, type CoffeeBreakSettings } from './definition.js';
import { DecayOnValidation } from '../solver/coffee/decay-on-validation.js';
import { EarlyStopping } from '../solver/coffee/early-stopping.js';
import type { CoffeeBreak } from '../solver/coffee/coffee-break.js';
import { lockFolder, moveAsidePreviousRun } from './run-folder.js';
import { runSettings, settingsDifferences, type RunSettings } from './run-settings.js';
import { Snapshot, loadFrom } from './snapshot.js';
import { statisticsFile } from './statistics-file.js';
import { StopOnSignal } from './stop-on-signal.js';
import { serveDashboard, type Dashboard } from './dashboard.js';
import type { Communicator } from './distributed/communicator.js';
import type { BucketOptions } from './distributed/gradient-sync.js';
import { broadcastTrainingState, checkSameWeights, checkShardable, createGradientSync } from './distributed/setup.js';
import { captureSamples, type SamplePrediction } from '../dashboard/samples.js';

export interface TrainOptions {
  backend: Backend;
  /** The net's layers: typed literals are checked at compile time, JSON (LayerConfig) values at run time. */
  layers: readonly LayerDefinition[];
  /** Solver settings: a SolverConfig, or settings read from JSON (Raw), checked at run time. */
  solver: SolverConfig | Untyped;
  seed?: number;
  coffeeBreaks?: CoffeeBreakSettings;
  /** Directory for snapshots and statistics (none: no snapshots, statistics kept in memory); locked while the run goes on. */
  outputDir?: string;
  /**
   * Resume from the newest snapshot in outputDir when there is one (default true). When false, an
   * earlier run's snapshots and statistics in outputDir are first moved to `<outputDir>/previous-<time>/`.
   */
  resume?: boolean;
  /**
   * A weights file or snapshot file to take the initial weights from (fine-tuning) when the run
   * does not resume; only the weights are taken (see loadFrom). A folder holding no snapshot is an error.
   */
  initFrom?: string;
  /** Stop well on SIGINT and SIGTERM (default true; see ./stop-on-signal.ts). */
  stopOnSignals?: boolean;
  /** The command that resumes this run, for the line printed after a stop by signal (default: "the same command again"). */
  resumeCommand?: string;
  /**
   * Serve a live dashboard on 127.0.0.1 while training (./dashboard.ts): its URL is logged when it
   * starts. It closes when the run ends, unless `keep` is set: then it stays up, marked ended, and
   * TrainResult.dashboard holds it for the caller to close.
   */
  dashboard?: { port?: number; keep?: boolean; title?: string };
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Warnings: damaged snapshots skipped, missing parameters... (default: `log` when given, else console.warn). */
  warn?: (line: string) => void;
  /**
   * Data-parallel training over a communicator (startMpi() in a process started by mpirun): every
   * rank calls train() with the same options; see docs/distributed.md.
   */
  distributed?: DistributedOptions;
}

export interface DistributedOptions extends BucketOptions {
  communicator: Communicator;
}

export interface TrainResult {
  solver: Solver<Net>;
  trainNet: Net;
  testNet?: Net;
  /** Means of the test net's outputs after the last iteration, when there is a test net (not after a stop by signal). */
  final?: Map<string, number>;
  resumedFrom: string | null;
  /** Iterations run by this call (fewer than maxIter after a resume). */
  iterationsRun: number;
  seconds: number;
  /** The signal that stopped the run before maxIter, or null. */
  stoppedBy: NodeJS.Signals | null;
  /** The snapshot written as the run ended, or null (no outputDir, no iteration run, or the last one snapshotted already). */
  finalSnapshot: string | null;
  /** Where a fresh start moved an earlier run's files, or null. */
  movedAside: string | null;
  /** The dashboard, still serving, when options.dashboard.keep was set. */
  dashboard?: Dashboard;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const comm = o.distributed?.communicator;
  const root = !comm || comm.rank === 0;
  // Only rank 0 logs, writes and holds the folder; other ranks' warnings say which rank they come from.
  const log = root ? (o.log ?? ((l: string) => console.log(l))) : () => {};
  const baseWarn = o.warn ?? o.log ?? ((l: string) => console.warn(l));
  const warn = root ? baseWarn : (l: string) => baseWarn(`rank ${comm!.rank}: ${l}`);
  const lock = o.outputDir && root ? lockFolder(o.outputDir, warn) : undefined;
  const signals = (o.stopOnSignals ?? true) ? new StopOnSignal(warn) : undefined;
  try {
    return await trainHeld(o, log, warn, signals);
  } finally {
    signals?.remove();
    lock?.release();
  }
}

/** train() once the output folder is locked. */
async function trainHeld(o: TrainOptions, log: (line: string) => void, warn: (line: string) => void, signals?: StopOnSignal): Promise<TrainResult> {
  const seed = o.seed === undefined ? 42 : checkSeed(o.seed, 'train: option "seed"');
  const rng = new Random(seed);
  const layers = o.layers as readonly LayerConfig[];
  const comm = o.distributed?.communicator;
  const root = !comm || comm.rank === 0;
  const shard = comm && { rank: comm.rank, size: comm.size };
  const trainNet = new Net(o.layers, { backend: o.backend, phase: 'train', rng, name: 'train', shard });
  const hasTestData = layers.some((l) => l.include?.phase === 'test' && isDataType(l.type));
  const testNet = hasTestData ? new Net(o.layers, { backend: o.backend, phase: 'test', shareParamsWith: trainNet, name: 'test', shard }) : undefined;
  if (comm) for (const net of [trainNet, testNet]) if (net) checkShardable(net);
  const solver = new Solver(trainNet, o.solver);
  const cb = { summaryEvery: 100, validateEvery: 1000, snapshotEvery: 5000, ...parseCoffeeBreaks(o.coffeeBreaks ?? {}, 'train: option "coffeeBreaks"') };
  if (signals) solver.addCoffeeBreak(signals, { everyIter: 1 });
  if (cb.summaryEvery > 0 && root) solver.addCoffeeBreak(new TrainingSummary({ log, every: cb.summaryEvery }), { everyIter: 1 });
  // The dashboard shows a few test images with their predictions, read during each validation.
  let samples: SamplePrediction[] = [];
  const afterFirstBatch = o.dashboard && root ? (net: CoreNet) => void (samples = captureSamples(net)) : undefined;
  const reduce = comm && ((v: Float64Array) => comm.allreduce(v));
  const validation = testNet ? new ValidationPerformance(testNet, { log, afterFirstBatch, reduce }) : undefined;
  if (validation && cb.validateEvery > 0) solver.addCoffeeBreak(validation, { everyIter: cb.validateEvery });
  const watchers = validationWatchers(cb, validation, log);
  for (const w of watchers) solver.addCoffeeBreak(w, { everyIter: cb.validateEvery });
  const earlyStopping = watchers.find((w): w is EarlyStopping => w instanceof EarlyStopping);
  const settings = runSettings(seed, layers, solver.settings);
  let resumedFrom: string | null = null;
  let movedAside: string | null = null;
  let initialized = false;
  let snapshot: Snapshot | undefined;
  if (o.outputDir && root) {
    // lockFolder (in train) has made the folder already, so one that cannot be made fails before training.
    const snapshots = join(o.outputDir, 'snapshots');
    snapshot = new Snapshot(snapshots, log, { run: settings });
    if (cb.snapshotEvery > 0) solver.addCoffeeBreak(snapshot, { everyIter: cb.snapshotEvery });
    const statsPath = join(o.outputDir, 'statistics.json');
    solver.lounge.store = statisticsFile(statsPath);
    if (o.resume ?? true) {
      if (existsSync(snapshots)) resumedFrom = await resume(solver, snapshots, settings, log, warn);
    } else {
      // Initial weights first: initFrom may name a snapshot of the run about to be moved aside.
      initialized = await initialWeights(trainNet, o.initFrom, log, warn);
      movedAside = moveAsidePreviousRun(o.outputDir);
      if (movedAside) log(`cortado: a fresh start: the earlier run's snapshots and statistics in ${o.outputDir} were moved to ${movedAside}`);
    }
    loadStatistics(solver, statsPath, resumedFrom !== null, warn);
  }
  // Other ranks take their weights and state from rank 0 (broadcastTrainingState below).
  if (root) {
    if (o.initFrom !== undefined && resumedFrom) warn(`cortado: initFrom "${o.initFrom}" not used: the run resumes from ${resumedFrom}`);
    else if (!initialized) await initialWeights(trainNet, o.initFrom, log, warn);
  }
  if (comm) {
    broadcastTrainingState(comm, solver);
    solver.gradientSync = createGradientSync(comm, trainNet, o.distributed, log);
    const batch = trainNet.dataLayers.map((l) => (l.config as { batchSize?: number }).batchSize).find((b) => b !== undefined);
    log(`distributed: ${comm.size} rank${comm.size > 1 ? 's' : ''}${batch ? `, batch ${batch} each (${batch * comm.size} in all)` : ''}; ${comm.description.replace(/: rank.*$/, '')}`);
  }
  const startIter = solver.iter;
  const dashboard = o.dashboard && root ? await serveDashboard(solver, { port: o.dashboard.port, title: o.dashboard.title, samples: () => samples }) : undefined;
  if (dashboard) log(`dashboard: ${dashboard.url}`);
  const start = performance.now();
  try {
    await solver.solve();
  } catch (e) {
    await dashboard?.close();
    throw e;
  }
  dashboard?.ended();
  if (dashboard && !o.dashboard?.keep) await dashboard.close();
  const seconds = (performance.now() - start) / 1000;
  // Every rank applied the same updates: a difference now would be a bug, not noise.
  if (comm) checkSameWeights(comm, trainNet);
  const stoppedBy = signals?.received ?? null;
  let final: Map<string, number> | undefined;
  // In a data-parallel run the final validation is collective: every rank must agree to run it.
  const anyStopped = comm ? agreeAny(comm, stoppedBy !== null) : stoppedBy !== null;
  if (validation && validation.lastIter === solver.iter && earlyStopping?.stoppedAt !== solver.iter) {
    final = validation.last;
  } else if (validation && earlyStopping?.stoppedAt === solver.iter) {
    // The last validation saw the weights EarlyStopping has just replaced by the best ones.
    final = validation.evaluate();
  } else if (validation && !anyStopped) {
    final = validation.evaluate();
    for (const [k, v] of final) solver.lounge.update(`validation/${k}`, solver.iter, v);
    solver.lounge.save();
  }
  let finalSnapshot: string | null = null;
  if (snapshot && solver.iter > startIter && snapshot.lastIter !== solver.iter) {
    await snapshot.enjoy(solver);
    finalSnapshot = snapshot.written[snapshot.written.length - 1]!;
  }
  if (stoppedBy && root) {
    const saved = snapshot ? `; its newest snapshot is ${snapshot.written[snapshot.written.length - 1] ?? resumedFrom ?? 'none (no iteration ran)'}` : '; no output folder: nothing was saved';
    warn(`cortado: stopped by ${stoppedBy} at iteration ${solver.iter} of ${solver.settings.maxIter}${saved}`);
    if (snapshot) warn(`cortado: to resume, run ${o.resumeCommand ?? 'the same command again (without a fresh start)'}`);
  }
  return { solver, trainNet, testNet, final, resumedFrom, iterationsRun: solver.iter - startIter, seconds, stoppedBy, finalSnapshot, movedAside, dashboard: o.dashboard?.keep ? dashboard : undefined };
}

/** Resumes from the newest usable snapshot in `dir`, warning when it was made with other settings. */
async function resume(solver: Solver, dir: string, now: RunSettings, log: (line: string) => void, warn: (line: string) => void): Promise<string | null> {
  let differences: string[] = [];
  const from = await loadFrom(solver, dir, { log: warn, meta: (m) => (differences = settingsDifferences(m.run, now)) });
  if (!from) return null;
  log(`resuming from ${from} at iteration ${solver.iter}`);
  if (differences.length) {
    warn(
      `cortado: resuming from ${from}, which was made with other settings: ${differences.join('; ')}. ` +
        "The run goes on from the snapshot's weights, solver history and random state (a seed only seeds a fresh start) " +
        'with this definition and solver; to start a new run with them instead, start afresh (--fresh)',
    );
  }
  return from;
}

/** Loads `initFrom` (when given) into the net; returns whether it did. A folder without a snapshot is an error. */
async function initialWeights(net: Net, initFrom: string | undefined, log: (line: string) => void, warn: (line: string) => void): Promise<boolean> {
  if (initFrom === undefined) return false;
  const from = await loadFrom(net, initFrom, { log: warn });
  if (!from) throw new DataError(`initial weights (initFrom, --init-from): folder "${resolve(initFrom)}" holds no snapshot; name a weights file, a snapshot file, or a folder of snapshots`);
  log(`initial weights from ${from}`);
  return true;
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

/** Whether `flag` holds on any rank. */
function agreeAny(comm: Communicator, flag: boolean): boolean {
  const v = new Float64Array([flag ? 1 : 0]);
  comm.allreduce(v);
  return v[0]! > 0;
}

/** DecayOnValidation and EarlyStopping as the settings ask, run after validation on its schedule. */
function validationWatchers(cb: CoffeeBreakSettings & { validateEvery: number }, validation: ValidationPerformance | undefined, log: (line: string) => void): CoffeeBreak[] {
  const asked = (['decayOnValidation', 'earlyStopping'] as const).filter((k) => cb[k]);
  if (asked.length === 0) return [];
  if (!validation || cb.validateEvery <= 0) {
    const why = validation ? 'validation is off (validateEvery is 0)' : 'the net has no test-phase data layer to validate on';
    throw new ConfigError(`coffeeBreaks: ${asked.join(' and ')} watch a validation statistic, but ${why}`);
  }
  const out: CoffeeBreak[] = [];
  if (cb.decayOnValidation) out.push(new DecayOnValidation({ ...DEFAULT_WATCH, ...cb.decayOnValidation, log }));
  if (cb.earlyStopping) out.push(new EarlyStopping({ ...DEFAULT_WATCH, ...cb.earlyStopping, log }));
  return out;
}

function isDataType(type: string): boolean {
  return /Data$/.test(type);
}
