/**
 * Where a dataset's values are stored, read from its object header in the file's bytes, because
 * h5wasm does not say: HDF5 follows an External Data Files message to any file the header names
 * (a foreign file can make `/etc/passwd` training data), and a virtual dataset whose source is
 * missing reads as fill values without an error. Readers refuse both unless told otherwise.
 *
 * Object headers (HDF5 file format specification, section IV.A): version 1 (a 16-byte prefix,
 * then messages of type u16, size u16, flags u8, 3 reserved bytes, 8-byte aligned) or version 2
 * ("OHDR", flags, optional times and attribute limits, a chunk size of 1 to 8 bytes, then messages
 * of type u8, size u16, flags u8 and a creation order u16 when the header tracks it; each chunk
 * ends with a checksum). Continuation messages (type 0x10) chain further blocks ("OCHK" in
 * version 2). Messages read: Data Layout (0x08: class compact, contiguous, chunked or virtual)
 * and External Data Files (0x07). Every read is bounded by the file's length and every block is
 * visited once, so a damaged header ends in a DataError, never a loop.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from '../../core/errors.js';
import type { Hdf5Superblock } from './integrity.js';

/** How a dataset's values are stored. */
export type StorageLayout = 'compact' | 'contiguous' | 'chunked' | 'virtual';

export interface DatasetStorage {
  layout: StorageLayout;
  /** Values in files the header names (an External Data Files message; the layout is then contiguous). */
  external: boolean;
}

const LAYOUTS: StorageLayout[] = ['compact', 'contiguous', 'chunked', 'virtual'];
const MSG_EXTERNAL = 0x07;
const MSG_LAYOUT = 0x08;
const MSG_CONTINUATION = 0x10;
/** Blocks one header may chain; HDF5 writes a handful. */
const MAX_BLOCKS = 4096;

/**
 * The storage of the dataset whose object header is at `address` (relative to the superblock's
 * base, as an object reference holds it) in `file`. `where` names the file and dataset in errors.
 */
export function datasetStorage(file: string, sb: Hdf5Superblock, address: bigint, where: string): DatasetStorage {
  const fd = openSync(file, 'r');
  try {
    return new HeaderReader(fd, fstatSync(fd).size, sb, where).storage(address);
  } finally {
    closeSync(fd);
  }
}

class HeaderReader {
  private layout: StorageLayout | undefined;
  private external = false;
  /** Version 2 messages carry a creation order (header flag 0x04). */
  private ordered = false;
  private readonly seen = new Set<bigint>();

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly sb: Hdf5Superblock,
    private readonly where: string,
  ) {}

  storage(address: bigint): DatasetStorage {
    const head = this.bytes(address, 16);
    const queue: { at: bigint; length: number }[] = [];
    if (head.subarray(0, 4).toString('latin1') === 'OHDR') this.version2(address, queue);
    else if (head[0] === 1) this.version1(address, head, queue);
    else this.fail(`its object header at address ${address} has unknown version ${head[0]}`);
    while (queue.length) {
      const { at, length } = queue.shift()!;
      if (this.seen.size > MAX_BLOCKS) this.fail(`its object header chains more than ${MAX_BLOCKS} blocks`);
      if (this.seen.has(at)) continue;
      this.seen.add(at);
      const block = this.bytes(at, length);
      if (block.subarray(0, 4).toString('latin1') === 'OCHK') this.messages2(block, 4, length - 4, queue);
      else this.messages1(block, 0, length, queue);
    }
    if (!this.layout) this.fail('its object header has no data layout message');
    return { layout: this.layout, external: this.external };
  }

  private version1(address: bigint, head: Buffer, queue: { at: bigint; length: number }[]): void {
    const length = head.readUInt32LE(8);
    this.seen.add(address);
    this.messages1(this.bytes(address + 16n, length), 0, length, queue);
  }

  private messages1(b: Buffer, start: number, end: number, queue: { at: bigint; length: number }[]): void {
    for (let p = start; p + 8 <= end; ) {
      const type = b.readUInt16LE(p);
      const size = b.readUInt16LE(p + 2);
      if (p + 8 + size > end) this.fail(`a message of its object header runs past its block`);
      this.message(type, b.subarray(p + 8, p + 8 + size), queue);
      p += 8 + size;
    }
  }

  private version2(address: bigint, queue: { at: bigint; length: number }[]): void {
    const pre = this.bytes(address, Math.min(6 + 16 + 4 + 8, Number(BigInt(this.size) - BigInt(this.sb.base) - address)));
    const flags = pre[5]!;
    this.ordered = (flags & 0x04) !== 0;
    let p = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const width = 1 << (flags & 3);
    const length = Number(this.uint(pre, p, width));
    p += width;
    const block = this.bytes(address, p + length + 4);
    this.seen.add(address);
    this.messages2(block, p, p + length, queue);
  }

  private messages2(b: Buffer, start: number, end: number, queue: { at: bigint; length: number }[]): void {
    const header = this.ordered ? 6 : 4;
    for (let p = start; p + header <= end; ) {
      const type = b[p]!;
      const size = b.readUInt16LE(p + 1);
      if (p + header + size > end) this.fail(`a message of its object header runs past its block`);
      this.message(type, b.subarray(p + header, p + header + size), queue);
      p += header + size;
    }
  }

  private message(type: number, data: Buffer, queue: { at: bigint; length: number }[]): void {
    if (type === MSG_EXTERNAL) this.external = true;
    else if (type === MSG_LAYOUT) this.layout = this.layoutOf(data);
    else if (type === MSG_CONTINUATION) {
      const o = this.sb.sizeOfOffsets;
      const l = this.sb.sizeOfLengths;
      if (data.length < o + l || l > 8) this.fail('a continuation message of its object header is cut');
      queue.push({ at: this.uint(data, 0, o), length: Number(this.uint(data, o, l)) });
    }
  }

  private layoutOf(data: Buffer): StorageLayout {
    const version = data[0];
    const cls = version === 1 || version === 2 ? data[2] : version !== undefined && version >= 3 && version <= 5 ? data[1] : undefined;
    const layout = cls === undefined ? undefined : LAYOUTS[cls];
    if (!layout) this.fail(`its data layout message is not understood (version ${version}, class ${cls})`);
    return layout;
  }

  private uint(b: Buffer, at: number, width: number): bigint {
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i] ?? 0);
    return v;
  }

  /** `length` bytes at file address `address` (relative to the base); a DataError past the end. */
  private bytes(address: bigint, length: number): Buffer {
    const at = BigInt(this.sb.base) + address;
    if (!(length >= 0) || at + BigInt(length) > BigInt(this.size)) {
      this.fail(`its object header (${length} bytes at address ${address}) lies past the end of the file`);
    }
    const b = Buffer.alloc(length);
    readSync(this.fd, b, 0, length, Number(at));
    return b;
  }

  private fail(what: string): never {
    throw new DataError(`${this.where}: cannot read where its values are stored: ${what}; the file is corrupt`);
  }
}
