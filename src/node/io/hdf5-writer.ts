/**
 * Writing sample datasets to HDF5 files, synchronously (layer forward passes call it), through
 * h5wasm, which must already be loaded (`await hdf5()`, or importing Cortado's Node entry).
 *
 * A sample dataset holds rows along its first axis: shape [rows, ...sampleShape], created empty
 * and extensible (maxshape [unlimited, ...sampleShape]), chunked along the rows, optionally
 * gzip-compressed; `append` grows it by whole samples. Values are stored in the dtype of the
 * dataset (float32, float64, or integers such as uint8 for pixels), little-endian.
 *
 * As in io/hdf5.ts nothing h5wasm does is trusted unchecked: every status is checked, a dataset or
 * attribute is looked up again after h5wasm says it created it, and anything h5wasm throws becomes
 * a DataError naming the file. Inputs are validated before HDF5 sees them, so HDF5 prints
 * diagnostics only for real I/O failures.
 *
 * Two ways to write a file:
 * - in place (default): the file is created at its path at once; `flush` makes what was appended so
 *   far readable by another process (HDF5Output flushes after every batch);
 * - atomic: everything goes to `<path>.tmp`, which `close` fsyncs and renames over `path`; `abort`
 *   removes it. The converters write this way, so a file at `path` is always complete. An existing
 *   `<path>.tmp` is refused, never replaced: it may be a user's file.
 * An existing file at `path` is refused unless `overwrite` is set.
 *
 * A write that fails below HDF5 (ENOSPC on a full disk, EIO; see write-errors.ts) ends the writer
 * at the call that met it: the file is closed and removed (the .tmp, or the in-place file, which
 * this writer created and which now has holes), and the call throws a DataError naming the file
 * and the reason. So no damaged file is left under its name, and no failure passes silently.
 */
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm/node';
import { DataError, ShapeError, shapeStr } from '../../core/errors.js';
import { commitTmp, writeFileAtomic } from './atomic.js';
import { fileKind, ioErrorText, makeDir } from './files.js';
import { hdf5Loaded, type H5Wasm } from './hdf5.js';
import { takeWriteError, writeFailureText } from './write-errors.js';

/** Element types a sample dataset can hold. */
export type SampleDType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';

export type SampleArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

type SampleArrayCtor = { new (n: number): SampleArray; readonly BYTES_PER_ELEMENT: number; readonly name: string };

/** h5wasm's dtype string (struct-module letters, little-endian) and the typed array of each dtype. */
const DTYPES: Record<SampleDType, { h5: string; array: SampleArrayCtor }> = {
  float32: { h5: '<f', array: Float32Array },
  float64: { h5: '<d', array: Float64Array },
  int8: { h5: '<b', array: Int8Array },
  uint8: { h5: '<B', array: Uint8Array },
  int16: { h5: '<h', array: Int16Array },
  uint16: { h5: '<H', array: Uint16Array },
  int32: { h5: '<i', array: Int32Array },
  uint32: { h5: '<I', array: Uint32Array },
};

/** The dtype of a typed array, or undefined for other arrays. */
export function dtypeOf(values: unknown): SampleDType | undefined {
  for (const [name, d] of Object.entries(DTYPES)) if (values instanceof d.array) return name as SampleDType;
  return undefined;
}

/** A zero-filled typed array of `dtype`. */
export function sampleArray(dtype: SampleDType, n: number): SampleArray {
  return new DTYPES[dtype].array(n);
}

/** Chunks hold about this many bytes (HDF5's default chunk cache is 1 MiB per dataset). */
const CHUNK_BYTES = 256 * 1024;

export interface WriterOptions {
  /** Replace an existing file at the path (default false: an existing file is a DataError). */
  overwrite?: boolean;
  /** Write to `<path>.tmp` and rename it over the path at close (default false: write in place). */
  atomic?: boolean;
  /** How messages name the file (default 'HDF5 file'), e.g. 'HDF5Output file'. */
  kind?: string;
  /** How to allow overwriting, for the message about an existing file (default: the `overwrite` option). */
  overwriteHint?: string;
}

export interface SampleDatasetOptions {
  dtype: SampleDType;
  /** Shape of one sample (the dataset is [rows, ...sampleShape]); [] for one value per row. */
  sampleShape: readonly number[];
  /** Rows per chunk (default: about 256 KiB per chunk). */
  chunkRows?: number;
  /** gzip (deflate) level 1..9; 0 or absent: uncompressed. */
  gzip?: number;
  /** Most rows the dataset may grow to (default unlimited). */
  maxRows?: number;
}

