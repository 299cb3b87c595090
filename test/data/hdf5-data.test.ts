/**
 * HDF5Data: list files, order and epochs, shuffling, integer and float datasets, batches across
 * files, exact resume, validation errors naming the file and dataset, and a Net on the js backend.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { DataError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { HDF5DataLayer } from '../../src/node/data/hdf5-data.js';
import { Hdf5Reader, checkFilters } from '../../src/node/io/hdf5-reader.js';
import { buildLayer, type BuiltLayer } from '../harness/context.js';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { SAMPLE_SIZE, dataValue, standardDatasets, standardSource, tempDir, writeH5 } from './h5-fixtures.js';

const backend = new JsBackend('float32');
const tmp = tempDir();
after(tmp.cleanup);
let list = '';
const ROWS = [7, 3, 5];
const N = 15;

before(async () => {
  list = await standardSource(tmp.dir, ROWS);
});

function config(extra: Record<string, unknown> = {}, type = 'HDF5Data'): LayerConfig {
  return { type, name: 'h5', tops: ['data', 'label'], source: list, batchSize: 4, chunkSize: 4, ...extra };
}

const built: BuiltLayer[] = [];
after(() => built.forEach((b) => b.layer.destroy?.()));
function build(c: LayerConfig, seed = 42, phase: 'train' | 'test' = 'train'): BuiltLayer {
  const b = buildLayer(backend, c, [], { seed, phase, layerTypes: nodeLayerTypes });
  built.push(b);
  return b;
}

/** Labels (global sample numbers) of the next batch, after checking the data top agrees with them. */
function next(b: BuiltLayer): number[] {
  b.layer.forward([], b.tops);
  const labels = [...b.tops[1].read()];
  const data = b.tops[0].read();
  labels.forEach((g, i) => assert.equal(data[i * SAMPLE_SIZE + 5], dataValue(g, 5)));
  return labels;
}

const epochOf = (b: BuiltLayer) => (b.layer as HDF5DataLayer).epoch;
const batches = (b: BuiltLayer, n: number) => Array.from({ length: n }, () => next(b)).flat();

