/**
 * Synchronous reading of sample datasets for the HDF5 data layers: a file is checked
 * (checkHdf5File) before HDF5 opens it, datasets are described (shape, dtype, filters) from
 * metadata only, and rows [start, start + count) along the first axis are read as a hyperslab and
 * converted to float32. Needs h5wasm loaded already (see hdf5Loaded).
 *
 * Element types: float32, float64 and the integers int8/uint8/int16/uint16/int32/uint32/
 * int64/uint64 (64-bit values beyond 2^53 lose precision, as any float conversion does).
 * Filters: only those this h5wasm build decodes (deflate, shuffle, fletcher32, nbit, scaleoffset);
 * any other (lzf, blosc, bzip2, szip...) is refused before reading, with a message saying how to
 * rewrite the file.
 */
import { resolve } from 'node:path';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm/node';
import { DataError, shapeStr } from '../core/errors.js';
import { hdf5Loaded, type H5Wasm } from './hdf5.js';
import { checkHdf5File } from './integrity.js';

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
  private constructor(
    private readonly lib: H5Wasm,
    private readonly h5: H5File,
    /** How errors name the file: `HDF5 file "/data/train-0.h5"`. */
    readonly label: string,
    readonly path: string,
  ) {}

  /** Opens `path` read-only after checkHdf5File (a missing, truncated or non-HDF5 file is a DataError). */
  static open(path: string, kind = 'HDF5 file'): Hdf5Reader {
    const file = resolve(path);
    const label = `${kind} "${file}"`;
    const lib = hdf5Loaded();
    checkHdf5File(file, label);
    let h5: H5File;
    try {
      h5 = new lib.File(file, 'r');
    } catch (e) {
      throw new DataError(`${label}: HDF5 cannot open it (is the file corrupt?): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (h5.file_id < 0n) throw new DataError(`${label}: HDF5 cannot open it (see the HDF5 diagnostics above)`);
    return new Hdf5Reader(lib, h5, label, file);
  }

  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`${this.label}: HDF5 failed while ${what} (is the file corrupt?): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  private dataset(name: string): H5Dataset {
    const ds = this.guard(`looking up "${name}"`, () => this.h5.get(name));
    if (!(ds instanceof this.lib.Dataset)) {
      const found = ds ? `a ${ds.constructor.name}` : 'nothing';
      const members = this.guard('listing the root group', () => this.h5.keys());
      throw new DataError(`${this.label}: expected a dataset "${name}", found ${found}; the file's root holds ${members.length ? members.map((m) => `"${m}"`).join(', ') : 'nothing'}`);
    }
    return ds;
  }

  /** Shape, element type and filters of dataset `name`; refuses unsupported types and filters. */
  info(name: string): DatasetInfo {
    const ds = this.dataset(name);
    const md = this.guard(`reading the metadata of "${name}"`, () => ds.metadata);
    const dtype = dtypeOf(md);
    if (!dtype) {
      throw new DataError(`${this.label}, dataset "${name}": expected numbers (float32, float64 or an integer type), found HDF5 type class ${TYPE_CLASS[md.type] ?? md.type} of ${md.size} bytes`);
    }
    if (!md.shape || md.shape.length === 0) throw new DataError(`${this.label}, dataset "${name}": expected at least one axis (the samples), found a scalar`);
    const filters = this.guard(`reading the filters of "${name}"`, () => ds.filters) as Hdf5Filter[];
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
    const bytesPer = BYTES[info.dtype];
    const M = this.lib.Module;
    const nbytes = n * bytesPer;
    const ptr = M._malloc(nbytes);
    if (ptr === 0) throw new DataError(`${where}: cannot allocate ${nbytes} bytes in the HDF5 heap (lower chunkSize)`);
    try {
      const countArg = [BigInt(count), ...info.shape.slice(1).map(BigInt)];
      const offsetArg = [BigInt(start), ...info.shape.slice(1).map(() => 0n)];
      const strides = info.shape.map(() => 1n);
      const status = this.guard(`reading rows of "${info.name}"`, () => M.get_dataset_data(this.h5.file_id, info.name, countArg, offsetArg, strides, BigInt(ptr)));
      if (status < 0) throw new DataError(`${where}: HDF5 cannot read rows [${start}, ${start + count}) (is the file corrupt or changed since it was opened?)`);
      // HEAPU8 may be replaced when the heap grows: take it after the read.
      return copyOut(info.dtype, M.HEAPU8.buffer, ptr, n);
    } finally {
      M._free(ptr);
    }
  }

  private rowSize(info: DatasetInfo): number {
    return info.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  close(): void {
    try {
      this.h5.close();
    } catch {
      // read-only: nothing to flush, nothing to report
    }
  }
}

const BYTES: Record<SampleDType, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8 };

/** Rows as readRowsStored returns them. */
export type StoredRows = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** n little-endian values of `dtype` at byte `at` of `heap`, copied out of the HDF5 heap. */
function copyOut(dtype: SampleDType, heap: ArrayBufferLike, at: number, n: number): StoredRows {
  // slice() copies to a fresh, aligned buffer: typed views need aligned offsets, and malloc only promises 8-byte alignment.
  const b = new Uint8Array(heap, at, n * BYTES[dtype]).slice().buffer;
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = dtype === 'int64' ? new BigInt64Array(b) : new BigUint64Array(b);
    return Float64Array.from(big, Number);
  }
  const views = { float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array };
  return new views[dtype](b);
}