/** Paths open for writing in this process: HDF5 would share one handle between two writers. */
const openPaths = new Set<string>();

/** An HDF5 file being written: sample datasets and attributes. */
export class Hdf5Writer {
  private readonly datasets = new Map<string, SampleDataset>();
  private closed = false;
  private failed: string | undefined;

  private constructor(
    private readonly lib: H5Wasm,
    private readonly h5: H5File,
    /** Absolute path of the finished file. */
    readonly path: string,
    /** Where HDF5 writes: `path`, or `<path>.tmp` for an atomic writer. */
    private readonly target: string,
    /** How errors name this file, e.g. `HDF5 file "/data/train.h5"`. */
    readonly label: string,
    private readonly overwrite: boolean,
    private readonly overwriteHint: string,
  ) {}

  /** Creates the file (see WriterOptions); its directory is created if missing. */
  static create(path: string, options: WriterOptions = {}): Hdf5Writer {
    const file = resolve(path);
    const label = `${options.kind ?? 'HDF5 file'} "${file}"`;
    const lib = hdf5Loaded();
    if (openPaths.has(file)) throw new DataError(`${label}: already open for writing in this process (by another writer or HDF5Output layer); use another file name`);
    const hint = options.overwriteHint ?? 'pass overwrite: true';
    if (!options.overwrite && existsSync(file)) throw new DataError(`${label} already exists; ${hint} to replace it, or choose another name`);
    const target = options.atomic ? `${file}.tmp` : file;
    makeDir(dirname(file), label);
    const kind = existingKind(file);
    if (kind) throw new DataError(`${label} exists and is ${kind}, not a regular file; choose another name`);
    try {
      // Node creates it first: a bad directory or permission becomes a plain error; 'wx' refuses
      // a file that appeared since the check above, and an existing .tmp that may not be ours.
      closeSync(openSync(target, options.overwrite && !options.atomic ? 'w' : 'wx'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && target !== file) {
        throw new DataError(`${label}: "${target}" already exists (left by an interrupted write, or a file of yours); Cortado does not remove files it did not create: move it away and run again`, { cause: e });
      }
      if (code === 'EEXIST') throw new DataError(`${label} already exists; ${hint} to replace it, or choose another name`, { cause: e });
      throw new DataError(`${label}: cannot create the file "${target}" (${ioErrorText(e)})`, { cause: e });
    }
    takeWriteError(target);
    let h5: H5File;
    try {
      h5 = new lib.File(target, 'w', { track_order: true });
    } catch (e) {
      rmSync(target, { force: true });
      throw new DataError(`${label}: HDF5 cannot create it: ${errorText(e)}`, { cause: e });
    }
    const failed = takeWriteError(target);
    if (h5.file_id < 0n || failed) {
      if (h5.file_id >= 0n) h5.close();
      rmSync(target, { force: true });
      throw new DataError(`${label}: HDF5 cannot create it (${failed ? writeFailureText(failed) : 'see the HDF5 diagnostics above'})`);
    }
    openPaths.add(file);
    return new Hdf5Writer(lib, h5, file, target, label, options.overwrite ?? false, hint);
  }

  /** Whether close or abort has run. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Runs h5wasm calls on this file (for SampleDataset), turning anything they throw into a
   * DataError naming the file and `what`; refused once the file is closed.
   */
  guard<T>(what: string, fn: () => T): T {
    if (this.failure) throw new DataError(`${this.label}: cannot go on ${what}: writing it failed before (${this.failure})`);
    if (this.closed) throw new DataError(`${this.label}: cannot go on ${what}: the file is closed`);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.checkWrites(what, e);
      if (e instanceof DataError || e instanceof ShapeError) throw e;
      throw new DataError(`${this.label}: HDF5 failed while ${what}: ${errorText(e)}`, { cause: e });
    }
    this.checkWrites(what);
    return result;
  }

  /** Why writing failed (a full disk...), once it has; the writer is then closed. */
  get failure(): string | undefined {
    return this.failed;
  }

