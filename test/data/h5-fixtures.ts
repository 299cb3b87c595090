/**
 * HDF5 files for the data-layer tests, written with h5wasm into a temporary folder. The standard
 * set: file f holds rows of global sample numbers g (counted across the files in list order);
 * dataset "data" [n, 1, 3, 4] float32 with values 1000 g + j, dataset "label" [n] int32 = g.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hdf5 } from '../../src/node/io/hdf5.js';

export interface DatasetSpec {
  name: string;
  values: ArrayLike<number> | BigInt64Array | BigUint64Array | string[];
  shape: number[];
  /** h5wasm dtype, struct-style: '<f', '<d', '<b' (int8), '<B' (uint8), '<h', '<H', '<i', '<I', '<q', '<Q'. */
  dtype?: string;
  chunks?: number[];
  compression?: number | 'gzip';
  compression_opts?: number[];
}

export const SAMPLE_SHAPE = [1, 3, 4];
export const SAMPLE_SIZE = 12;

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-h5data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes an HDF5 file; `earliest` uses the oldest file format (version 1 object headers);
 * `rootAttrs` are string attributes of the root (variable-length: kept in the global heap).
 */
export async function writeH5(path: string, datasets: DatasetSpec[], earliest = false, rootAttrs: Record<string, string> = {}): Promise<void> {
  const h5 = await hdf5();
  const f = earliest ? new h5.File(path, 'w', { libver: ['earliest', 'v108'] }) : new h5.File(path, 'w');
  try {
    for (const [name, value] of Object.entries(rootAttrs)) f.create_attribute(name, value);
    for (const d of datasets) {
      const ds = f.create_dataset({ name: d.name, data: d.values as never, shape: d.shape, dtype: d.dtype ?? null, chunks: d.chunks ?? null, ...(d.compression !== undefined && { compression: d.compression, compression_opts: d.compression_opts }) });
      if (!ds) throw new Error(`fixture: h5wasm could not create ${d.name} in ${path}`);
    }
  } finally {
    f.close();
  }
}

/** Data value j of global sample g. */
export const dataValue = (g: number, j: number): number => 1000 * g + j;

/** The standard datasets of a file holding global samples first .. first + n - 1. */
export function standardDatasets(first: number, n: number, labelDtype = '<i4'): DatasetSpec[] {
  const data = Float32Array.from({ length: n * SAMPLE_SIZE }, (_, i) => dataValue(first + Math.floor(i / SAMPLE_SIZE), i % SAMPLE_SIZE));
  const label = Int32Array.from({ length: n }, (_, r) => first + r);
  return [
    { name: 'data', values: data, shape: [n, ...SAMPLE_SHAPE], dtype: '<f' },
    { name: 'label', values: label, shape: [n], dtype: labelDtype },
  ];
}

/**
 * The standard files with `rows[f]` samples each, in `dir`, and a list file naming them (relative
 * paths, with a comment and a blank line); returns the list file's path.
 */
export async function standardSource(dir: string, rows: number[], name = 'list.txt'): Promise<string> {
  const lines = ['# training files', ''];
  let first = 0;
  for (let f = 0; f < rows.length; f++) {
    const file = `${name}-part${f}.h5`;
    await writeH5(join(dir, file), standardDatasets(first, rows[f]));
    lines.push(file);
    first += rows[f];
  }
  const list = join(dir, name);
  writeFileSync(list, lines.join('\n') + '\n');
  return list;
}

/**
 * Writes to `dst` the HDF5 file `src` without its Cortado seal (when it has one) and with its global
 * heap (where variable-length strings such as a "format" attribute live) damaged: the heap's first
 * object claims `objectSize` bytes. With 188 (or 100, 1000), h5wasm 0.10's HDF5 loops for ever
 * reading the attribute; with 4096 it aborts. One byte of damage, found by fuzzing: the kind of
 * file a foreign-file guard exists for. Fails when `src` has no global heap.
 */
export function damageGlobalHeap(src: string, dst: string, objectSize = 188): void {
  let bytes = readFileSync(src);
  if (bytes.subarray(bytes.length - 20, bytes.length - 12).toString('latin1') === 'CRTDSEAL') bytes = bytes.subarray(0, bytes.length - 20);
  const heap = bytes.indexOf('GCOL', 0, 'latin1');
  if (heap < 0) throw new Error(`fixture: "${src}" has no global heap (no variable-length string)`);
  const out = Buffer.from(bytes);
  // GCOL, version, 3 reserved, collection size (8); then object 1: index (2), references (2), reserved (4), size (8).
  out.writeBigUInt64LE(BigInt(objectSize), heap + 16 + 8);
  writeFileSync(dst, out);
}
