import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../src/core/errors.js';
import { checkHdf5File, crc32, crc32Table } from '../../src/node/io/integrity.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-integrity-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('crc32: the standard check value, native and table versions agree', () => {
  const check = new TextEncoder().encode('123456789');
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32Table(check), 0xcbf43926);
  const bytes = new Uint8Array(10007).map((_, i) => (i * 131 + 7) & 0xff);
  assert.equal(crc32(bytes), crc32Table(bytes));
  assert.equal(crc32(new Uint8Array(0)), 0);
});

/** A superblock version 2 with 8-byte offsets, base 0 and the given end-of-file address. */
function superblockV2(eof: number, userBlock = 0): Buffer {
  const b = Buffer.alloc(userBlock + 48);
  Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, userBlock);
  b[userBlock + 8] = 2;
  b[userBlock + 9] = 8;
  b[userBlock + 10] = 8;
  b.writeBigUInt64LE(BigInt(userBlock), userBlock + 12);
  b.writeBigUInt64LE(BigInt(eof), userBlock + 28);
  return b;
}

test('checkHdf5File compares the superblock end-of-file address with the length, after a user block too', () => {
  const ok = join(root, 'ok.h5');
  writeFileSync(ok, superblockV2(48));
  checkHdf5File(ok, `file "${ok}"`);
  const short = join(root, 'short.h5');
  writeFileSync(short, superblockV2(4096));
  assert.throws(() => checkHdf5File(short, `file "${short}"`), (e: unknown) => e instanceof DataError && e.message.includes(short) && /says 4096 bytes, the file has 48/.test(e.message));
  // The end-of-file address is absolute: it counts a user block already (HDF5 checks size < eof).
  const ub = join(root, 'userblock.h5');
  writeFileSync(ub, superblockV2(560, 512));
  assert.deepEqual(checkHdf5File(ub, `file "${ub}"`), { at: 512, version: 2, base: 512, sizeOfOffsets: 8, sizeOfLengths: 8 });
  writeFileSync(ub, superblockV2(4096, 512));
  assert.throws(() => checkHdf5File(ub, `file "${ub}"`), /says 4096 bytes, the file has 560/);
  // A user block added in front of a file whose base address still says 0: HDF5 moves the base to the superblock, and the end with it.
  const moved = superblockV2(48, 512);
  moved.writeBigUInt64LE(0n, 512 + 12);
  writeFileSync(ub, moved);
  assert.equal(checkHdf5File(ub, `file "${ub}"`).base, 512);
  moved.writeBigUInt64LE(49n, 512 + 28);
  writeFileSync(ub, moved);
  assert.throws(() => checkHdf5File(ub, `file "${ub}"`), /says 561 bytes, the file has 560/);
  const bad = join(root, 'bad.h5');
  const b = superblockV2(48);
  b[9] = 3;
  writeFileSync(bad, b);
  assert.throws(() => checkHdf5File(bad, `file "${bad}"`), /superblock is corrupt \(size of offsets 3\)/);
});