  /**
   * Ends the writer when a write below HDF5 failed during `what`: closes the file, removes it (see
   * the module comment) and throws a DataError naming the file and the reason.
   */
  private checkWrites(what: string, cause?: unknown): void {
    const f = takeWriteError(this.target);
    if (!f) return;
    this.failed = `${writeFailureText(f)}, ${what}`;
    this.abort();
    rmSync(this.target, { force: true });
    takeWriteError(this.target);
    const removed = this.target === this.path ? 'the damaged file was removed' : 'nothing was written under its name';
    throw new DataError(`${this.label}: writing failed: ${this.failed}; ${removed}`, { cause });
  }

  /** The h5wasm module and this file's HDF5 id, for SampleDataset's status-returning calls. */
  get module(): H5Wasm['Module'] {
    return this.lib.Module;
  }

  get fileId(): bigint {
    return this.h5.file_id;
  }

  /** An empty, extensible dataset `name` (at the root; no '/' in the name). */
  createDataset(name: string, options: SampleDatasetOptions): SampleDataset {
    const where = `${this.label}, dataset "${name}"`;
    checkName(name, where);
    if (this.datasets.has(name)) throw new DataError(`${where}: created twice`);
    const { dtype, sampleShape } = options;
    const spec = DTYPES[dtype];
    if (!spec) throw new DataError(`${where}: dtype must be one of ${Object.keys(DTYPES).join(', ')}, found ${String(dtype)}`);
    if (!Array.isArray(sampleShape) || sampleShape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new ShapeError(`${where}: the sample shape must be a list of positive integers, found ${Array.isArray(sampleShape) ? shapeStr(sampleShape) : String(sampleShape)}`);
    }
    const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    const maxRows = options.maxRows;
    if (maxRows !== undefined && (!Number.isSafeInteger(maxRows) || maxRows < 1)) throw new DataError(`${where}: maxRows must be a positive integer, found ${maxRows}`);
    let chunkRows = options.chunkRows ?? Math.max(1, Math.floor(CHUNK_BYTES / (sampleSize * spec.array.BYTES_PER_ELEMENT)));
    if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) throw new DataError(`${where}: chunkRows must be a positive integer, found ${chunkRows}`);
    if (maxRows !== undefined) chunkRows = Math.min(chunkRows, maxRows);
    const gzip = options.gzip ?? 0;
    if (!Number.isInteger(gzip) || gzip < 0 || gzip > 9) throw new DataError(`${where}: gzip must be a level 1 to 9 (0: none), found ${gzip}`);
    const path = `/${name}`;
    this.guard(`creating dataset "${name}"`, () => {
      if (this.h5.get(path) !== null) throw new DataError(`${where}: exists already`);
      this.h5.create_dataset({
        name,
        data: new spec.array(0),
        shape: [0, ...sampleShape],
        maxshape: [maxRows ?? null, ...sampleShape],
        chunks: [chunkRows, ...sampleShape],
        dtype: spec.h5,
        ...(gzip > 0 ? { compression: 'gzip' as const, compression_opts: gzip } : {}),
      });
      const ds = this.h5.get(path);
      if (!(ds instanceof this.lib.Dataset)) throw new DataError(`${where}: HDF5 could not create it (see the HDF5 diagnostics above)`);
      const md = (ds as H5Dataset).metadata;
      if (!md.shape || shapeStr(md.shape) !== shapeStr([0, ...sampleShape]) || md.size !== spec.array.BYTES_PER_ELEMENT) {
        throw new DataError(`${where}: HDF5 created it with shape ${md.shape ? shapeStr(md.shape) : 'none'} and ${md.size}-byte values, expected ${shapeStr([0, ...sampleShape])} of ${dtype}`);
      }
    });
    const ds = new SampleDataset(this, name, dtype, [...sampleShape], maxRows);
    this.datasets.set(name, ds);
    return ds;
  }

  /** Writes a whole dataset of `shape` ([rows, ...sampleShape], rows >= 1) with `values` of its dtype. */
  writeDataset(name: string, shape: readonly number[], values: SampleArray, options: { gzip?: number } = {}): SampleDataset {
    const dtype = dtypeOf(values);
    if (!dtype) throw new DataError(`${this.label}, dataset "${name}": values must be a typed array (Float32Array, Uint8Array, ...), found ${Object.prototype.toString.call(values)}`);
    if (!Array.isArray(shape) || shape.length < 1 || !Number.isSafeInteger(shape[0]) || shape[0] < 1) {
      throw new ShapeError(`${this.label}, dataset "${name}": the shape must be [rows, ...] with rows >= 1, found ${Array.isArray(shape) ? shapeStr(shape) : String(shape)}`);
    }
    const ds = this.createDataset(name, { dtype, sampleShape: shape.slice(1), maxRows: shape[0], gzip: options.gzip });
    ds.append(values);
    if (ds.rows !== shape[0]) throw new ShapeError(`${this.label}, dataset "${name}": shape ${shapeStr(shape)} needs ${shape[0]} rows, the values hold ${ds.rows}`);
    return ds;
  }

  /**
   * Sets a string or float64 attribute on the root group, or on `dataset` when given; an existing
   * attribute of that name is replaced.
   */
  setAttr(name: string, value: string | number, dataset?: string): void {
    const what = `writing the attribute "${name}"${dataset ? ` of dataset "${dataset}"` : ''}`;
    if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new DataError(`${this.label}: attribute "${name}" must be a string or a finite number, found ${String(value)}`);
    }
    this.guard(what, () => {
      const obj = dataset === undefined ? this.h5 : this.h5.get(`/${dataset}`);
      if (!(obj instanceof this.lib.Dataset || obj instanceof this.lib.Group)) throw new DataError(`${this.label}: no dataset "${dataset}" to hold the attribute "${name}"`);
      if (Object.keys(obj.attrs).includes(name) && obj.delete_attribute(name) !== 0) throw new DataError(`${this.label}: HDF5 cannot replace the attribute "${name}"`);
      if (typeof value === 'string') obj.create_attribute(name, value);
      else obj.create_attribute(name, value, null, '<d');
      // h5wasm ignores the status of creating an attribute: read it back.
      const back: unknown = Object.keys(obj.attrs).includes(name) ? obj.get_attribute(name, false) : undefined;
      if (back !== value) throw new DataError(`${this.label}: HDF5 did not store the attribute "${name}" (read back ${String(back)})`);
    });
  }

  /** Makes everything written so far reach the file, so that it is readable as it stands. */
  flush(): void {
    const status = this.guard('flushing', () => this.lib.Module.flush(this.h5.file_id));
    if (status < 0) throw new DataError(`${this.label}: HDF5 failed to flush the file (see the HDF5 diagnostics above)`);
  }

  /**
   * Closes the file, checking the status; an atomic writer's file is then fsynced and renamed into
   * place. Returns the file's path. On failure an atomic writer removes its .tmp file.
   */
  close(): string {
    if (this.failure) throw new DataError(`${this.label}: writing it failed before (${this.failure})`);
    if (this.closed) return this.path;
    let status: number;
    try {
      status = this.guard('closing', () => this.h5.close());
    } catch (e) {
      this.finish(false);
      throw e;
    }
    if (status < 0) {
      this.finish(false);
      throw new DataError(`${this.label}: HDF5 failed to close (flush) the file (see the HDF5 diagnostics above)`);
    }
    this.finish(true);
    return this.path;
  }

  /** Closes without reporting, after another error; an atomic writer removes its .tmp file. */
  abort(): void {
    if (this.closed) return;
    try {
      this.h5.close();
    } catch {
      // already failing: the first error is the one to report
    }
    this.finish(false);
  }

  private finish(ok: boolean): void {
    this.closed = true;
    openPaths.delete(this.path);
    if (this.target === this.path) return;
    if (!ok) {
      rmSync(this.target, { force: true });
      return;
    }
    if (!this.overwrite && existsSync(this.path)) {
      rmSync(this.target, { force: true });
      throw new DataError(`${this.label} appeared while it was being written; ${this.overwriteHint} to replace it, or choose another name`);
    }
    try {
      commitTmp(this.target, this.path);
    } catch (e) {
      rmSync(this.target, { force: true });
      throw new DataError(`${this.label}: cannot move the finished "${this.target}" into place (${ioErrorText(e)}); nothing was written under its name`, { cause: e });
    }
  }
}

