/**
 * Snapshots of a training run, resuming from them, and loading parameters for fine-tuning.
 *
 * A snapshot holds the weights (by parameter key), the update rule's history, the iteration, the
 * random state, the data layers' positions, the dynamic loss scale and the coffee lounge's
 * statistics: a run resumed from it continues exactly as the uninterrupted run would have.
 *
 * Damage: a snapshot that cannot be read (cut by a crash or a full disk, bytes flipped, an
 * unfinished `.tmp` write) is never used and never deleted. Resuming from a directory takes the
 * newest usable snapshot, says which newer ones it skipped and why, and fails, listing them all,
 * when none is usable: a silent fresh start would later overwrite them.
 *
 * Warnings (a damaged snapshot skipped, parameters missing from a weights file, keys the net does
 * not have) go to the `log` option of `loadFrom`, console.warn by default; `train()` passes its own.
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { HostArray } from '../backend/backend.js';
import { ConfigError, DataError, quotedList, ShapeError, shapeStr } from '../core/errors.js';
import type { Param } from '../core/layer.js';
import { describe } from '../core/config.js';
import { Net } from '../core/net.js';
import type { CoffeeBreak } from '../solver/coffee/coffee-break.js';
import { checkStatistics } from '../solver/coffee/lounge.js';
import { Solver } from '../solver/solver.js';
import { checkLossScaleState, type LossScaleState } from '../solver/loss-scale.js';
import { listSnapshots, readParamsFile, readSnapshot, writeSnapshot, type ArrayEntry, type SnapshotData } from './io/snapshot.js';

export interface LoadOptions {
  /** Receives warnings, one line each (default console.warn). */
  log?: (line: string) => void;
  /** Receives the meta of a snapshot loaded into a solver (train() compares the settings it records). */
  meta?: (meta: Record<string, unknown>, file: string) => void;
}

/**
 * Writes a snapshot of the solver into `dir`; returns the file written. `extraMeta` joins its meta
 * (train() records the run's settings there, as "run"); it cannot replace the solver's own fields.
 */
export async function saveSnapshot(solver: Solver, dir: string, extraMeta: Record<string, unknown> = {}): Promise<string> {
  const state = solver.getState();
  const solverState = new Map<string, ArrayEntry>();
  for (const [k, v] of state.history) solverState.set(k, { shape: [v.length], values: v });
  const data: SnapshotData = {
    iter: state.iter,
    params: paramEntries(solver.net),
    solverState,
    meta: { ...extraMeta, rng: state.rng, data: state.data, method: solver.settings.method, lrScale: state.lrScale, lossScale: state.lossScale, statistics: solver.lounge.toJSON() },
  };
  return writeSnapshot(dir, data);
}

/** Every parameter of `net` by key, as host copies (what snapshots and weights files store). */
export function paramEntries(net: Net): Map<string, ArrayEntry> {
  const params = new Map<string, ArrayEntry>();
  for (const p of net.params) params.set(p.key, { shape: [...p.blob.shape], values: p.blob.read() });
  return params;
}

/**
 * Loads into a solver or a net from `path`, which is one of:
 * - a snapshot directory: the newest usable snapshot (damaged newer ones are skipped with a
 *   warning; when every one is damaged, a DataError lists them); null when it holds none;
 * - a snapshot file: into a solver, everything (weights, update-rule history, iteration, random
 *   and data state, statistics); into a net, its weights;
 * - a weights file (Cortado's, or another tool's in the flat `<layer>___<param>` layout), for
 *   fine-tuning: the parameters found are loaded and nothing else (iteration and solver state stay).
 * Shapes must agree up to dimensions of size 1 (a bias stored as [n, 1] loads into [n]); a
 * mismatch is a ShapeError naming the parameter and both shapes. A snapshot loaded into a solver
 * must hold every parameter of the net; in the other cases a missing parameter keeps its current
 * value, with a warning naming it. Keys the net does not have are reported in a warning; a file
 * of which no key matches any parameter of the net is a DataError (it was made for another net).
 * Returns the file used, or null for a directory without snapshots, and for a path that does not
 * exist and names no file (no extension: a run folder not created yet). A missing file (a name with
 * an extension, such as `w.h5`) is a DataError.
 */
