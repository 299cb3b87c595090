/**
 * Snapshots: one HDF5 file per snapshot, `snapshot-<iter, 8 digits>.h5`, holding everything needed
 * to resume a run exactly (parameters, solver state such as momentum, and JSON metadata such as the
 * random state and data positions). Also weights-only files in Mocha's layout.
 *
 * Snapshot layout:
 *   /            attributes format = 'cortado-snapshot', version = 1, iter (float64), meta (JSON)
 *   /params/<k>  one float32 or float64 dataset per parameter key, e.g. conv1___weight
 *   /solver/<k>  one dataset per solver state array, e.g. momentum%2Fconv1___weight
 * Weights layout: one dataset per parameter at the root, attributes format = 'cortado-weights',
 * version = 1.
 * Both carry a root attribute `checksum`: the CRC-32 of a manifest (format, version, iter, meta, and
 * every group's keys, shapes, element sizes and dataset CRC-32s), so a damaged attribute or name is
 * caught as surely as damaged values.
 * Keys are stored flat with '%' -> '%25', '/' -> '%2F' and the key '.' -> '%2E' (the only names
 * HDF5 would read as paths), so any non-empty key round-trips exactly. Every dataset carries a
 * CRC-32 of its bytes.
 *
 * Seal: both kinds of file end with a seal (src/node/io/integrity.ts, appendSeal): the CRC-32 and length
 * of everything before it, checked before HDF5 sees the file, because a single flipped bit in HDF5's own structures
 * can make the HDF5 library loop forever or abort the process instead of failing. Files without a
 * seal (other tools, older Cortado) are read without this check.
 * Files are written atomically: into `<path>.tmp`, sealed, fsynced, renamed over `path`.
 *
 * Finite values only: writing a parameter or solver array holding NaN or an infinity is a
 * NumericError naming it (nothing is written: the last good file stays the newest), and reading
 * one is a DataError naming the file and the array, whoever wrote it.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError, NumericError, shapeStr } from '../../core/errors.js';
import { Hdf5File, type ArrayEntry } from './hdf5.js';
import { crc32 } from './integrity.js';
import { SNAPSHOT_FORMAT, WEIGHTS_FORMAT, FORMAT_VERSION, escapeKey, unescapeKey, manifestCrc as layoutManifestCrc, type Listing } from '../../io/weights-layout.js';

export type { ArrayEntry } from './hdf5.js';

export interface SnapshotData {
  iter: number;
  /** learnable parameters by key, e.g. 'conv1___weight' (Mocha's flat `<layer>___<param>` names) */
  params: Map<string, ArrayEntry>;
  /** solver state arrays by name, e.g. 'momentum/conv1___weight' */
  solverState: Map<string, ArrayEntry>;
  /** JSON-serialisable state: random state, data-layer positions, solver settings... */
  meta: Record<string, unknown>;
}

export { SNAPSHOT_FORMAT, WEIGHTS_FORMAT, FORMAT_VERSION, escapeKey, unescapeKey } from '../../io/weights-layout.js';

const SNAPSHOT_NAME = /^snapshot-(\d{8,})\.h5$/;

/** `snapshot-00000042.h5` for iteration 42. */
export function snapshotName(iter: number): string {
  return `snapshot-${String(iter).padStart(8, '0')}.h5`;
}

/** Writes `data` as `<dir>/snapshot-<iter>.h5` (dir created if missing); returns its absolute path. */
export async function writeSnapshot(dir: string, data: SnapshotData): Promise<string> {
  if (!Number.isSafeInteger(data.iter) || data.iter < 0) {
    throw new DataError(`snapshot in "${resolve(dir)}": iter must be a non-negative integer, found ${data.iter}`);
  }
  const file = join(resolve(dir), snapshotName(data.iter));
  const meta = metaJson(data.meta, `snapshot "${file}"`);
  checkFinite(data.params, `snapshot "${file}"`, 'parameter');
  checkFinite(data.solverState, `snapshot "${file}"`, 'solver state');
  return Hdf5File.writeAtomic(file, 'snapshot', { seal: true }, (f) => {
    f.setAttr('format', SNAPSHOT_FORMAT);
    f.setAttr('version', FORMAT_VERSION);
    f.setAttr('iter', data.iter);
    f.setAttr('meta', meta);
    const groups = [writeGroup(f, '/params', data.params), writeGroup(f, '/solver', data.solverState)];
    f.setAttr('checksum', manifestCrc([SNAPSHOT_FORMAT, FORMAT_VERSION, data.iter, meta], groups));
  });
}

/** Reads a snapshot; a missing, cut, corrupt or foreign file is a DataError naming it. */
export async function readSnapshot(file: string): Promise<SnapshotData> {
  const f = await Hdf5File.open(file, 'snapshot');
  try {
    return readSnapshotFrom(f);
  } finally {
    f.closeQuietly();
  }
}

