/**
 * The browser-safe part of Cortado's HDF5 layouts (src/node/io/snapshot.ts describes them): format
 * markers, key escaping, the manifest checksum and CRC-32, shared by the Node files (snapshot.ts)
 * and the in-memory weights of src/io/weights-bytes.ts, so both write the same layout.
 */

import type { HostArray } from '../backend/backend.js';

/** An array as stored: row-major `values` of `shape`; float32 stays float32, float64 float64. */
export interface ArrayEntry {
  shape: number[];
  values: HostArray;
}

/** The index of the first NaN or infinity in `values`, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

export const SNAPSHOT_FORMAT = 'cortado-snapshot';
export const WEIGHTS_FORMAT = 'cortado-weights';
export const FORMAT_VERSION = 1;
/** The dataset attribute holding the CRC-32 of its bytes. */
export const CHECKSUM_ATTR = 'crc32';

/** The HDF5 member name of a key: '%' -> '%25', '/' -> '%2F', and the key '.' -> '%2E'. */
export function escapeKey(key: string): string {
  if (key === '.') return '%2E';
  return key.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** The key of an HDF5 member name, or null when the name is not an escaped key. */
export function unescapeKey(name: string): string | null {
  if (name === '%2E') return '.';
  if (/%(?!25|2F)/.test(name)) return null;
  return name.replace(/%2F/g, '/').replace(/%25/g, '%');
}

/** One group's datasets as the manifest lists them. */
export interface Listing {
  group: string;
  items: [key: string, shape: number[], bytesPerElement: number, crc32: number][];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of `bytes`, by table (Node's integrity.ts uses zlib's when present: the same function). */
export function crc32Table(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The root "checksum" attribute: CRC-32 of the JSON of the head values and the group listings. */
export function manifestCrc(head: unknown[], groups: Listing[], crc: (b: Uint8Array) => number = crc32Table): number {
  return crc(new TextEncoder().encode(JSON.stringify([...head, groups])));
}

/** The seal appended after a file's HDF5 bytes: 'CRTDSEAL', CRC-32 of those bytes (uint32 LE), their count (uint64 LE). */
export const SEAL_SIZE = 20;
export function sealOf(body: Uint8Array, crc: (b: Uint8Array) => number = crc32Table): Uint8Array {
  const seal = new Uint8Array(SEAL_SIZE);
  seal.set([...'CRTDSEAL'].map((c) => c.charCodeAt(0)));
  const v = new DataView(seal.buffer);
  v.setUint32(8, crc(body), true);
  v.setBigUint64(12, BigInt(body.length), true);
  return seal;
}