export async function loadFrom(target: Solver | Net, path: string, options: LoadOptions = {}): Promise<string | null> {
  const log = options.log ?? ((line: string) => console.warn(line));
  if (isDirectory(path) || (!existsSync(path) && extname(path) === '')) {
    const found = await newestUsable(path, log);
    if (!found) return null;
    applySnapshot(target, found.file, found.snapshot, log);
    if (target instanceof Solver) options.meta?.(found.snapshot.meta, found.file);
    return found.file;
  }
  const read = await readParamsFile(path);
  if (read.kind === 'snapshot') {
    applySnapshot(target, read.file, read.snapshot, log);
    if (target instanceof Solver) options.meta?.(read.snapshot.meta, read.file);
  } else {
    const what = `weights file "${read.file}"${read.foreign ? ' (no Cortado format marker)' : ''}`;
    const net = target instanceof Solver ? target.net : target;
    loadParams(net.params, read.params, what, false, log);
  }
  return read.file;
}

/** The newest snapshot of `dir` that reads back intact, or null when there is none at all. */
async function newestUsable(dir: string, log: (line: string) => void): Promise<{ file: string; snapshot: SnapshotData } | null> {
  const { files, unfinished } = await listSnapshots(dir);
  for (const tmp of unfinished) log(`cortado: ignoring "${tmp}": a snapshot write that never finished (the run was interrupted while writing it)`);
  if (files.length === 0) return null;
  const damaged: string[] = [];
  for (const { path } of files) {
    try {
      const snapshot = await readSnapshot(path);
      if (damaged.length) log(`cortado: resuming from the older snapshot "${path}" (iteration ${snapshot.iter}); the newer one(s) above are damaged and were left in place`);
      return { file: path, snapshot };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      damaged.push(e.message);
      log(`cortado: skipping a damaged snapshot: ${e.message}`);
    }
  }
  throw new DataError(
    `no usable snapshot in "${dir}": all ${files.length} are damaged:\n  ${damaged.join('\n  ')}\n` +
      'Nothing was deleted. Restore a good copy into the directory, or move them away to start training afresh.',
  );
}

function applySnapshot(target: Solver | Net, file: string, snap: SnapshotData, log: (line: string) => void): void {
  const what = `snapshot "${file}"`;
  if (!(target instanceof Solver)) {
    loadParams(target.params, snap.params, what, false, log);
    return;
  }
  const meta = snap.meta as { rng?: number[]; data?: Record<string, Record<string, unknown>>; lrScale?: number; lossScale?: unknown; method?: string; statistics?: unknown };
  if (!Array.isArray(meta.rng)) throw new DataError(`${what} has no random state (meta "rng"); it cannot resume a run`);
  if (!Number.isSafeInteger(snap.iter) || snap.iter < 0) throw new DataError(`${what}: the iteration must be an integer >= 0, found ${describe(snap.iter)}`);
  if (meta.lrScale !== undefined && (typeof meta.lrScale !== 'number' || !Number.isFinite(meta.lrScale) || meta.lrScale <= 0)) {
    throw new DataError(`${what}: meta "lrScale" must be a finite number > 0, found ${describe(meta.lrScale)}`);
  }
  let lossScale: LossScaleState | undefined;
  try {
    lossScale = meta.lossScale === undefined ? undefined : checkLossScaleState(meta.lossScale, `${what}: meta`);
  } catch (e) {
    throw new DataError((e as Error).message, { cause: e });
  }
  const statistics = meta.statistics === undefined ? undefined : checkStatistics(meta.statistics, `${what}: meta "statistics"`);
  if (meta.method !== undefined && meta.method !== target.settings.method) {
    log(`cortado: ${what} was made by method ${meta.method}; this solver uses ${target.settings.method}`);
  }
  loadParams(target.net.params, snap.params, what, true, log);
  const history = new Map<string, HostArray>();
  for (const [k, v] of snap.solverState) history.set(k, v.values);
  try {
    target.setState({ iter: snap.iter, rng: meta.rng, history, data: meta.data ?? {}, lrScale: meta.lrScale, lossScale });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new DataError(`${what}: ${e.message}`, { cause: e });
  }
  if (statistics) target.lounge.merge(statistics, snap.iter);
}

/**
 * Writes `entries` into the parameters of the same key (see loadFrom for the rules); `strict`
 * makes a parameter missing from `entries` an error instead of a warning.
 */