/** A dataset of samples along its first axis, growing by `append`. */
export class SampleDataset {
  private count = 0;
  /** Values per sample. */
  readonly sampleSize: number;

  constructor(
    private readonly file: Hdf5Writer,
    readonly name: string,
    readonly dtype: SampleDType,
    readonly sampleShape: readonly number[],
    readonly maxRows: number | undefined,
  ) {
    this.sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.count;
  }

  /** Current shape, [rows, ...sampleShape]. */
  get shape(): number[] {
    return [this.count, ...this.sampleShape];
  }

  /**
   * Appends whole samples: `values` (of this dataset's dtype) holds k × sampleSize values, row-major,
   * which become rows [rows, rows + k).
   */
  append(values: SampleArray): void {
    const where = `${this.file.label}, dataset "${this.name}"`;
    if (this.file.isClosed) throw new DataError(`${where}: cannot append: the file is closed`);
    const dtype = dtypeOf(values);
    if (dtype !== this.dtype) throw new DataError(`${where}: appended values must be ${this.dtype} (${DTYPES[this.dtype].array.name}), found ${dtype ?? Object.prototype.toString.call(values)}`);
    if (values.length % this.sampleSize !== 0) {
      throw new ShapeError(`${where}: appended ${values.length} values, not a whole number of samples of shape ${shapeStr(this.sampleShape)} (${this.sampleSize} values each)`);
    }
    const k = values.length / this.sampleSize;
    if (k === 0) return;
    if (this.maxRows !== undefined && this.count + k > this.maxRows) {
      throw new ShapeError(`${where}: appending ${k} rows to ${this.count} exceeds its ${this.maxRows} rows at most`);
    }
    const rank = 1 + this.sampleShape.length;
    const path = `/${this.name}`;
    this.file.guard(`appending ${k} rows to dataset "${this.name}"`, () => {
      const M = this.file.module;
      const grown = [this.count + k, ...this.sampleShape].map(BigInt);
      if (M.resize_dataset(this.file.fileId, path, grown) < 0) throw new DataError(`${where}: HDF5 cannot grow it to ${k + this.count} rows (see the HDF5 diagnostics above)`);
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      const ptr = M._malloc(bytes.length);
      if (ptr === 0) throw new DataError(`${where}: cannot allocate ${bytes.length} bytes in the HDF5 heap`);
      try {
        M.HEAPU8.set(bytes, ptr);
        const count = [BigInt(k), ...this.sampleShape.map(BigInt)];
        const offset = [BigInt(this.count), ...this.sampleShape.map(() => 0n)];
        const stride = Array.from({ length: rank }, () => 1n);
        // Dataset.write_slice ignores this status; the direct call reports a failed write.
        if (M.set_dataset_data(this.file.fileId, path, count, offset, stride, BigInt(ptr)) < 0) {
          throw new DataError(`${where}: HDF5 failed to write rows ${this.count} to ${this.count + k - 1} (see the HDF5 diagnostics above)`);
        }
      } finally {
        M._free(ptr);
      }
    });
    this.count += k;
  }
}

