/** Hdf5Writer: extensible sample datasets, dtypes, attributes, overwrite refusal, atomic files, list files. */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataError, ShapeError } from '../../src/core/errors.js';
import { hdf5, type H5Wasm } from '../../src/node/io/hdf5.js';
import { Hdf5Writer, writeListFile } from '../../src/node/io/hdf5-writer.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-h5w-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'f.h5'): string => join(root, `d${n++}`, name);

let h5: H5Wasm;
before(async () => {
  h5 = await hdf5();
});

interface Read {
  value: unknown;
  shape: number[];
  dtype: unknown;
  maxshape: number[] | null;
  chunks: number[] | null;
  filters: string[];
  attrs: Record<string, unknown>;
}

/** Reads every dataset of a closed file with h5wasm, and the root attributes under '/'. */
function readBack(path: string): Record<string, Read> {
  const f = new h5.File(path, 'r');
  assert.ok(f.file_id >= 0n, `cannot open ${path}`);
  try {
    const out: Record<string, Read> = {};
    const attrsOf = (o: { attrs: object; get_attribute(n: string, j: false): unknown }) =>
      Object.fromEntries(Object.keys(o.attrs).map((k) => [k, o.get_attribute(k, false)]));
    out['/'] = { value: undefined, shape: [], dtype: undefined, maxshape: null, chunks: null, filters: [], attrs: attrsOf(f) };
    for (const name of f.keys()) {
      const ds = f.get(name) as InstanceType<H5Wasm['Dataset']>;
      const md = ds.metadata;
      out[name] = { value: ds.value, shape: md.shape ?? [], dtype: ds.dtype, maxshape: md.maxshape, chunks: md.chunks, filters: ds.filters.map((x) => x.name), attrs: attrsOf(ds) };
    }
    return out;
  } finally {
    f.close();
  }
}

