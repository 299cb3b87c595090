/**
 * Synchronous reading of sample datasets for the HDF5 data layers, on Hdf5File (which checks a
 * file before HDF5 opens it, and every h5wasm status): datasets are described (shape, dtype,
 * filters) from metadata only, and rows [start, start + count) along the first axis are read as a
 * hyperslab, in the stored type or as float32. Needs h5wasm loaded already (see hdf5Loaded).
 *
 * Element types: float32, float64 and the integers int8/uint8/int16/uint16/int32/uint32/
 * int64/uint64 (64-bit values beyond 2^53 lose precision, as any float conversion does).
 * Filters: only those this h5wasm build decodes (deflate, shuffle, fletcher32, nbit, scaleoffset);
 * any other (lzf, blosc, bzip2, szip...) is refused before reading, with a message saying how to
 * rewrite the file.
 * Storage: values stored outside the file (external raw storage, virtual datasets) are refused
 * unless `allowExternalStorage` (see Hdf5File.checkStorage).
 */
import { DataError, shapeStr } from '../../core/errors.js';
import { Hdf5File, type OpenOptions } from './hdf5.js';

export type SampleDType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/** A filter of a dataset's pipeline, as h5wasm lists it. */
export interface Hdf5Filter {
  id: number;
  name: string;
  cd_values: number[];
}

export interface DatasetInfo {
  /** Dataset path in the file. */
  name: string;
  /** Full shape, first axis = samples. */
  shape: number[];
  dtype: SampleDType;
  filters: Hdf5Filter[];
}

/** Filters h5wasm's HDF5 build decodes, by id (nbit and scaleoffset are checked by tests). */
export const DECODED_FILTERS: ReadonlyMap<number, string> = new Map([
  [1, 'deflate'],
  [2, 'shuffle'],
  [3, 'fletcher32'],
  [5, 'nbit'],
  [6, 'scaleoffset'],
]);

const KNOWN_FILTER_NAMES: Record<number, string> = { 4: 'szip', 307: 'bzip2', 32000: 'lzf', 32001: 'blosc', 32004: 'lz4', 32008: 'bitshuffle', 32015: 'zstd', 32017: 'blosc2' };

/**
 * Fails unless every filter is one this build decodes. `label` names the file, `dataset` the
 * dataset.
 */
export function checkFilters(filters: readonly Hdf5Filter[], label: string, dataset: string): void {
  for (const f of filters) {
    if (DECODED_FILTERS.has(f.id)) continue;
    const name = f.name || KNOWN_FILTER_NAMES[f.id] || 'unnamed';
    throw new DataError(
      `${label}, dataset "${dataset}": compressed with the HDF5 filter "${name}" (id ${f.id}), which Cortado's HDF5 reader cannot decode; ` +
        `it reads ${[...DECODED_FILTERS.values()].join(', ')}. Rewrite the file with gzip, e.g. h5repack -f GZIP=4 in.h5 out.h5, ` +
        `or h5py's create_dataset(..., compression="gzip")`,
    );
  }
}

/** dtype from h5wasm metadata; undefined when not a supported number type. */
function dtypeOf(md: { type: number; size: number; signed: boolean; vlen: boolean }): SampleDType | undefined {
  if (md.vlen) return undefined;
  if (md.type === 1 && (md.size === 4 || md.size === 8)) return md.size === 4 ? 'float32' : 'float64';
  if (md.type === 0 && [1, 2, 4, 8].includes(md.size)) return `${md.signed ? 'int' : 'uint'}${md.size * 8}` as SampleDType;
  return undefined;
}

const TYPE_CLASS = ['integer', 'float', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'vlen', 'array'];

/** An HDF5 file opened read-only for sample reads. */
export class Hdf5Reader {
  private constructor(private readonly file: Hdf5File) {}

  /** How errors name the file: `HDF5 file "/data/train-0.h5"`. */
  get label(): string {
    return this.file.label;
  }

