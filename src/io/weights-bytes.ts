/**
 * Weights files in memory, for browsers (and anywhere without a filesystem): `weightsToBytes`
 * writes a net's parameters as the bytes of a weights file in the same layout as Node's
 * saveWeights (src/node/io/snapshot.ts: format and version attributes, one float32/float64 dataset per
 * parameter key with its CRC-32, the manifest checksum, the seal), so that Node's loadWeights
 * reads them from a file; `loadWeightsFromBytes` reads such bytes (Node's files too) into a net.
 *
 * The HDF5 library is h5wasm's browser build (`import * as h5wasm from 'h5wasm'`), whose files live
 * in Emscripten's in-memory filesystem (MEMFS); it is passed in, so that the browser core imports
 * no package (src/browser/weights.ts passes it for you). The MEMFS file is removed afterwards.
 */
import type { Net } from '../core/net.js';
import { DataError, ShapeError, shapeStr } from '../core/errors.js';
import { CHECKSUM_ATTR, FORMAT_VERSION, SEAL_SIZE, WEIGHTS_FORMAT, crc32Table, escapeKey, manifestCrc, sealOf, unescapeKey, type Listing } from './weights-layout.js';

/** The part of h5wasm's module these functions use (`import * as h5wasm from 'h5wasm'`). */
export interface H5Lib {
  ready: Promise<{ FS: { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array; unlink(path: string): void } }>;
  File: new (path: string, mode: string, options?: { track_order?: boolean }) => H5Group & { close(): unknown };
}
interface H5Attrs { attrs: Record<string, unknown>; get_attribute(name: string, json: boolean): unknown; create_attribute(name: string, value: unknown, shape?: unknown, dtype?: string): unknown }
interface H5Group extends H5Attrs {
  keys(): string[];
  get(name: string): unknown;
  create_dataset(o: { name: string; data: Float32Array | Float64Array; shape: number[]; dtype: string }): unknown;
}
interface H5Dataset extends H5Attrs { shape: number[] | null; value: unknown; dtype: unknown }

let counter = 0;
const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The bytes of a weights file holding every parameter of `net` (finite values only). */
export async function weightsToBytes(net: Net, h5: H5Lib): Promise<Uint8Array> {
  const { FS } = await h5.ready;
  const path = `/cortado-weights-${++counter}.h5`;
  const f = new h5.File(path, 'w', { track_order: true }); // creation order, as Node's files (the manifest lists it)
  try {
    f.create_attribute('format', WEIGHTS_FORMAT);
    f.create_attribute('version', FORMAT_VERSION, null, '<d');
    const listing: Listing = { group: '/', items: [] };
    for (const p of net.params) {
      const read = p.blob.read();
      const values = read instanceof Float64Array ? read : Float32Array.from(read);
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new DataError(`weightsToBytes: parameter "${p.key}" (shape ${shapeStr(p.blob.shape)}) holds ${values[bad]} at index ${bad}; non-finite values are not saved`);
      const crc = crc32Table(bytesOf(values));
      const ds = f.create_dataset({ name: escapeKey(p.key), data: values, shape: [...p.blob.shape], dtype: values instanceof Float32Array ? '<f' : '<d' }) as H5Dataset;
      ds.create_attribute(CHECKSUM_ATTR, crc, null, '<I');
      listing.items.push([p.key, [...p.blob.shape], values.BYTES_PER_ELEMENT, crc]);
    }
    f.create_attribute('checksum', manifestCrc([WEIGHTS_FORMAT, FORMAT_VERSION], [listing]), null, '<d');
  } finally {
    f.close();
  }
  try {
    const body = FS.readFile(path).slice();
    const out = new Uint8Array(body.length + SEAL_SIZE);
    out.set(body);
    out.set(sealOf(body), body.length);
    return out;
  } finally {
    FS.unlink(path);
  }
}

/**
 * Loads the parameters of a weights file's bytes into `net` by key; returns the keys loaded. A
 * parameter of the net missing from the file, or one of another shape, is a DataError / ShapeError
 * naming it; checksums and the seal are verified when present (files of other tools have none).
 */
export async function loadWeightsFromBytes(net: Net, bytes: Uint8Array, h5: H5Lib, label = 'weights bytes'): Promise<string[]> {
  const { FS } = await h5.ready;
  const body = unseal(bytes, label);
  const path = `/cortado-weights-${++counter}.h5`;
  FS.writeFile(path, body);
  const found = new Map<string, { shape: number[]; values: Float32Array | Float64Array }>();
  try {
    const f = new h5.File(path, 'r');
    try {
      const format = 'format' in f.attrs ? f.get_attribute('format', false) : undefined;
      if (format !== undefined && format !== WEIGHTS_FORMAT) throw new DataError(`${label}: format "${String(format)}", expected "${WEIGHTS_FORMAT}" (a snapshot is not a weights file)`);
      const listing: Listing = { group: '/', items: [] };
      for (const name of f.keys()) {
        const key = unescapeKey(name);
        const ds = f.get(name) as H5Dataset | null;
        if (key === null || !ds || !Array.isArray(ds.shape)) throw new DataError(`${label}: member "${name}" is not a parameter dataset`);
        const v = ds.value;
        if (!(v instanceof Float32Array || v instanceof Float64Array)) throw new DataError(`${label}: dataset "${name}" holds ${Object.prototype.toString.call(v)}, expected float32 or float64 values`);
        const crc = crc32Table(bytesOf(v));
        if (CHECKSUM_ATTR in ds.attrs && Number(ds.get_attribute(CHECKSUM_ATTR, false)) !== crc) throw new DataError(`${label}: dataset "${name}": checksum mismatch; the bytes are corrupt`);
        found.set(key, { shape: [...ds.shape], values: v });
        listing.items.push([key, [...ds.shape], v.BYTES_PER_ELEMENT, crc]);
      }
      if (format !== undefined) {
        const stored = f.get_attribute('checksum', false);
        if (Number(stored) !== manifestCrc([WEIGHTS_FORMAT, FORMAT_VERSION], [listing])) throw new DataError(`${label}: manifest checksum mismatch: a name or attribute is damaged`);
      }
    } finally {
      f.close();
    }
  } finally {
    FS.unlink(path);
  }
  for (const p of net.params) {
    const w = found.get(p.key);
    if (!w) throw new DataError(`${label}: no parameter "${p.key}" (the bytes hold ${[...found.keys()].join(', ') || 'none'})`);
    if (shapeStr(w.shape) !== shapeStr(p.blob.shape)) throw new ShapeError(`${label}: parameter "${p.key}" has shape ${shapeStr(w.shape)}, the net's ${shapeStr(p.blob.shape)}`);
    p.blob.write(w.values);
  }
  return net.params.map((p) => p.key);
}

/** The HDF5 bytes without their seal, after checking it; bytes without a seal are returned as they are. */
function unseal(bytes: Uint8Array, label: string): Uint8Array {
  if (bytes.length < SEAL_SIZE) return bytes;
  const tail = bytes.subarray(bytes.length - SEAL_SIZE);
  if (String.fromCharCode(...tail.subarray(0, 8)) !== 'CRTDSEAL') return bytes;
  const body = bytes.subarray(0, bytes.length - SEAL_SIZE);
  const expected = sealOf(body);
  if (!expected.every((b, i) => b === tail[i])) throw new DataError(`${label}: the seal does not match the bytes before it; they are damaged or cut`);
  return body;
}
