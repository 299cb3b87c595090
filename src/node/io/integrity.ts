/**
 * Integrity checks for files read back: a CRC-32 for array bytes and manifests, and a check that a
 * file is a complete HDF5 file before the HDF5 library is allowed to open it.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { fileKind } from './files.js';
import * as zlib from 'node:zlib';
import { DataError } from '../../core/errors.js';
import { crc32Table } from '../../io/weights-layout.js';

/** zlib's native CRC-32 where Node has it (20.15+, 22.2+): the same function, much faster. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of `bytes`, as an unsigned integer. */
export function crc32(bytes: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(bytes) >>> 0;
  return crc32Table(bytes);
}

/** The table-driven CRC-32 (browser-safe, in ./weights-layout.ts), for Node versions without zlib.crc32. */
export { crc32Table };

/** Opening for reading never waits (a FIFO without a writer would); reads are checked to be of regular files. */
const READ_NONBLOCK = constants.O_RDONLY | constants.O_NONBLOCK;

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** What HDF5's superblock says about a file: where its addresses start and how wide they are. */
export interface Hdf5Superblock {
  /** Absolute position of the superblock (0, or past a user block of 512, 1024, 2048... bytes). */
  at: number;
  /** Superblock version (0 to 3). */
  version: number;
  /**
   * Absolute position every other address in the file is relative to: `at`, as HDF5 itself does
   * when the stored base address disagrees (a file whose user block was added or removed).
   */
  base: number;
  /** Bytes per address and per length (2, 4 or 8). */
  sizeOfOffsets: number;
  sizeOfLengths: number;
}

/**
 * Checks that `file` exists and is a complete HDF5 file before HDF5 sees it: the signature is at
 * offset 0, 512, 1024, ... (after a user block) and the file is at least as long as the
 * superblock's end-of-file address says (a cut file fails here). That address is absolute: it
 * counts the user block already. Returns the superblock's addressing (see Hdf5Superblock); a
 * superblock newer than version 3 passes with `version` set and the rest left to HDF5. `label`
 * names the file in errors.
 */
