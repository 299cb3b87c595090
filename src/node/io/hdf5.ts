/**
 * HDF5 files through h5wasm, the HDF5 C library compiled to WebAssembly. Its Node build reaches the
 * host filesystem directly (Emscripten NODERAWFS), so paths are ordinary paths; this wrapper always
 * hands it absolute ones.
 *
 * h5wasm reports most failures by printing HDF5 diagnostics to stderr and returning a negative id or
 * an unchecked buffer; its optional throwing error handler leaks the wasm stack (the module faults
 * after a few thousand errors), so it is not used. Instead nothing is trusted unchecked: a file is
 * validated before HDF5 opens it (integrity.ts), every status is checked, anything h5wasm throws
 * becomes a DataError naming the file, and each array carries a CRC-32 of its bytes, verified on
 * read. A file damaged inside (right length, bad structure) may still make HDF5 print diagnostics
 * to stderr before the DataError. Writes that fail below HDF5 (a full disk) are caught by
 * write-errors.ts, since HDF5 only prints them. A file without Cortado's seal is first opened and
 * walked on a guard thread with a time limit (hdf5-guard.ts), since some damage makes HDF5 loop
 * for ever.
 */
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm/node';
import type { HostArray } from '../../backend/backend.js';
import { DataError, ShapeError, shapeStr } from '../../core/errors.js';
import { commitTmp } from './atomic.js';
import { ioErrorText, isFolder, makeDir } from './files.js';
import { guardForeignFile, hdf5TimeLimit } from './hdf5-guard.js';
import { datasetStorage, type DatasetStorage } from './hdf5-layout.js';
import { appendSeal, checkHdf5File, checkSeal, crc32, type Hdf5Superblock } from './integrity.js';
import { takeWriteError, watchWrites, writeFailureText } from './write-errors.js';

export { checkHdf5File, checkSeal, crc32 } from './integrity.js';

export type H5Wasm = typeof import('h5wasm/node');

import type { ArrayEntry } from '../../io/weights-layout.js';
export type { ArrayEntry };

/** An array as read back, with the CRC-32 of its bytes (verified against the file's when present). */
export interface StoredArray extends ArrayEntry {
  crc32: number;
}

/** Attribute holding the CRC-32 of a dataset's little-endian bytes. */
export const CHECKSUM_ATTR = 'crc32';

let loading: Promise<H5Wasm> | undefined;
let loaded: H5Wasm | undefined;

/** The h5wasm module, loaded and initialised once (the promise is cached). */
export function hdf5(): Promise<H5Wasm> {
  loading ??= import('h5wasm/node')
    .then(async (lib) => {
      await lib.ready;
      watchWrites(lib);
      loaded = lib;
      return lib;
    })
    .catch((e: unknown) => {
      loading = undefined;
      throw new DataError(`cannot load the h5wasm package needed for HDF5 files (install it with npm install h5wasm): ${String(e)}`, { cause: e });
    });
  return loading;
}

/**
 * The h5wasm module for synchronous code (layer setup and forward), which needs it loaded already:
 * importing Cortado's Node entry (or src/node/layers.ts) does that, as does `await hdf5()`.
 */
export function hdf5Loaded(): H5Wasm {
  if (!loaded) throw new DataError('HDF5 support is not loaded yet: import Cortado\'s Node entry ("cortado"), or await hdf5() before building a net with HDF5 layers');
  return loaded;
}