  /**
   * Opens `path` read-only (Hdf5File.openSync: a missing, truncated or non-HDF5 file is a
   * DataError, and so is a file without Cortado's seal that HDF5 cannot go through in time).
   */
  static open(path: string, kind = 'HDF5 file', options: OpenOptions = {}): Hdf5Reader {
    return new Hdf5Reader(Hdf5File.openSync(path, kind, options));
  }

  /**
   * Shape, element type and filters of dataset `name`; refuses unsupported types and filters, and
   * values stored outside the file unless `allowExternalStorage`.
   */
  info(name: string, allowExternalStorage = false): DatasetInfo {
    const ds = this.file.dataset(name);
    this.file.checkStorage(name, allowExternalStorage);
    const md = this.file.guard(`reading the metadata of "${name}"`, () => ds.metadata);
    const dtype = dtypeOf(md);
    if (!dtype) {
      throw new DataError(`${this.label}, dataset "${name}": expected numbers (float32, float64 or an integer type), found HDF5 type class ${TYPE_CLASS[md.type] ?? md.type} of ${md.size} bytes`);
    }
    if (!md.shape || md.shape.length === 0) throw new DataError(`${this.label}, dataset "${name}": expected at least one axis (the samples), found a scalar`);
    const filters = this.file.guard(`reading the filters of "${name}"`, () => ds.filters) as Hdf5Filter[];
    checkFilters(filters, this.label, name);
    return { name, shape: [...md.shape], dtype, filters };
  }

  /**
   * Rows [start, start + count) of the dataset described by `info`, as float32, into `out` at
   * `outOffset` (a new array when not given). Returns the array written.
   */
  readRows(info: DatasetInfo, start: number, count: number, out?: Float32Array, outOffset = 0): Float32Array {
    const n = this.rowSize(info) * count;
    const dst = out ?? new Float32Array(n);
    if (dst.length < outOffset + n) throw new DataError(`${this.label}, dataset "${info.name}": output array of ${dst.length} values cannot take ${n} values at ${outOffset}`);
    if (n > 0) dst.set(this.readRowsStored(info, start, count), outOffset);
    return dst;
  }

  /**
   * The same rows in the dataset's own type (a Uint8Array for uint8 images: a quarter of the
   * bytes to move, converted once where they are used); 64-bit integers come as float64.
   */
  readRowsStored(info: DatasetInfo, start: number, count: number): StoredRows {
    const where = `${this.label}, dataset "${info.name}"`;
    if (start < 0 || count < 0 || start + count > info.shape[0]) {
      throw new DataError(`${where}: rows [${start}, ${start + count}) are outside its ${info.shape[0]} rows (shape ${shapeStr(info.shape)})`);
    }
    const n = this.rowSize(info) * count;
    if (n === 0) return new Float32Array(0);
    const buffer = new ArrayBuffer(n * BYTES[info.dtype]);
    const slab = { count: [BigInt(count), ...info.shape.slice(1).map(BigInt)], offset: [BigInt(start), ...info.shape.slice(1).map(() => 0n)] };
    this.file.readRaw(info.name, new Uint8Array(buffer), `rows [${start}, ${start + count})`, slab);
    return typed(info.dtype, buffer);
  }

  private rowSize(info: DatasetInfo): number {
    return info.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  /** Closes the file (read-only: nothing to flush, nothing to report). */
  close(): void {
    this.file.closeQuietly();
  }
}

const BYTES: Record<SampleDType, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8 };

/** Rows as readRowsStored returns them. */
export type StoredRows = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** The values of `dtype` in `buffer` (little-endian, as read); 64-bit integers become float64. */
function typed(dtype: SampleDType, buffer: ArrayBuffer): StoredRows {
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = dtype === 'int64' ? new BigInt64Array(buffer) : new BigUint64Array(buffer);
    return Float64Array.from(big, Number);
  }
  const views = { float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array };
  return new views[dtype](buffer);
}
