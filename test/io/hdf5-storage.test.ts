/**
 * Files HDF5 allows that Cortado must read right: a user block before the superblock is accepted;
 * values stored outside the file (external raw storage, virtual datasets) are refused with a
 * DataError naming the file and dataset unless allowExternalStorage. The two foreign fixtures were
 * written by h5py (test/io/fixtures/make-hdf5-fixtures.py); the user block is made here.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DataError } from '../../src/core/errors.js';
import { Hdf5Reader } from '../../src/node/io/hdf5-reader.js';
import { loadWeights } from '../../src/node/io/snapshot.js';
import { standardDatasets, tempDir, writeH5 } from '../data/h5-fixtures.js';

const FIXTURES = resolve(fileURLToPath(import.meta.url), '../../../../test/io/fixtures');
const tmp = tempDir();
after(tmp.cleanup);

/**
 * `bytes` (an HDF5 file with a version 0 superblock at 0, as libver 'earliest' writes) behind a
 * user block of `size` bytes: the base address becomes `size` and the end-of-file address, which
 * is absolute, grows by `size`; every other address is relative to the base and stays.
 */
function withUserBlock(bytes: Buffer, size: number): Buffer {
  assert.equal(bytes[8], 0, 'superblock version 0');
  const out = Buffer.concat([Buffer.alloc(size, 0x55), bytes]);
  out.writeBigUInt64LE(BigInt(size), size + 24);
  out.writeBigUInt64LE(out.readBigUInt64LE(size + 40) + BigInt(size), size + 40);
  return out;
}

/** Rows of dataset `name` of `file` read through Hdf5Reader, as numbers. */
function readAll(file: string, name: string, allowExternalStorage = false): number[] {
  const r = Hdf5Reader.open(file);
  try {
    const info = r.info(name, allowExternalStorage);
    return [...r.readRows(info, 0, info.shape[0])];
  } finally {
    r.close();
  }
}

const namesFileAndDataset = (file: string, dataset: string, what: RegExp) => (e: unknown) =>
  e instanceof DataError && e.message.includes(`"${file}"`) && e.message.includes(`dataset "${dataset}"`) && what.test(e.message) && /allowExternalStorage/.test(e.message);

describe('HDF5 storage', () => {
  it('reads a file with a user block of 512 or 2048 bytes (its end-of-file address already counts the block)', async () => {
    const plain = join(tmp.dir, 'plain.h5');
    await writeH5(plain, standardDatasets(0, 3), true);
    const want = readAll(plain, 'data');
    for (const size of [512, 2048]) {
      const file = join(tmp.dir, `userblock-${size}.h5`);
      writeFileSync(file, withUserBlock(readFileSync(plain), size));
      assert.deepEqual(readAll(file, 'data'), want, `user block of ${size} bytes`);
      assert.deepEqual(readAll(file, 'label'), [0, 1, 2]);
    }
  });

  it('still refuses a file with a user block that was cut', async () => {
    const plain = join(tmp.dir, 'plain-cut.h5');
    await writeH5(plain, standardDatasets(0, 3), true);
    const bytes = withUserBlock(readFileSync(plain), 512);
    const file = join(tmp.dir, 'userblock-cut.h5');
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    assert.throws(() => Hdf5Reader.open(file), (e: unknown) => e instanceof DataError && e.message.includes(file) && new RegExp(`says ${bytes.length} bytes, the file has ${bytes.length - 100}`).test(e.message));
  });

  it('refuses a dataset in external raw storage, naming the file and dataset; allowExternalStorage reads it', () => {
    const file = join(tmp.dir, 'external.h5');
    copyFileSync(join(FIXTURES, 'external.h5'), file);
    assert.throws(() => readAll(file, 'data'), namesFileAndDataset(file, 'data', /external files/));
    assert.deepEqual(readAll(file, 'label'), [0, 1], 'a dataset stored inside the same file reads');
    // HDF5 looks for the relative name "external-data.bin" in the working directory.
    writeFileSync(join(tmp.dir, 'external-data.bin'), Buffer.from(Float32Array.from({ length: 24 }, (_, i) => i + 0.5).buffer));
    const cwd = process.cwd();
    process.chdir(tmp.dir);
    try {
      assert.deepEqual(readAll(file, 'data', true), Array.from({ length: 24 }, (_, i) => i + 0.5));
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a virtual dataset (its source is missing: HDF5 would read fill values), naming the file, dataset and source', () => {
    const file = join(tmp.dir, 'virtual.h5');
    copyFileSync(join(FIXTURES, 'virtual.h5'), file);
    assert.throws(() => readAll(file, 'data'), (e: unknown) => namesFileAndDataset(file, 'data', /virtual dataset mapping "data" of "missing.h5"/)(e));
    assert.deepEqual(readAll(file, 'data', true), new Array(24).fill(7), 'allowed: the fill values, as HDF5 reads them');
  });

  it('refuses external storage in a weights file (no option there)', async () => {
    const file = join(tmp.dir, 'external-weights.h5');
    copyFileSync(join(FIXTURES, 'external.h5'), file);
    await assert.rejects(loadWeights(file), (e: unknown) => e instanceof DataError && e.message.includes(file) && /dataset "\/data".*external files/.test(e.message));
  });
});