function bytesOf(a: HostArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** How a file is opened for reading. */
export interface OpenOptions {
  /**
   * Seconds a file without Cortado's seal may take to open and walk on the guard thread before it
   * is refused (default: CORTADO_HDF5_TIME_LIMIT, else 10; see hdf5-guard.ts).
   */
  timeLimit?: number;
}

/** Kind of a group member, as `list` reports it. */
export type MemberKind = 'dataset' | 'group' | 'other';

/** An open HDF5 file: float datasets with checksums, string and number attributes. */
export class Hdf5File {
  private constructor(
    private readonly lib: H5Wasm,
    private readonly h5: H5File,
    /** How errors name this file, e.g. `snapshot "/runs/snapshot-00000100.h5"`. */
    readonly label: string,
    /** The absolute path and, for a file opened for reading, its superblock. */
    private readonly file: string,
    private readonly superblock?: Hdf5Superblock,
  ) {}

  /**
   * Opens an existing file read-only, after `checkSeal` and `checkHdf5File`; a file without a seal
   * is opened on the guard thread first (see OpenOptions.timeLimit).
   */
  static async open(path: string, kind = 'HDF5 file', options: OpenOptions = {}): Promise<Hdf5File> {
    await hdf5();
    return Hdf5File.openSync(path, kind, options);
  }

  /** `open` for synchronous code (layer setup, a reader thread), with h5wasm loaded already (hdf5Loaded). */
  static openSync(path: string, kind = 'HDF5 file', options: OpenOptions = {}): Hdf5File {
    const file = resolve(path);
    const label = `${kind} "${file}"`;
    const lib = hdf5Loaded();
    const sealed = checkSeal(file, label);
    const superblock = checkHdf5File(file, label);
    if (!sealed) guardForeignFile(file, label, hdf5TimeLimit(options.timeLimit));
    let h5: H5File;
    try {
      h5 = new lib.File(file, 'r');
    } catch (e) {
      throw new DataError(`${label}: HDF5 cannot open it (is the file corrupt?): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (h5.file_id < 0n) throw new DataError(`${label}: HDF5 cannot open it (see the HDF5 diagnostics above)`);
    return new Hdf5File(lib, h5, label, file, superblock);
  }

  /** Creates a new file (an existing one is an error); members keep their creation order. */
  static async create(path: string, kind = 'HDF5 file'): Promise<Hdf5File> {
    const file = resolve(path);
    const label = `${kind} "${file}"`;
    const lib = await hdf5();
    // Creating it with Node first turns a bad directory or permission into a plain Node error.
    try {
      closeSync(openSync(file, 'wx'));
    } catch (e) {
      throw new DataError(`${label}: cannot create the file (${ioErrorText(e)})`, { cause: e });
    }
    const h5 = new lib.File(file, 'w', { track_order: true });
    if (h5.file_id < 0n) throw new DataError(`${label}: HDF5 cannot create it (see the HDF5 diagnostics above)`);
    return new Hdf5File(lib, h5, label, file);
  }

  /**
   * Writes a complete file atomically: `fill` writes into `<path>.tmp` in the same directory, which
   * is closed, sealed when `options.seal` (see appendSeal: `open` then verifies the whole file
   * before HDF5 reads it), fsynced and renamed over `path`; on any failure the .tmp is removed and
   * `path` is untouched. The directory is created if missing. A write that fails below HDF5 (a full
   * disk: ENOSPC; EIO) is a DataError naming `path` and the reason, even where HDF5 reports success.
   */
  static async writeAtomic(path: string, kind: string, options: { seal?: boolean }, fill: (f: Hdf5File) => void): Promise<string> {
    const file = resolve(path);
    const tmp = `${file}.tmp`;
    const label = `${kind} "${file}"`;
    let f: Hdf5File | undefined;
    try {
      makeDir(dirname(file), label);
      if (isFolder(tmp)) throw new DataError(`${label}: "${tmp}" is a folder, where the file is written before it takes its name; move it away and run again`);
      rmSync(tmp, { force: true }); // an interrupted write's; never opened, in case it is not a file
      takeWriteError(tmp);
      f = await Hdf5File.create(tmp, kind);
      fill(f);
      const open = f;
      f = undefined;
      open.close();
      const failed = takeWriteError(tmp);
      if (failed) throw new DataError(`${label}: writing failed: ${writeFailureText(failed)}; nothing was written under its name`);
      commitTmp(tmp, file, options.seal ? (fd) => appendSeal(fd, statSync(tmp).size) : undefined);
    } catch (e) {
      if (f) f.closeQuietly();
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Not a file (a directory of the user's at <path>.tmp): left alone; `e` says why the write failed.
      }
      const failed = takeWriteError(tmp);
      if (failed) throw new DataError(`${label}: writing failed: ${writeFailureText(failed)}; nothing was written under its name`, { cause: e });
      if (e instanceof DataError || e instanceof ShapeError) throw e;
      throw new DataError(`${label}: writing failed: ${ioErrorText(e)}; nothing was written under its name`, { cause: e });
    }
    return file;
  }

  /**
   * Runs h5wasm calls on this file, turning anything they throw (a plain Error or a string, on a
   * corrupt file) into a DataError naming the file and `what` was being done.
   */
  guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DataError || e instanceof ShapeError) throw e;
      throw new DataError(`${this.label}: HDF5 failed while ${what} (is the file corrupt?): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  private member(path: string): ReturnType<H5Group['get']> {
    return this.guard(`looking up "${path}"`, () => this.h5.get(path));
  }

  private group(path: string): H5Group {
    const g = this.member(path);
    if (!(g instanceof this.lib.Group)) throw new DataError(`${this.label}: expected a group at "${path}", found ${describe(g)}`);
    return g;
  }

  /** The dataset at `path`; a DataError naming what is there instead and what its group holds. */
  dataset(path: string): H5Dataset {
    const ds = this.member(path);
    if (ds instanceof this.lib.Dataset) return ds;
    const parent = parentOf(path);
    const members = this.guard(`listing "${parent}"`, () => this.group(parent).keys());
    const holder = parent === '/' ? "the file's root" : `group "${parent}"`;
    throw new DataError(`${this.label}: expected a dataset "${baseOf(path)}", found ${describe(ds)}; ${holder} holds ${members.length ? members.map((m) => `"${m}"`).join(', ') : 'nothing'}`);
  }

  /**
   * Where dataset `path` keeps its values (see hdf5-layout.ts). Unless `allowExternalStorage`,
   * refuses values kept outside this file: external raw storage (files the dataset's header names,
   * which may be any file on this machine) and virtual datasets (mapped from other datasets; a
   * missing source reads as fill values without an error). Files Cortado writes have neither.
   */
  checkStorage(path: string, allowExternalStorage = false): DatasetStorage | undefined {
    const where = `${this.label}, dataset "${path}"`;
    const ds = this.dataset(path);
    const sources = this.guard(`reading the metadata of "${path}"`, () => ds.metadata.virtual_sources);
    const refuse = (what: string): never => {
      throw new DataError(
        `${where}: ${what}; Cortado reads only values stored in the file itself unless told otherwise (option allowExternalStorage: true, ` +
          'for files you trust). To keep the values inside, copy the dataset, e.g. h5py: out.create_dataset(name, data=src[name][...])',
      );
    };
    const virtual = (list: { file_name: string; dset_name: string }[]): string =>
      `it is a virtual dataset mapping ${list.map((s) => `"${s.dset_name}" of "${s.file_name}"`).join(', ') || 'other datasets'} (a missing source would read as fill values)`;
    if (sources && !allowExternalStorage) refuse(virtual(sources));
    if (!this.superblock || this.superblock.version > 3) return undefined;
    // An object reference (h5wasm returns its bytes as an array) is the object header's address.
    const ref: unknown = this.guard(`locating "${path}"`, () => this.lib.Module.create_object_reference(this.h5.file_id, ds.path));
    if (!(Array.isArray(ref) || ref instanceof Uint8Array) || ref.length !== 8) throw new DataError(`${where}: HDF5 cannot locate its object header (is the file corrupt?)`);
    const storage = datasetStorage(this.file, this.superblock, Buffer.from(ref as number[]).readBigUInt64LE(0), where);
    if (allowExternalStorage) return storage;
    if (storage.layout === 'virtual') refuse(virtual(sources ?? []));
    if (storage.external) refuse('its values are stored in external files that its header names (HDF5 external storage), outside this file');
    return storage;
  }

  /**
   * Reads dataset `path` into `into` (exactly its bytes, little-endian): all of it, or the
   * hyperslab `slab` (per axis: count and offset). Goes through the status-returning call, since
   * Dataset.value ignores a failed read; `what` names the part read in messages.
   */
  readRaw(path: string, into: Uint8Array, what: string, slab?: { count: bigint[]; offset: bigint[] }): void {
    const where = `${this.label}, dataset "${path}"`;
    const M = this.lib.Module;
    const ptr = M._malloc(Math.max(into.length, 1));
    if (ptr === 0) throw new DataError(`${where}: cannot allocate ${into.length} bytes in the HDF5 heap to read ${what}`);
    try {
      const strides = slab ? slab.count.map(() => 1n) : null;
      const status = this.guard(`reading ${what} of "${path}"`, () => M.get_dataset_data(this.h5.file_id, path, slab?.count ?? null, slab?.offset ?? null, strides, BigInt(ptr)));
      if (status < 0) throw new DataError(`${where}: HDF5 cannot read ${what} (is the file corrupt or changed since it was opened?)`);
      // HEAPU8 may be replaced when the heap grows: take it after the read.
      into.set(M.HEAPU8.subarray(ptr, ptr + into.length));
    } finally {
      M._free(ptr);
    }
  }

  /** Creates the group `path` (its parent must exist). */
  createGroup(path: string): void {
    this.guard(`creating the group "${path}"`, () => this.group(parentOf(path)).create_group(baseOf(path), true));
    if (!(this.member(path) instanceof this.lib.Group)) throw new DataError(`${this.label}: HDF5 could not create the group "${path}"`);
  }

  /** Whether `path` names a group. */
  hasGroup(path: string): boolean {
    return this.member(path) instanceof this.lib.Group;
  }

  /** Members of the group `path`, in creation order where the file tracks it. */
  list(path: string): { name: string; kind: MemberKind }[] {
    const names = this.guard(`listing "${path}"`, () => this.group(path).keys());
    return names.map((name) => {
      const m = this.member(`${path === '/' ? '' : path}/${name}`);
      const kind: MemberKind = m instanceof this.lib.Dataset ? 'dataset' : m instanceof this.lib.Group ? 'group' : 'other';
      return { name, kind };
    });
  }

  /**
   * Writes a float32 or float64 dataset of `shape` at `path` with its CRC-32 attribute; returns
   * the CRC-32.
   */
  writeArray(path: string, entry: ArrayEntry): number {
    const { shape, values } = entry;
    const where = `dataset "${path}"`;
    if (!(values instanceof Float32Array || values instanceof Float64Array)) {
      throw new DataError(`${this.label}, ${where}: values must be a Float32Array or Float64Array, found ${Object.prototype.toString.call(values)}`);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ShapeError(`${this.label}, ${where}: invalid shape ${Array.isArray(shape) ? shapeStr(shape) : String(shape)}`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new ShapeError(`${this.label}, ${where}: shape ${shapeStr(shape)} holds ${count} values, found ${values.length}`);
    const crc = crc32(bytesOf(values));
    this.guard(`writing ${where}`, () => {
      const dtype = values instanceof Float32Array ? '<f' : '<d';
      const ds = this.group(parentOf(path)).create_dataset({ name: baseOf(path), data: values, shape, dtype });
      if (!(ds instanceof this.lib.Dataset)) throw new DataError(`${this.label}, ${where}: HDF5 could not create it`);
      ds.create_attribute(CHECKSUM_ATTR, crc, null, '<I');
    });
    return crc;
  }

  /**
   * Reads a float32 or float64 dataset bit-exactly. Its CRC-32 attribute is verified when present;
   * `requireChecksum` makes a missing one an error (files this wrapper wrote always have it).
   * Values stored outside the file (external or virtual storage) are refused (see checkStorage).
   */
  readArray(path: string, requireChecksum: boolean): StoredArray {
    const where = `${this.label}, dataset "${path}"`;
    return this.guard(`reading dataset "${path}"`, () => {
      const ds = this.dataset(path);
      this.checkStorage(path);
      const md = ds.metadata;
      if (md.type !== 1 || (md.size !== 4 && md.size !== 8) || md.vlen || !md.shape) {
        throw new DataError(`${where}: expected float32 or float64 values, found HDF5 type class ${md.type} of ${md.size} bytes`);
      }
      const shape = [...md.shape];
      const count = shape.reduce((a, b) => a * b, 1);
      if (count !== md.total_size) throw new DataError(`${where}: shape ${shapeStr(shape)} disagrees with its size ${md.total_size}`);
      const values = md.size === 4 ? new Float32Array(count) : new Float64Array(count);
      const bytes = bytesOf(values);
      this.readRaw(ds.path, bytes, 'the values');
      const crc = crc32(bytes);
      if (Object.keys(ds.attrs).includes(CHECKSUM_ATTR)) {
        const stored = ds.get_attribute(CHECKSUM_ATTR, false);
        if (Number(stored) !== crc) throw new DataError(`${where}: checksum mismatch (stored ${String(stored)}, computed ${crc}); the file is corrupt`);
      } else if (requireChecksum) {
        throw new DataError(`${where}: missing its "${CHECKSUM_ATTR}" attribute`);
      }
      return { shape, values, crc32: crc };
    });
  }

  /** Sets a string or float64 attribute on the root group. */
  setAttr(name: string, value: string | number): void {
    this.guard(`writing the attribute "${name}"`, () => {
      if (typeof value === 'string') this.h5.create_attribute(name, value);
      else this.h5.create_attribute(name, value, null, '<d');
    });
  }

  /** A root attribute, or undefined when absent; strings and numbers only. */
  getAttr(name: string): string | number | undefined {
    const v: unknown = this.guard(`reading the attribute "${name}"`, () =>
      Object.keys(this.h5.attrs).includes(name) ? this.h5.get_attribute(name, false) : undefined,
    );
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(v);
    if (v === undefined || typeof v === 'string' || typeof v === 'number') return v;
    throw new DataError(`${this.label}: attribute "${name}" should be a string or a number, found ${typeof v}`);
  }

  /** Closes the file; a failed close (data not written) is an error. */
  close(): void {
    const status = this.guard('closing', () => this.h5.close());
    if (status < 0) throw new DataError(`${this.label}: HDF5 failed to close (flush) the file`);
  }

  /** Closes without reporting, for cleanup after another error. */
  closeQuietly(): void {
    try {
      this.h5.close();
    } catch {
      // already failing: the first error is the one to report
    }
  }
}

function describe(x: unknown): string {
  return x ? `a ${x.constructor.name}` : 'nothing';
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
