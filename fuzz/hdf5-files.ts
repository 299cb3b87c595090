/**
 * The valid and hostile files the hdf5 target damages, written once per child process with the
 * project's own writers (writeSnapshot, saveWeights) and h5wasm: a snapshot, a weights file, an
 * HDF5Data file, and hostile ones (a weights file of NaN, a data file declaring 10^12 rows in
 * 1 KB).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hdf5 } from '../src/node/io/hdf5.js';
import { saveWeights, writeSnapshot, type ArrayEntry } from '../src/node/io/snapshot.js';

export type FileKind = 'snapshot' | 'weights' | 'data' | 'nan-weights' | 'huge-rows';
export const FILE_KINDS: readonly FileKind[] = ['snapshot', 'weights', 'data', 'nan-weights', 'huge-rows'];

/** Hostile kinds: invalid as written (nan-weights) or absurd (huge-rows); no damage needed. */
export const HOSTILE: Record<FileKind, 'invalid' | 'unknown' | null> = { snapshot: null, weights: null, data: null, 'nan-weights': 'invalid', 'huge-rows': 'unknown' };

function params(fill?: number): Map<string, ArrayEntry> {
  const w = Float32Array.from({ length: 20 }, (_, i) => fill ?? Math.sin(i));
  return new Map([['ip1___weight', { shape: [5, 4], values: w }], ['ip1___bias', { shape: [5], values: new Float32Array(5).fill(fill ?? 0.1) }]]);
}

async function writeRaw(path: string, build: (f: InstanceType<Awaited<ReturnType<typeof hdf5>>['File']>) => void): Promise<void> {
  const h5 = await hdf5();
  const f = new h5.File(path, 'w');
  try {
    build(f);
  } finally {
    f.close();
  }
}

async function writeAll(dir: string): Promise<Record<FileKind, string>> {
  const snapshot = await writeSnapshot(join(dir, 'snap'), {
    iter: 3, params: params(), solverState: new Map([['momentum/ip1___weight', { shape: [5, 4], values: new Float32Array(20).fill(0.5) }]]),
    meta: { rng: [1, 2, 3, 4, 5, 6], data: {}, settings: { baseLr: 0.1 } },
  });
  const weights = await saveWeights(join(dir, 'weights.h5'), params());
  const data = join(dir, 'data.h5');
  await writeRaw(data, (f) => {
    f.create_dataset({ name: 'data', data: Float32Array.from({ length: 16 * 12 }, (_, i) => i), shape: [16, 1, 3, 4], dtype: '<f' });
    f.create_dataset({ name: 'label', data: Int32Array.from({ length: 16 }, (_, i) => i % 3), shape: [16], dtype: '<i' });
  });
  const nan = join(dir, 'nan-weights.h5');
  await writeRaw(nan, (f) => {
    for (const [k, e] of params(NaN)) f.create_dataset({ name: k, data: e.values as Float32Array, shape: e.shape, dtype: '<f' });
  });
  const huge = join(dir, 'huge-rows.h5');
  await writeRaw(huge, (f) => {
    for (const [name, shape, dtype] of [['data', [1, 1, 3, 4], '<f'], ['label', [1], '<i']] as const) {
      const values = dtype === '<f' ? new Float32Array(12) : new Int32Array(1);
      const ds = f.create_dataset({ name, data: values, shape: [...shape], dtype, maxshape: [null, ...shape.slice(1)], chunks: [...shape] });
      ds.resize([1e12, ...shape.slice(1)]);
    }
  });
  return { snapshot, weights, data, 'nan-weights': nan, 'huge-rows': huge };
}

let files: Promise<Record<FileKind, Buffer>> | null = null;

/** The bytes of every base file (written on first use into `dir`). */
export function baseFiles(dir: string): Promise<Record<FileKind, Buffer>> {
  files ??= writeAll(dir).then((paths) => Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, readFileSync(p)])) as Record<FileKind, Buffer>);
  return files;
}
