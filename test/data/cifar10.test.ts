import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError } from '../../src/core/errors.js';
import { dataErrorNaming } from '../harness/errors.js';
import { CIFAR10_RECORD_BYTES, CIFAR10_SCALE, loadCifar10, parseCifar10, readCifar10 } from '../../src/node/data/cifar10.js';
import { resolveSources } from '../../src/node/definition.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-cifar10-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Records with the given labels; pixel k of record i is (i * 31 + k) mod 256. */
function records(labels: number[]): Buffer {
  const bytes = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, i) => {
    bytes[i * CIFAR10_RECORD_BYTES] = label;
    for (let k = 0; k < 3072; k++) bytes[i * CIFAR10_RECORD_BYTES + 1 + k] = (i * 31 + k) % 256;
  });
  return bytes;
}

function write(name: string, bytes: Uint8Array): string {
  const file = join(root, name);
  writeFileSync(file, bytes);
  return file;
}

describe('CIFAR-10 binary format', () => {
  test('labels and R, G, B planes land in NCHW order, scaled by 1/256 to [0, 1)', () => {
    const bytes = records([3, 9]);
    bytes[1 + 1024 + 32 * 5 + 7] = 255; // record 0, green plane, row 5, column 7
    const set = readCifar10(write('one.bin', bytes));
    assert.equal(set.count, 2);
    assert.deepEqual([...set.labels], [3, 9]);
    assert.equal(set.images.length, 2 * 3 * 32 * 32);
    assert.equal(set.images[1 * 1024 + 5 * 32 + 7], 255 * CIFAR10_SCALE);
    assert.equal(set.images[3072 + 2 * 1024 + 10], ((31 + 2 * 1024 + 10) % 256) / 256);
    assert.equal(set.images[0], 0);
    assert.ok(Math.max(...set.images) < 1);
  });

  test('several files join in order; later names resolve in the first one\'s directory', () => {
    write('a.bin', records([1]));
    write('b.bin', records([2, 4]));
    const set = loadCifar10([join(root, 'a.bin'), 'b.bin']);
    assert.deepEqual([...set.labels], [1, 2, 4]);
    assert.equal(set.images.length, 3 * 3072);
    assert.equal(set.images[3072 + 5], 5 / 256);
  });

  test('a truncated file is a DataError naming the file and the byte counts', () => {
    const file = write('short.bin', records([1, 2]).subarray(0, 2 * CIFAR10_RECORD_BYTES - 100));
    assert.throws(() => readCifar10(file), dataErrorNaming(file, /truncated.*6046 bytes.*3073-byte records \(1 records and 2973 bytes over\)/));
    const empty = write('empty.bin', new Uint8Array(0));
    assert.throws(() => readCifar10(empty), dataErrorNaming(empty, /empty/));
  });

  test('a label above 9 is a DataError naming the record', () => {
    const file = write('label.bin', records([0, 10]));
    assert.throws(() => readCifar10(file), dataErrorNaming(file, /record 1 .*label 10, outside 0\.\.9/));
    assert.throws(() => parseCifar10(records([12]), 'here'), /here: record 0/);
  });

  test('a missing file is a DataError naming it', () => {
    const file = join(root, 'nope.bin');
    assert.throws(() => readCifar10(file), dataErrorNaming(file, /cannot read it \(.*ENOENT\)/));
  });
});

describe('"cifar10:" sources of definition files', () => {
  test('fill a MemoryData layer with [N, 3, 32, 32] images and [N] labels', () => {
    write('s1.bin', records([5, 6]));
    write('s2.bin', records([7]));
    const [layer] = resolveSources([{ type: 'MemoryData', name: 'd', tops: ['data', 'label'], batchSize: 1, source: `cifar10:${root}/s1.bin,s2.bin` }]);
    const data = layer!.data as { values: Float32Array; shape: number[] }[];
    assert.equal(layer!.source, undefined);
    assert.deepEqual(data.map((d) => d.shape), [[3, 3, 32, 32], [3]]);
    assert.deepEqual([...data[1]!.values], [5, 6, 7]);
  });

  test('errors name the layer and the source', () => {
    const file = write('bad.bin', records([11]));
    assert.throws(() => resolveSources([{ type: 'MemoryData', name: 'train-data', source: `cifar10:${file}` }]),
      (e: unknown) => e instanceof DataError && /layer "train-data" \(MemoryData\) source .*label 11/.test(e.message));
    assert.throws(() => resolveSources([{ type: 'MemoryData', name: 'x', source: `cifar10:${file},` }]), /empty file name/);
    assert.throws(() => resolveSources([{ type: 'MemoryData', name: 'x', source: 'cifar100:a.bin' }]), /known sources: .*"cifar10:<dir>/);
  });
});