describe('HDF5Data', () => {
  it('serves the listed files in order, batches crossing files, and wraps into the next epoch', () => {
    const b = build(config());
    assert.equal(b.layer.isData, true);
    assert.deepEqual(b.tops.map((t) => t.shape), [[4, 1, 3, 4], [4]]);
    assert.deepEqual(next(b), [0, 1, 2, 3]);
    assert.deepEqual(next(b), [4, 5, 6, 7]); // crosses from file 0 into file 1
    assert.deepEqual(next(b), [8, 9, 10, 11]);
    assert.equal(epochOf(b), 0);
    assert.deepEqual(next(b), [12, 13, 14, 0]);
    assert.equal(epochOf(b), 1);
    assert.deepEqual(b.tops[0].read().subarray(0, 3), Float32Array.from([12000, 12001, 12002]));
  });

  it('serves every sample exactly once per epoch; the epoch changes as soon as the last one is served', () => {
    const b = build(config({ shuffle: true, batchSize: 5 }));
    const served = batches(b, 3);
    assert.equal(epochOf(b), 1);
    assert.deepEqual([...served].sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
    const more = batches(b, 6);
    assert.equal(epochOf(b), 3);
    for (let e = 0; e < 2; e++) assert.deepEqual(more.slice(e * N, (e + 1) * N).sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));
  });

  it('shuffle: a permutation that differs from the plain order and between epochs; the same seed gives the same order', () => {
    const plain = batches(build(config({ batchSize: 5 })), 3);
    const a = batches(build(config({ shuffle: true, batchSize: 5 }), 7), 6);
    const again = batches(build(config({ shuffle: true, batchSize: 5 }), 7), 6);
    const other = batches(build(config({ shuffle: true, batchSize: 5 }), 8), 6);
    assert.deepEqual(again, a);
    assert.notDeepEqual(a.slice(0, N), plain);
    assert.notDeepEqual(a.slice(N), a.slice(0, N));
    assert.notDeepEqual(other, a);
  });

  it('draws from its own stream: other draws from the net\'s random source after setup do not change the order', () => {
    const a = build(config({ shuffle: true }), 11);
    const b = build(config({ shuffle: true }), 11);
    for (let i = 0; i < 50; i++) b.ctx.rng.nextUint32();
    assert.deepEqual(batches(b, 8), batches(a, 8));
  });

  it('getState/setState resumes exactly, mid-chunk and mid-epoch, with shuffling', () => {
    const a = build(config({ shuffle: true, batchSize: 3 }), 5);
    batches(a, 6); // 18 samples: into the second epoch
    const state = JSON.parse(JSON.stringify(a.layer.getState!()));
    assert.deepEqual(Object.keys(state).sort(), ['cursor', 'epoch', 'stream']);
    assert.equal(state.epoch, 1);
    assert.equal(state.cursor, 3);
    const expected = batches(a, 12);
    const b = build(config({ shuffle: true, batchSize: 3 }), 99);
    b.layer.setState!(state);
    assert.deepEqual(batches(b, 12), expected);
    assert.equal(epochOf(b), epochOf(a));
    assert.throws(() => b.layer.setState!({ ...state, cursor: N }), /field "cursor" must be below the 15 samples/);
  });

  it('reads float64 data and every integer label type as float values; chunked and gzip-compressed datasets too', async () => {
    const kinds: [string, ArrayLike<number> | BigInt64Array | BigUint64Array][] = [
      ['<B', Uint8Array.from([0, 255, 7])], ['<b', Int8Array.from([-128, 127, 3])], ['<h', Int16Array.from([-300, 2, 3])],
      ['<H', Uint16Array.from([65535, 2, 3])], ['<i', Int32Array.from([-70000, 2, 3])], ['<I', Uint32Array.from([4000000000, 2, 3])],
      ['<q', BigInt64Array.from([-5n, 2n, 1n << 40n])], ['<Q', BigUint64Array.from([5n, 2n, 1n << 40n])], ['<d', Float64Array.from([0.5, -2.25, 3])],
    ];
    for (const [dtype, values] of kinds) {
      const file = join(tmp.dir, `kind-${dtype.replace(/[<|]/g, '')}.h5`);
      const data = Float64Array.from({ length: 3 * 6 }, (_, i) => i / 4 - 1);
      await writeH5(file, [
        { name: 'data', values: data, shape: [3, 2, 3], dtype: '<d', chunks: [2, 2, 3], compression: 'gzip' },
        { name: 'label', values, shape: [3], dtype },
      ]);
      writeFileSync(join(tmp.dir, 'kind.txt'), `${file}\n`);
      const b = build({ type: 'HDF5Data', name: 'k', tops: ['data', 'label'], source: join(tmp.dir, 'kind.txt'), batchSize: 3, chunkSize: 2 });
      b.layer.forward([], b.tops);
      assert.deepEqual([...b.tops[1].read()], Array.from(values as ArrayLike<number | bigint>, Number), dtype);
      assert.deepEqual([...b.tops[0].read()], [...data]);
      b.layer.destroy?.();
    }
  });

  it('applies transformers per sample: SubMean from a mean file, crop and mirror drawn from the plan', async () => {
    const meanFile = join(tmp.dir, 'mean.h5');
    await writeH5(meanFile, [{ name: 'mean', values: Float32Array.from({ length: 12 }, (_, j) => j), shape: [1, 1, 3, 4], dtype: '<f' }]);
    const b = build(config({ batchSize: 15, transformers: [{ type: 'SubMean', meanFile }, { type: 'RandomCrop', height: 2, width: 2 }, { type: 'RandomMirror' }] }));
    assert.deepEqual(b.tops[0].shape, [15, 1, 2, 2]);
    b.layer.forward([], b.tops);
    const data = b.tops[0].read();
    const labels = b.tops[1].read();
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const g = labels[i];
      const got = [...data.subarray(4 * i, 4 * i + 4)].map((v) => v - 1000 * g);
      // the mean removes j from value 1000 g + j, so whatever the crop and mirror, 1000 g is left
      assert.deepEqual(got, [0, 0, 0, 0], `sample ${i}`);
    }
    const raw = build(config({ batchSize: 15, transformers: [{ type: 'RandomCrop', height: 2, width: 2 }, { type: 'RandomMirror' }] }));
    raw.layer.forward([], raw.tops);
    const r = raw.tops[0].read();
    for (let i = 0; i < 15; i++) {
      const j = [...r.subarray(4 * i, 4 * i + 4)].map((v) => v - 1000 * raw.tops[1].read()[i]);
      const [y, x] = [Math.floor(Math.min(...j) / 4), Math.min(...j) % 4];
      const mirrored = j[0] > j[1];
      assert.deepEqual(j, mirrored ? [4 * y + x + 1, 4 * y + x, 4 * y + x + 5, 4 * y + x + 4] : [4 * y + x, 4 * y + x + 1, 4 * y + x + 4, 4 * y + x + 5]);
      seen.add(`${y},${x},${mirrored}`);
    }
    assert.ok(seen.size >= 4, `only ${seen.size} distinct crop/mirror draws in 15 samples`);
  });

  it('builds into a Net on the js backend and feeds it; Net.destroy closes the layer', () => {
    const def: LayerConfig[] = [
      config({ batchSize: 5, transformers: { data: [{ type: 'Scale', scale: 0.001 }] } }),
      { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 15 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    ];
    const net = new Net(def, { backend, seed: 3 });
    net.forward();
    assert.deepEqual([...net.blob('label').read()], [0, 1, 2, 3, 4]);
    assert.ok(Math.abs(net.blob('data').read()[SAMPLE_SIZE + 2] - 1.002) < 1e-6);
    assert.ok(Number.isFinite(net.loss()));
    net.backward();
    net.forward();
    assert.deepEqual([...net.blob('label').read()], [5, 6, 7, 8, 9]);
    assert.deepEqual(Object.keys(net.getDataState()), ['h5']);
    net.destroy();
  });
});