describe('Hdf5Writer', () => {
  test('appends rows of several dtypes in several calls; datasets are extensible and chunked', () => {
    const path = fresh();
    const w = Hdf5Writer.create(path);
    const x = w.createDataset('x', { dtype: 'float32', sampleShape: [2, 3] });
    const img = w.createDataset('img', { dtype: 'uint8', sampleShape: [1, 2, 2], gzip: 6, chunkRows: 2 });
    const lab = w.createDataset('label', { dtype: 'int32', sampleShape: [] });
    const xs = Float32Array.from({ length: 5 * 6 }, (_, i) => i * 0.5 - 3.25);
    x.append(xs.subarray(0, 12));
    x.append(xs.subarray(12, 12));
    x.append(xs.subarray(12));
    const pixels = Uint8Array.from({ length: 3 * 4 }, (_, i) => (i * 37) % 256);
    img.append(pixels.subarray(0, 4));
    img.append(pixels.subarray(4));
    lab.append(Int32Array.from([7, -2, 2147483647]));
    assert.deepEqual(x.shape, [5, 2, 3]);
    assert.equal(img.rows, 3);
    assert.equal(w.close(), path);

    const r = readBack(path);
    assert.deepEqual(r.x.shape, [5, 2, 3]);
    assert.equal(r.x.dtype, '<f');
    assert.deepEqual(r.x.value, xs);
    assert.equal(r.x.maxshape?.[0], 2 ** 64, 'first axis unlimited');
    assert.deepEqual(r.x.maxshape?.slice(1), [2, 3]);
    assert.ok(r.x.chunks && r.x.chunks[0]! >= 1);
    assert.deepEqual(r.img.shape, [3, 1, 2, 2]);
    assert.equal(r.img.dtype, '<B');
    assert.deepEqual(r.img.value, pixels);
    assert.deepEqual(r.img.chunks, [2, 1, 2, 2]);
    assert.deepEqual(r.img.filters, ['deflate']);
    assert.deepEqual(r.x.filters, []);
    assert.deepEqual(r.label.shape, [3]);
    assert.equal(r.label.dtype, '<i');
    assert.deepEqual(r.label.value, Int32Array.from([7, -2, 2147483647]));
  });

  test('writeDataset writes a whole dataset; float64 stays float64', () => {
    const path = fresh();
    const w = Hdf5Writer.create(path);
    const v = Float64Array.from([Math.PI, -0, 1e-300, 2 ** 60]);
    w.writeDataset('v', [2, 2], v);
    assert.throws(() => w.writeDataset('w', [3], Float32Array.from([1, 2])), ShapeError);
    w.close();
    const r = readBack(path);
    assert.equal(r.v.dtype, '<d');
    assert.deepEqual(r.v.shape, [2, 2]);
    assert.deepEqual(r.v.value, v);
  });

  test('string and number attributes on the root and on datasets; setting one again replaces it', () => {
    const path = fresh();
    const w = Hdf5Writer.create(path);
    w.createDataset('d', { dtype: 'float32', sampleShape: [1] });
    w.setAttr('classes', JSON.stringify(['cat', 'dog']));
    w.setAttr('scale', 0.5, 'd');
    w.setAttr('scale', 0.25, 'd');
    assert.throws(() => w.setAttr('x', 1, 'nope'), /no dataset "nope"/);
    assert.throws(() => w.setAttr('x', Number.NaN), /finite number/);
    w.close();
    const r = readBack(path);
    assert.deepEqual(JSON.parse(r['/'].attrs.classes as string), ['cat', 'dog']);
    assert.equal(r.d.attrs.scale, 0.25);
  });

  test('refuses an existing file unless overwrite, saying how to allow it', () => {
    const path = fresh();
    Hdf5Writer.create(path).close();
    assert.throws(() => Hdf5Writer.create(path), (e: Error) => e instanceof DataError && e.message.includes(path) && /already exists; pass overwrite: true/.test(e.message));
    assert.throws(() => Hdf5Writer.create(path, { overwriteHint: 'pass --overwrite' }), /pass --overwrite/);
    assert.throws(() => Hdf5Writer.create(path, { atomic: true }), /already exists/);
    const w = Hdf5Writer.create(path, { overwrite: true });
    w.writeDataset('new', [1], Float32Array.from([1]));
    w.close();
    assert.deepEqual(Object.keys(readBack(path)), ['/', 'new']);
  });

  test('rejects bad input with messages naming the file and dataset', () => {
    const path = fresh();
    const w = Hdf5Writer.create(path);
    const d = w.createDataset('d', { dtype: 'uint8', sampleShape: [3], maxRows: 2 });
    assert.throws(() => d.append(Float32Array.from([1, 2, 3])), (e: Error) => e instanceof DataError && /dataset "d": appended values must be uint8 \(Uint8Array\), found float32/.test(e.message) && e.message.includes(path));
    assert.throws(() => d.append(new Uint8Array(4)), /appended 4 values, not a whole number of samples of shape \[3\]/);
    d.append(new Uint8Array(6));
    assert.throws(() => d.append(new Uint8Array(3)), /exceeds its 2 rows at most/);
    assert.throws(() => w.createDataset('d', { dtype: 'uint8', sampleShape: [3] }), /created twice/);
    assert.throws(() => w.createDataset('a/b', { dtype: 'uint8', sampleShape: [3] }), /without '\/'/);
    assert.throws(() => w.createDataset('z', { dtype: 'uint8', sampleShape: [0] }), /positive integers, found \[0\]/);
    assert.throws(() => w.createDataset('z', { dtype: 'uint8', sampleShape: [1], gzip: 12 }), /gzip must be a level 1 to 9/);
    assert.throws(() => Hdf5Writer.create(path, { overwrite: true }), /already open for writing in this process/);
    w.close();
    assert.equal(w.close(), path, 'a second close does nothing');
    assert.throws(() => d.append(new Uint8Array(3)), /the file is closed/);
    assert.deepEqual(readBack(path).d.shape, [2, 3]);
  });

  test('flush makes the rows so far readable from the file on disk while it stays open', () => {
    const path = fresh();
    const w = Hdf5Writer.create(path);
    const d = w.createDataset('d', { dtype: 'float32', sampleShape: [2] });
    d.append(Float32Array.from([1, 2, 3, 4]));
    w.flush();
    const copy = `${path}.copy.h5`;
    copyFileSync(path, copy);
    d.append(Float32Array.from([5, 6]));
    w.flush();
    const copy2 = `${path}.copy2.h5`;
    copyFileSync(path, copy2);
    w.close();
    assert.deepEqual(readBack(copy).d.value, Float32Array.from([1, 2, 3, 4]));
    assert.deepEqual(readBack(copy2).d.value, Float32Array.from([1, 2, 3, 4, 5, 6]));
  });

  test('an atomic writer writes <path>.tmp and renames it at close; abort leaves the old file untouched', () => {
    const path = fresh();
    mkdirSync(dirname(path));
    writeFileSync(path, 'old contents');
    const w = Hdf5Writer.create(path, { atomic: true, overwrite: true });
    w.writeDataset('d', [2], Float32Array.from([1, 2]));
    assert.ok(existsSync(`${path}.tmp`));
    assert.equal(readFileSync(path, 'utf8'), 'old contents');
    w.close();
    assert.ok(!existsSync(`${path}.tmp`));
    assert.deepEqual(readBack(path).d.value, Float32Array.from([1, 2]));

    const w2 = Hdf5Writer.create(path, { atomic: true, overwrite: true });
    w2.writeDataset('other', [1], Float32Array.from([9]));
    w2.abort();
    assert.ok(!existsSync(`${path}.tmp`));
    assert.deepEqual(Object.keys(readBack(path)), ['/', 'd']);

    const other = fresh();
    const w3 = Hdf5Writer.create(other, { atomic: true });
    w3.abort();
    assert.ok(!existsSync(other) && !existsSync(`${other}.tmp`), 'an aborted atomic writer leaves nothing');
  });
});

describe('writeListFile', () => {
  test('one path per line, relative to the list file folder; refuses an existing list unless overwrite', () => {
    const dir = join(root, `list${n++}`);
    const list = join(dir, 'lists', 'train.txt');
    const written = writeListFile(list, [join(dir, 'lists', 'a.h5'), join(dir, 'data', 'b.h5')]);
    assert.equal(written, list);
    assert.equal(readFileSync(list, 'utf8'), 'a.h5\n../data/b.h5\n');
    assert.throws(() => writeListFile(list, []), (e: Error) => e instanceof DataError && e.message.includes(list) && /already exists/.test(e.message));
    writeListFile(list, [join(dir, 'c.h5')], { overwrite: true });
    assert.equal(readFileSync(list, 'utf8'), '../c.h5\n');
    assert.ok(!existsSync(`${list}.tmp`));
  });
});