function readSnapshotFrom(f: Hdf5File): SnapshotData {
  checkFormat(f, SNAPSHOT_FORMAT);
  const iter = f.getAttr('iter');
  if (typeof iter !== 'number' || !Number.isSafeInteger(iter) || iter < 0) {
    throw new DataError(`${f.label}: attribute "iter" should be a non-negative integer, found ${String(iter)}`);
  }
  const metaText = f.getAttr('meta');
  if (typeof metaText !== 'string') throw new DataError(`${f.label}: attribute "meta" should be a JSON string, found ${typeof metaText}`);
  let meta: unknown;
  try {
    meta = JSON.parse(metaText);
  } catch (e) {
    throw new DataError(`${f.label}: attribute "meta" is not valid JSON (${String(e)})`, { cause: e });
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new DataError(`${f.label}: attribute "meta" should be a JSON object`);
  }
  const params = readGroup(f, '/params');
  const solverState = readGroup(f, '/solver');
  checkManifest(f, [SNAPSHOT_FORMAT, FORMAT_VERSION, iter, metaText], [params.listing, solverState.listing]);
  return { iter, params: params.entries, solverState: solverState.entries, meta: meta as Record<string, unknown> };
}

/** The snapshot files of a directory and the leftovers of interrupted writes. */
export interface SnapshotListing {
  /** `snapshot-<iter>.h5` files (absolute paths), newest (highest iteration) first. */
  files: { iter: number; path: string }[];
  /** `snapshot-<iter>.h5.tmp` files (absolute paths): writes that never finished; never read. */
  unfinished: string[];
}