/**
 * Writes a list file for HDF5 data layers: one HDF5 path per line, each written relative to the
 * list file's folder (with '/' separators) so that the folder can move as a whole. A path the
 * list's reader would misread (a first character '#', which starts a comment, or a space, which
 * it trims) is written as `./<path>`; a path ending in a space, or holding a line break, is refused.
 * Written atomically (writeFileAtomic, never replacing a `.tmp` it did not create); an existing
 * list file is refused unless `overwrite`, and so is a list file named like one of `files`.
 * Returns its absolute path.
 */
export function writeListFile(path: string, files: readonly string[], options: { overwrite?: boolean; overwriteHint?: string } = {}): string {
  const list = resolve(path);
  const label = `list file "${list}"`;
  if (files.some((f) => resolve(f) === list)) throw new DataError(`${label}: it would replace the HDF5 file it lists; give the list file another name`);
  if (!options.overwrite && existsSync(list)) throw new DataError(`${label} already exists; ${options.overwriteHint ?? 'pass overwrite: true'} to replace it, or choose another name`);
  const lines = files.map((f) => {
    let rel = relative(dirname(list), resolve(f));
    if (sep !== '/') rel = rel.split(sep).join('/');
    if (/[\r\n]/.test(rel)) throw new DataError(`${label}: the path "${f}" contains a line break and cannot be listed`);
    if (/\s$/.test(rel)) throw new DataError(`${label}: the path "${f}" ends in a space, which the list's reader trims; rename the file`);
    return /^[#\s]/.test(rel) ? `./${rel}` : rel;
  });
  return writeFileAtomic(list, lines.map((l) => `${l}\n`).join(''), label, { exclusive: true });
}

/** What stands at `path` when it is not a regular file (a FIFO, a folder), else undefined. */
function existingKind(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? undefined : fileKind(st);
  } catch {
    return undefined;
  }
}

function checkName(name: string, where: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/') || name === '.' || name === '..') {
    throw new DataError(`${where}: a dataset name must be non-empty, without '/', found ${JSON.stringify(name)}`);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
