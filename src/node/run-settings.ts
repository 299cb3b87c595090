/**
 * What a snapshot records of the settings that made its run (meta "run"), so that resuming with
 * other settings says so instead of mixing two runs silently:
 *   seed    the run's seed;
 *   layers  a hash of each layer's definition, by layer name (canonical JSON, keys sorted; arrays
 *           of data longer than 1,000 values count by their length only, so that data held in a
 *           definition costs nothing to hash);
 *   solver  the solver settings as parsed, except checkLossEvery, yieldEvery and cudaGraphs (they
 *           change nothing computed), lossScale when not set (as in snapshots from before it), and
 *           maxIter (raising it is how a finished run is trained further), which counts only under
 *           a `poly` policy, whose rate depends on it.
 * Snapshots without it (made before it existed) resume without the comparison.
 */
import { createHash } from 'node:crypto';
import type { LayerConfig } from '../core/layer.js';
import type { SolverSettings } from '../solver/solver.js';

export interface RunSettings {
  seed: number;
  layers: Record<string, string>;
  solver: Record<string, unknown>;
}

export function runSettings(seed: number, layers: readonly LayerConfig[], solver: SolverSettings): RunSettings {
  const hashes: Record<string, string> = {};
  layers.forEach((l, i) => {
    const name = typeof l?.name === 'string' ? l.name : `#${i}`;
    hashes[name] = createHash('sha256').update(canonical(l)).digest('hex').slice(0, 16);
  });
  const { checkLossEvery: _unused, yieldEvery: _unused2, cudaGraphs: _unused3, maxIter, lossScale, ...rest } = solver;
  const usesMaxIter = JSON.stringify(solver.lrPolicy).includes('"poly"');
  const recorded = lossScale === null ? rest : { ...rest, lossScale };
  return { seed, layers: hashes, solver: usesMaxIter ? { ...recorded, maxIter } : recorded };
}

/**
 * The differences between the settings a snapshot recorded (`stored`, its meta "run"; anything
 * else yields no difference) and this run's, one phrase each, e.g. `seed 42 in the snapshot, 7
 * now`, `solver "baseLr" 0.01 in the snapshot, 0.1 now`, `layer "ip1" changed`.
 */
export function settingsDifferences(stored: unknown, now: RunSettings): string[] {
  if (stored === null || typeof stored !== 'object') return [];
  const old = stored as Partial<RunSettings>;
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  if (old.seed !== undefined && old.seed !== now.seed) out.push(`seed ${show(old.seed)} in the snapshot, ${now.seed} now`);
  if (old.solver && typeof old.solver === 'object') {
    const keys = new Set([...Object.keys(old.solver), ...Object.keys(now.solver)]);
    for (const k of keys) {
      const a = (old.solver as Record<string, unknown>)[k];
      const b = now.solver[k];
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`solver "${k}" ${show(a)} in the snapshot, ${show(b)} now`);
    }
  }
  if (old.layers && typeof old.layers === 'object') {
    const was = old.layers as Record<string, unknown>;
    for (const [name, hash] of Object.entries(now.layers)) {
      if (!(name in was)) out.push(`layer "${name}" added`);
      else if (was[name] !== hash) out.push(`layer "${name}" changed`);
    }
    for (const name of Object.keys(was)) if (!(name in now.layers)) out.push(`layer "${name}" removed`);
  }
  return out;
}

/** JSON with sorted keys; long arrays of data by their length (see the module comment). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v)) return { values: (v as unknown as ArrayLike<number>).length };
    if (Array.isArray(v)) return v.length > 1000 ? { values: v.length } : v;
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
}