describe('HDF5Data errors name the list file, line, file and dataset', () => {
  const at = (name: string, lines: string[]) => {
    const p = join(tmp.dir, name);
    writeFileSync(p, lines.join('\n'));
    return p;
  };
  const fails = (source: string, re: RegExp, tops = ['data', 'label']) =>
    assert.throws(() => build({ ...config({ source }), tops }), (e: Error) => e instanceof DataError && re.test(e.message), `expected ${re}`);

  it('a missing listed file: the list file and line number', () => {
    const src = at('missing.txt', ['# header', 'list.txt-part0.h5', '', 'nowhere.h5']);
    fails(src, /layer "h5" \(HDF5Data\): source list ".*missing\.txt", line 4: HDF5 file ".*nowhere\.h5": cannot read the file \(ENOENT\)/);
  });

  it('an empty list, and a missing list file', () => {
    fails(at('empty.txt', ['# nothing', '  ']), /the source list ".*empty\.txt" names no HDF5 file/);
    fails(join(tmp.dir, 'absent.txt'), /source list ".*absent\.txt": cannot read it \(.*ENOENT\)/);
  });

  it('a dataset missing in some file', async () => {
    await writeH5(join(tmp.dir, 'nolabel.h5'), standardDatasets(0, 3).slice(0, 1));
    fails(at('nolabel.txt', ['list.txt-part0.h5', 'nolabel.h5']), /line 2: HDF5 file ".*nolabel\.h5": expected a dataset "label", found nothing; the file's root holds "data"/);
  });

  it('a per-sample shape differing between files, and tops with different row counts', async () => {
    const [data] = standardDatasets(0, 4);
    await writeH5(join(tmp.dir, 'wide.h5'), [{ ...data, shape: [4, 1, 4, 3] }, standardDatasets(0, 4)[1]]);
    fails(at('wide.txt', ['list.txt-part0.h5', 'wide.h5']), /line 2: HDF5 file ".*wide\.h5", dataset "data" has shape \[4, 1, 4, 3\] \(samples of \[1, 4, 3\]\), but in ".*part0\.h5" \(line 1\) it has shape \[7, 1, 3, 4\]/);
    await writeH5(join(tmp.dir, 'rows.h5'), [data, { name: 'label', values: Int32Array.from([1, 2, 3]), shape: [3], dtype: '<i4' }]);
    fails(at('rows.txt', ['rows.h5']), /HDF5 file ".*rows\.h5": every top's dataset must have the same number of rows.*"data" has shape \[4, 1, 3, 4\], dataset "label" has \[3\]/);
  });

  it('an unsupported filter (lzf, crafted from a gzip file): names file, dataset, filter and the fix', async () => {
    const file = join(tmp.dir, 'lzf.h5');
    await writeH5(file, [{ name: 'data', values: Float32Array.from({ length: 24 }, (_, i) => i), shape: [2, 1, 3, 4], dtype: '<f', chunks: [1, 1, 3, 4], compression: 'gzip' }], true);
    // h5wasm cannot write lzf (it only sets filters it has); in a version-1 pipeline message the
    // filter's id and name are plain bytes, so the deflate entry is rewritten as lzf (id 32000).
    const bytes = readFileSync(file);
    const at8 = bytes.indexOf(Buffer.from('deflate\0'));
    assert.ok(at8 > 8);
    bytes.writeUInt16LE(32000, at8 - 8);
    bytes.write('lzf\0\0\0\0\0', at8, 'latin1');
    writeFileSync(file, bytes);
    fails(at('lzf.txt', ['lzf.h5']), /HDF5 file ".*lzf\.h5", dataset "data": compressed with the HDF5 filter "lzf" \(id 32000\).*Rewrite the file with gzip/, ['data']);
  });

  it('an unsupported element type (strings)', async () => {
    await writeH5(join(tmp.dir, 'text.h5'), [{ name: 'data', values: ['cat', 'dog', 'eel'], shape: [3] }]);
    fails(at('text.txt', ['text.h5']), /HDF5 file ".*text\.h5", dataset "data": expected numbers \(float32, float64 or an integer type\), found HDF5 type class string/, ['data']);
  });

  it('a truncated HDF5 file (cut in half)', () => {
    const whole = join(tmp.dir, 'list.txt-part0.h5');
    const cut = join(tmp.dir, 'cut.h5');
    copyFileSync(whole, cut);
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    fails(at('cut.txt', ['list.txt-part0.h5', 'cut.h5']), /line 2: HDF5 file ".*cut\.h5": truncated HDF5 file/);
  });
});

describe('Hdf5Reader', () => {
  it('decodes nbit (float32) and scaleoffset (int32) filtered datasets exactly, by hyperslab', async () => {
    const file = join(tmp.dir, 'filters.h5');
    const f = Float32Array.from({ length: 40 }, (_, i) => i * 1.5 - 7.25);
    const n = Int32Array.from({ length: 40 }, (_, i) => i * 7 - 100);
    await writeH5(file, [
      { name: 'nbit', values: f, shape: [10, 4], dtype: '<f', chunks: [3, 4], compression: 5, compression_opts: [] },
      { name: 'so', values: n, shape: [10, 4], dtype: '<i', chunks: [3, 4], compression: 6, compression_opts: [2, 0] },
      { name: 'shuffle', values: f, shape: [10, 4], dtype: '<f', chunks: [3, 4], compression: 2, compression_opts: [] },
      { name: 'fletcher', values: f, shape: [10, 4], dtype: '<f', chunks: [3, 4], compression: 3, compression_opts: [] },
    ]);
    const r = Hdf5Reader.open(file);
    try {
      for (const [name, values] of [['nbit', f], ['so', n], ['shuffle', f], ['fletcher', f]] as const) {
        const info = r.info(name);
        assert.ok(info.filters.length === 1, name);
        assert.deepEqual([...r.readRows(info, 2, 5)], [...values.subarray(8, 28)], name);
      }
      assert.throws(() => r.readRows(r.info('so'), 8, 3), /rows \[8, 11\) are outside its 10 rows/);
    } finally {
      r.close();
    }
  });

  it('checkFilters refuses filters this build cannot decode, named even when HDF5 gives no name', () => {
    checkFilters([{ id: 2, name: 'shuffle', cd_values: [4] }, { id: 1, name: 'deflate', cd_values: [4] }], 'F', 'd');
    assert.throws(() => checkFilters([{ id: 32001, name: '', cd_values: [] }], 'HDF5 file "a.h5"', 'data'), (e: Error) =>
      e instanceof DataError && /HDF5 file "a\.h5", dataset "data": compressed with the HDF5 filter "blosc" \(id 32001\)/.test(e.message));
    assert.throws(() => checkFilters([{ id: 4, name: 'szip', cd_values: [] }], 'F', 'd'), /"szip" \(id 4\).*gzip/);
  });
});

describe('HDF5Data with absurd sizes', () => {
  /** A file declaring 10^12 rows (data [10^12, 4] float32, label [10^12] int32) that stores one chunk: tiny on disk. */
  async function hugeSource(): Promise<string> {
    const { hdf5 } = await import('../../src/node/io/hdf5.js');
    const h5 = await hdf5();
    const path = join(tmp.dir, 'huge.h5');
    const f = new h5.File(path, 'w');
    try {
      f.create_dataset({ name: 'data', data: Float32Array.from([1, 2, 3, 4]), shape: [1, 4], maxshape: [null, 4], chunks: [1024, 4], dtype: '<f' });
      f.create_dataset({ name: 'label', data: Int32Array.from([7]), shape: [1], maxshape: [null], chunks: [1024], dtype: '<i' });
      for (const [name, rest] of [['data', [4]], ['label', []]] as const) (f.get(name) as unknown as { resize(s: number[]): void }).resize([1e12, ...rest]);
    } finally {
      f.close();
    }
    const listFile = join(tmp.dir, 'huge.txt');
    writeFileSync(listFile, 'huge.h5\n');
    return listFile;
  }

  it('a 10^12-row file is planned in O(files) and served batch by batch, shuffled, and resumes exactly', async () => {
    const source = await hugeSource();
    const c = config({ source, shuffle: true, batchSize: 5, chunkSize: 1024 });
    const a = build(c, 3);
    const layer = a.layer as HDF5DataLayer;
    assert.equal(layer.samples, 1e12);
    a.layer.forward([], a.tops);
    assert.deepEqual(a.tops[0].shape, [5, 4]);
    const state = layer.getState();
    assert.equal(state.cursor, 5);
    a.layer.forward([], a.tops);
    const want = [...a.tops[1].read()];
    const b = build(c, 77);
    (b.layer as HDF5DataLayer).setState(JSON.parse(JSON.stringify(state)));
    b.layer.forward([], b.tops);
    assert.deepEqual([...b.tops[1].read()], want);
    assert.deepEqual((b.layer as HDF5DataLayer).getState(), layer.getState());
  });

  it('a batch or chunk no array can hold is refused before allocating, naming the layer and the field', () => {
    assert.throws(() => build(config({ batchSize: 2 ** 31 - 1 })), (e: Error) => /layer "h5" \(HDF5Data\): field "batchSize" must be at most 178956970/.test(e.message));
    assert.throws(() => build(config({ chunkSize: 1e20 })), (e: Error) => /layer "h5" \(HDF5Data\): field "chunkSize" must be <= 2147483647/.test(e.message));
  });
});