export function checkHdf5File(file: string, label: string): Hdf5Superblock {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new DataError(`${label}: not a regular file (found ${fileKind(st)})`);
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${label}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  const fd = openSync(file, READ_NONBLOCK);
  try {
    const head = Buffer.alloc(64);
    for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : at * 2) {
      const n = readSync(fd, head, 0, head.length, at);
      if (!SIGNATURE.every((b, i) => head[i] === b)) continue;
      const sb = readSuperblock(head.subarray(0, n), at);
      if (sb === 'the superblock is cut') throw new DataError(`${label}: truncated HDF5 file (${size} bytes, the superblock at byte ${at} is cut)`);
      if (typeof sb === 'string') throw new DataError(`${label}: not a valid HDF5 file: ${sb}`);
      if (sb.end > BigInt(size)) {
        throw new DataError(`${label}: truncated HDF5 file: its superblock says ${sb.end} bytes, the file has ${size}`);
      }
      return sb.info;
    }
    const start = Buffer.alloc(Math.min(size, SIGNATURE.length));
    readSync(fd, start, 0, start.length, 0);
    if (size === 0) throw new DataError(`${label}: the file is empty`);
    if (size < SIGNATURE.length && start.every((b, i) => b === SIGNATURE[i])) {
      throw new DataError(`${label}: truncated HDF5 file (${size} bytes)`);
    }
    throw new DataError(`${label}: not an HDF5 file (no HDF5 signature found in its ${size} bytes)`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The superblock (versions 0 to 3) found at absolute position `at`, and `end`: the length the file
 * must have (0n when unknown: a newer layout, an undefined address). The stored end-of-file
 * address is absolute but, like every address, moves with the base address: HDF5 subtracts
 * (stored base - `at`) from it, and so does this. A string says what is wrong.
 */
function readSuperblock(sb: Uint8Array, at: number): { info: Hdf5Superblock; end: bigint } | string {
  if (sb.length < 16) return 'the superblock is cut';
  const version = sb[8]!;
  let sizeOfOffsets: number;
  let sizeOfLengths: number;
  let pos: number;
  if (version === 0 || version === 1) {
    [sizeOfOffsets, sizeOfLengths] = [sb[13]!, sb[14]!];
    pos = version === 0 ? 24 : 28;
  } else if (version === 2 || version === 3) {
    [sizeOfOffsets, sizeOfLengths] = [sb[9]!, sb[10]!];
    pos = 12;
  } else {
    return { info: { at, version, base: at, sizeOfOffsets: 8, sizeOfLengths: 8 }, end: 0n }; // a newer layout: left to HDF5 itself
  }
  if (![2, 4, 8].includes(sizeOfOffsets)) return `its superblock is corrupt (size of offsets ${sizeOfOffsets})`;
  if (pos + 3 * sizeOfOffsets > sb.length) return 'the superblock is cut';
  const read = (off: number): bigint => {
    let v = 0n;
    for (let i = sizeOfOffsets - 1; i >= 0; i--) v = (v << 8n) | BigInt(sb[off + i]!);
    return v;
  };
  const undef = (1n << BigInt(8 * sizeOfOffsets)) - 1n;
  const base = read(pos);
  const eof = read(pos + 2 * sizeOfOffsets);
  const info = { at, version, base: at, sizeOfOffsets, sizeOfLengths };
  if (eof === undef) return { info, end: 0n };
  return { info, end: base === undef ? eof : eof - base + BigInt(at) };
}

const SEAL_MAGIC = Buffer.from('CRTDSEAL', 'latin1');
const SEAL_SIZE = 20;

/**
 * Appends the seal to the file open as `fd` whose `size` bytes are complete: 'CRTDSEAL', the CRC-32
 * of those bytes (uint32 little-endian) and their count (uint64 LE). HDF5 ignores bytes past its
 * data, so a sealed file is still an ordinary HDF5 file; checkSeal verifies it before HDF5 reads a
 * byte, which matters because some single-bit damage makes HDF5 loop forever or abort.
 */
export function appendSeal(fd: number, size: number): void {
  const body = Buffer.alloc(size);
  if (readSync(fd, body, 0, size, 0) !== size) throw new Error(`short read of the ${size} bytes just written`);
  const seal = Buffer.alloc(SEAL_SIZE);
  SEAL_MAGIC.copy(seal);
  seal.writeUInt32LE(crc32(body), 8);
  seal.writeBigUInt64LE(BigInt(size), 12);
  if (writeSync(fd, seal, 0, SEAL_SIZE, size) !== SEAL_SIZE) throw new Error('short write of the seal');
}

/**
 * Verifies a sealed file's seal (see appendSeal): a DataError naming `label` when its length or
 * checksum disagree; true when the seal holds. A seal whose marker is damaged is still checked (its
 * marker half right or its count of bytes right). Files without a seal (other tools' files, HDF5
 * data sets) pass unchecked: false; so does anything but a regular file (a FIFO, a device), which
 * checkHdf5File then refuses.
 */
export function checkSeal(file: string, label: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, READ_NONBLOCK);
  } catch {
    return false; // checkHdf5File reports a missing or unreadable file
  }
  try {
    // The type is checked on the open descriptor, before any read: reading a FIFO would block.
    const st = fstatSync(fd);
    const size = st.size;
    if (!st.isFile() || size < SEAL_SIZE) return false;
    const seal = Buffer.alloc(SEAL_SIZE);
    readSync(fd, seal, 0, SEAL_SIZE, size - SEAL_SIZE);
    const length = seal.readBigUInt64LE(12);
    const marker = seal.subarray(0, SEAL_MAGIC.length);
    if (!marker.equals(SEAL_MAGIC)) {
      // A marker with half its bytes right, or a count of the bytes before it that is right, is a
      // seal that damage reached (for another tool's file, odds of about 1e-8 and 1e-19): checked
      // as one, so that the damage to the rest is found. Anything else is not a seal.
      let same = 0;
      for (let i = 0; i < SEAL_MAGIC.length; i++) if (marker[i] === SEAL_MAGIC[i]) same++;
      if (same < SEAL_MAGIC.length / 2 && length !== BigInt(size - SEAL_SIZE)) return false;
    }
    if (length !== BigInt(size - SEAL_SIZE)) {
      throw new DataError(`${label}: its seal counts ${length} bytes before it, the file has ${size - SEAL_SIZE}; the file is damaged`);
    }
    const body = Buffer.alloc(size - SEAL_SIZE);
    readSync(fd, body, 0, body.length, 0);
    const stored = seal.readUInt32LE(8);
    const actual = crc32(body);
    if (stored !== actual) throw new DataError(`${label}: file checksum mismatch (stored ${stored}, computed ${actual}); the file is corrupt`);
    return true;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${label}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  } finally {
    closeSync(fd);
  }
}