/** Lists the snapshots in `dir` (none when it does not exist); other names are ignored. */
export async function listSnapshots(dir: string): Promise<SnapshotListing> {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], unfinished: [] };
    throw new DataError(`snapshot directory "${abs}": cannot list it (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  const files: SnapshotListing['files'] = [];
  const unfinished: string[] = [];
  for (const name of names) {
    const m = SNAPSHOT_NAME.exec(name);
    if (m) files.push({ iter: Number(m[1]), path: join(abs, name) });
    else if (name.endsWith('.tmp') && SNAPSHOT_NAME.test(name.slice(0, -4))) unfinished.push(join(abs, name));
  }
  files.sort((a, b) => b.iter - a.iter);
  unfinished.sort();
  return { files, unfinished };
}

/** The snapshot of highest iteration in `dir` (absolute path), or null; `.tmp` leftovers are ignored. */
export async function latestSnapshot(dir: string): Promise<string | null> {
  return (await listSnapshots(dir)).files[0]?.path ?? null;
}

/**
 * Writes a weights-only file (one dataset per `<layer>___<param>` at the root), atomically; its
 * directory is created if missing. Returns the absolute path.
 */
export async function saveWeights(path: string, params: Map<string, ArrayEntry>): Promise<string> {
  checkFinite(params, `weights file "${resolve(path)}"`, 'parameter');
  return Hdf5File.writeAtomic(path, 'weights file', { seal: true }, (f) => {
    f.setAttr('format', WEIGHTS_FORMAT);
    f.setAttr('version', FORMAT_VERSION);
    const groups = [writeGroup(f, '/', params)];
    f.setAttr('checksum', manifestCrc([WEIGHTS_FORMAT, FORMAT_VERSION], groups));
  });
}

/**
 * Reads a weights file: every root dataset is a parameter. Files from other tools in the same
 * layout (no format attribute, no checksums) are accepted.
 */
export async function loadWeights(path: string): Promise<Map<string, ArrayEntry>> {
  const f = await Hdf5File.open(path, 'weights file');
  try {
    const format = f.getAttr('format');
    if (format === SNAPSHOT_FORMAT) throw new DataError(`${f.label}: this is a snapshot, not a weights file; read it with readSnapshot`);
    return readWeightsFrom(f);
  } finally {
    f.closeQuietly();
  }
}

function readWeightsFrom(f: Hdf5File): Map<string, ArrayEntry> {
  if (f.getAttr('format') === undefined) return readGroup(f, '/', false).entries;
  checkFormat(f, WEIGHTS_FORMAT);
  const weights = readGroup(f, '/');
  checkManifest(f, [WEIGHTS_FORMAT, FORMAT_VERSION], [weights.listing]);
  return weights.entries;
}

/** What `readParamsFile` found: a snapshot, or a weights file (`foreign`: without Cortado's format marker). */
export type ParamsFile =
  | { kind: 'snapshot'; file: string; snapshot: SnapshotData }
  | { kind: 'weights'; file: string; params: Map<string, ArrayEntry>; foreign: boolean };

/**
 * Reads a file of parameters whatever it is: a Cortado snapshot (format "cortado-snapshot"), a
 * Cortado weights file, or a weights file from another tool in the same flat layout.
 */
export async function readParamsFile(path: string): Promise<ParamsFile> {
  const f = await Hdf5File.open(path, 'parameters file');
  const file = resolve(path);
  try {
    const format = f.getAttr('format');
    if (format === SNAPSHOT_FORMAT) return { kind: 'snapshot', file, snapshot: readSnapshotFrom(f) };
    return { kind: 'weights', file, params: readWeightsFrom(f), foreign: format === undefined };
  } finally {
    f.closeQuietly();
  }
}

function checkFormat(f: Hdf5File, expected: string): void {
  const format = f.getAttr('format');
  if (format !== expected) {
    const found = format === undefined ? 'no "format" attribute' : `format "${String(format)}"`;
    throw new DataError(`${f.label}: not a Cortado ${expected === SNAPSHOT_FORMAT ? 'snapshot' : 'weights file'}: expected format "${expected}", found ${found}`);
  }
  const version = f.getAttr('version');
  if (version !== FORMAT_VERSION) {
    throw new DataError(`${f.label}: unsupported ${expected} version ${String(version)} (this Cortado reads version ${FORMAT_VERSION})`);
  }
}

function metaJson(meta: Record<string, unknown>, label: string): string {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new DataError(`${label}: meta must be a plain object`);
  try {
    return JSON.stringify(meta);
  } catch (e) {
    throw new DataError(`${label}: meta is not JSON-serialisable (${String(e)})`, { cause: e });
  }
}

/** What the manifest records of a group: its name and, per key, shape, element size and CRC-32. */

function manifestCrc(head: unknown[], groups: Listing[]): number {
  return layoutManifestCrc(head, groups, crc32);
}

function checkManifest(f: Hdf5File, head: unknown[], groups: Listing[]): void {
  const stored = f.getAttr('checksum');
  if (stored === undefined) throw new DataError(`${f.label}: missing its "checksum" attribute`);
  const actual = manifestCrc(head, groups);
  if (stored !== actual) {
    throw new DataError(`${f.label}: checksum mismatch (stored ${String(stored)}, computed ${actual}): an attribute or a name is damaged; the file is corrupt`);
  }
}

/** The first non-finite value of `values` as [index, value], or undefined when all are finite. */
function firstNonFinite(values: ArrayLike<number>): [number, number] | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return [i, values[i]!];
  return undefined;
}

/** Refuses to write arrays holding NaN or an infinity: a NumericError naming `label` and the array. */
function checkFinite(entries: Map<string, ArrayEntry>, label: string, what: string): void {
  for (const [key, { shape, values }] of entries) {
    const bad = values && firstNonFinite(values);
    if (bad) {
      throw new NumericError(
        `${label}: ${what} "${key}" (shape ${shapeStr(shape)}) holds ${bad[1]} at index ${bad[0]}; non-finite values are not saved. ` +
          'The run diverged: resume from the last good snapshot with a lower baseLr or with clipGradients set',
      );
    }
  }
}

function writeGroup(f: Hdf5File, group: string, entries: Map<string, ArrayEntry>): Listing {
  if (group !== '/') f.createGroup(group);
  const listing: Listing = { group, items: [] };
  for (const [key, entry] of entries) {
    if (typeof key !== 'string' || key === '') throw new DataError(`${f.label}: empty key in group "${group}"`);
    const crc = f.writeArray(`${group === '/' ? '' : group}/${escapeKey(key)}`, entry);
    listing.items.push([key, [...entry.shape], entry.values.BYTES_PER_ELEMENT, crc]);
  }
  return listing;
}

function readGroup(f: Hdf5File, group: string, requireChecksum = true): { entries: Map<string, ArrayEntry>; listing: Listing } {
  if (group !== '/' && !f.hasGroup(group)) throw new DataError(`${f.label}: missing the group "${group}"`);
  const entries = new Map<string, ArrayEntry>();
  const listing: Listing = { group, items: [] };
  for (const { name, kind } of f.list(group)) {
    const where = `${group === '/' ? '' : group}/${name}`;
    if (kind !== 'dataset') throw new DataError(`${f.label}: expected only datasets in "${group}", found a ${kind} "${where}"`);
    const key = unescapeKey(name);
    if (key === null) throw new DataError(`${f.label}: dataset name "${where}" is not a valid escaped key`);
    const { shape, values, crc32: crc } = f.readArray(where, requireChecksum);
    const bad = firstNonFinite(values);
    if (bad) {
      const what = group === '/solver' ? 'solver state' : 'parameter';
      throw new DataError(`${f.label}: ${what} "${key}" (dataset "${where}", shape ${shapeStr(shape)}) holds ${bad[1]} at index ${bad[0]}; Cortado loads finite values only`);
    }
    entries.set(key, { shape, values });
    listing.items.push([key, shape, values.BYTES_PER_ELEMENT, crc]);
  }
  return { entries, listing };
}
