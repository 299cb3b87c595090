/**
 * Snapshots of a training run, and resuming from them.
 *
 * A snapshot holds the weights (by parameter key), the update rule's history, the iteration, the
 * random state and the data layers' positions: a run resumed from it continues exactly as the
 * uninterrupted run would have.
 */
import { statSync } from 'node:fs';
import type { HostArray } from '../backend/backend.js';
import { DataError } from '../core/errors.js';
import { shapeStr } from '../core/errors.js';
import type { CoffeeBreak } from '../solver/coffee/coffee-break.js';
import type { Solver } from '../solver/solver.js';
import { latestSnapshot, readSnapshot, writeSnapshot, type ArrayEntry, type SnapshotData } from '../io/snapshot.js';

/** Writes a snapshot of the solver into `dir`; returns the file written. */
export async function saveSnapshot(solver: Solver, dir: string): Promise<string> {
  const state = solver.getState();
  const params = new Map<string, ArrayEntry>();
  for (const p of solver.net.params) params.set(p.key, { shape: [...p.blob.shape], values: p.blob.read() });
  const solverState = new Map<string, ArrayEntry>();
  for (const [k, v] of state.history) solverState.set(k, { shape: [v.length], values: v });
  const data: SnapshotData = {
    iter: state.iter,
    params,
    solverState,
    meta: { rng: state.rng, data: state.data, method: solver.settings.method, lrScale: state.lrScale },
  };
  return writeSnapshot(dir, data);
}

/**
 * Restores the solver from a snapshot file, or from the newest snapshot in a directory. Returns
 * the file used, or null when the directory holds none (a fresh start).
 */
export async function loadFrom(solver: Solver, path: string): Promise<string | null> {
  let file: string | null = path;
  if (isDirectory(path)) file = await latestSnapshot(path);
  if (!file) return null;
  const snap = await readSnapshot(file);
  for (const p of solver.net.params) {
    const entry = snap.params.get(p.key);
    if (!entry) throw new DataError(`snapshot ${file} has no parameter "${p.key}"; it was made with another net`);
    if (entry.values.length !== p.blob.count) {
      throw new DataError(`snapshot ${file}: parameter "${p.key}" has shape ${shapeStr(entry.shape)}, the net needs ${shapeStr(p.blob.shape)}`);
    }
    p.blob.write(entry.values);
  }
  const history = new Map<string, HostArray>();
  for (const [k, v] of snap.solverState) history.set(k, v.values);
  const meta = snap.meta as { rng?: number[]; data?: Record<string, Record<string, unknown>>; lrScale?: number };
  if (!meta.rng) throw new DataError(`snapshot ${file} has no random state`);
  solver.setState({ iter: snap.iter, rng: meta.rng, history, data: meta.data ?? {}, lrScale: meta.lrScale });
  return file;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The Snapshot coffee break: a snapshot into `dir` every time it is enjoyed. */
export class Snapshot implements CoffeeBreak {
  /** Files written, in order. */
  readonly written: string[] = [];

  constructor(readonly dir: string, private readonly log: (line: string) => void = (l) => console.log(l)) {}

  async enjoy(solver: Solver): Promise<void> {
    const file = await saveSnapshot(solver, this.dir);
    this.written.push(file);
    solver.lounge.save();
    this.log(`iter ${String(solver.iter).padStart(6)} | snapshot ${file}`);
  }
}