function loadParams(params: Param[], entries: Map<string, ArrayEntry>, what: string, strict: boolean, log: (line: string) => void): void {
  const missing: string[] = [];
  const used = new Set<string>();
  for (const p of params) {
    const key = fileKey(entries, p.key);
    const entry = key === undefined ? undefined : entries.get(key);
    if (key !== undefined) used.add(key);
    if (!entry) {
      missing.push(p.key);
      continue;
    }
    if (!sameShape(entry.shape, p.blob.shape)) {
      throw new ShapeError(`${what}: parameter "${p.key}" has shape ${shapeStr(entry.shape)}, the net's is ${shapeStr(p.blob.shape)}`);
    }
  }
  if (used.size === 0 && params.length > 0) {
    const held = entries.size === 0 ? 'no parameters at all' : `only ${quotedList([...entries.keys()])}`;
    throw new DataError(
      `${what} matches no parameter of the net: it holds ${held}; the net's parameters are ${quotedList(params.map((p) => p.key))}` +
        '. Check that the file was made for this net (layer names give the keys: <layer>___weight).',
    );
  }
  if (missing.length && strict) {
    throw new DataError(`${what} has no parameter ${quotedList(missing, Infinity)}; it was made with another net (load it as weights to fine-tune)`);
  }
  for (const p of params) {
    const key = fileKey(entries, p.key);
    if (key !== undefined) p.blob.write(entries.get(key)!.values);
  }
  if (missing.length) log(`cortado: ${what} has no value for ${quotedList(missing, Infinity)}; ${missing.length === 1 ? 'it keeps its' : 'they keep their'} initial value`);
  const unused = [...entries.keys()].filter((k) => !used.has(k));
  if (unused.length) log(`cortado: ${what} holds ${quotedList(unused, Infinity)}, which the net does not have; ignored`);
}

/**
 * The file's key for parameter `key`: the same key, or for a `<layer>___weight` Mocha's name for
 * convolution filters, `<layer>___filter` (Mocha's files use it; the layout is the same).
 */
function fileKey(entries: Map<string, ArrayEntry>, key: string): string | undefined {
  if (entries.has(key)) return key;
  const mocha = key.replace(/___weight$/, '___filter');
  return mocha !== key && entries.has(mocha) ? mocha : undefined;
}

/** Equal once dimensions of size 1 are dropped. */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  const sa = a.filter((d) => d !== 1);
  const sb = b.filter((d) => d !== 1);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The Snapshot coffee break: a snapshot into `dir` every time it is enjoyed. The statistics are
 * saved first, so the statistics file always reaches at least as far as the newest snapshot.
 * Register it after the breaks that record statistics (train() does), so that a snapshot carries
 * the statistics of its own iteration.
 *
 * A failed write (no space left on the device, EIO) stops the run: training on without snapshots
 * would lose the work the user thinks is saved. The DataError names the file and the reason, and
 * the newest snapshot still on disk, which is complete (snapshots are written atomically) and
 * from which the run resumes once there is space.
 */
export class Snapshot implements CoffeeBreak {
  /** Files written, in order. */
  readonly written: string[] = [];
  /** The iteration of the last snapshot written, or null. */
  lastIter: number | null = null;

  /** `meta` joins every snapshot's meta (see saveSnapshot). */
  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = (l) => console.log(l),
    private readonly meta: Record<string, unknown> = {},
  ) {}

  async enjoy(solver: Solver): Promise<void> {
    // Between the solver's own checks (every 100 iterations on a device) weights may have gone
    // bad: such a snapshot is never written, so the last good one stays the newest.
    solver.net.checkParamsFinite(solver.iter);
    let file: string;
    try {
      solver.lounge.save();
      file = await saveSnapshot(solver, this.dir, this.meta);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      const newest = (await listSnapshots(this.dir).catch(() => undefined))?.files[0];
      const fix = /\((ENOSPC|EDQUOT)\)/.test(e.message) ? 'free some space' : 'fix that';
      const then = newest
        ? `the newest snapshot is still "${newest.path}" (iteration ${newest.iter}); ${fix} and run again to resume from it`
        : `there is no earlier snapshot; ${fix} and run again`;
      throw new DataError(`training stopped at iteration ${solver.iter}: ${e.message}; ${then}`, { cause: e });
    }
    this.lastIter = solver.iter;
    this.written.push(file);
    this.log(`iter ${String(solver.iter).padStart(6)} | snapshot ${file}`);
  }
}
