/**
 * AsyncHDF5Data: the same batches as HDF5Data (shuffle, epochs, crop and mirror), exact resume on
 * both layers, worker errors raised from forward naming the file, read-ahead bounded, and clean
 * shutdown (no worker thread left running).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { DataError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { AsyncHDF5DataLayer } from '../../src/node/data/async-hdf5-data.js';
import type { HDF5DataLayer } from '../../src/node/data/hdf5-data.js';
import { buildLayer, type BuiltLayer } from '../harness/context.js';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { standardSource, tempDir } from './h5-fixtures.js';

const backend = new JsBackend('float32');
const tmp = tempDir();
let list = '';
const asyncLayers: AsyncHDF5DataLayer[] = [];

before(async () => {
  list = await standardSource(tmp.dir, [7, 3, 5, 6]);
});

after(async () => {
  for (const l of asyncLayers) {
    l.destroy();
    await l.whenStopped();
    assert.equal(l.running, false);
  }
  tmp.cleanup();
});

function config(type: string, extra: Record<string, unknown> = {}): LayerConfig {
  return { type, name: 'h5', tops: ['data', 'label'], source: list, batchSize: 5, chunkSize: 4, ...extra };
}

function build(type: string, extra: Record<string, unknown> = {}, seed = 42, phase: 'train' | 'test' = 'train'): BuiltLayer {
  const b = buildLayer(backend, config(type, extra), [], { seed, phase, layerTypes: nodeLayerTypes });
  if (type === 'AsyncHDF5Data') asyncLayers.push(b.layer as AsyncHDF5DataLayer);
  return b;
}

/** Both tops of the next batch, and the epoch after it. */
function next(b: BuiltLayer): [number[], number[], number] {
  b.layer.forward([], b.tops);
  return [[...b.tops[0].read()], [...b.tops[1].read()], (b.layer as HDF5DataLayer).epoch];
}

function same(a: BuiltLayer, b: BuiltLayer, iters: number): void {
  for (let i = 0; i < iters; i++) assert.deepEqual(next(b), next(a), `batch ${i}`);
}

const transformers = { data: [{ type: 'SubMean', mean: [5] }, { type: 'RandomCrop', height: 2, width: 3 }, { type: 'RandomMirror' }, { type: 'Scale', scale: 0.5 }] };

describe('AsyncHDF5Data', () => {
  it('serves exactly HDF5Data\'s batches over several epochs: plain, shuffled, shuffled with crop and mirror', () => {
    for (const extra of [{}, { shuffle: true, readAhead: 1 }, { shuffle: true, readAhead: 3, transformers }, { batchSize: 7, chunkSize: 5, shuffle: true, transformers }]) {
      const { readAhead, ...syncExtra } = extra as { readAhead?: number };
      const s = build('HDF5Data', syncExtra, 17);
      const a = build('AsyncHDF5Data', { ...syncExtra, ...(readAhead && { readAhead }) }, 17);
      assert.deepEqual(a.tops.map((t) => t.shape), s.tops.map((t) => t.shape));
      same(s, a, 25);
      assert.ok((a.layer as HDF5DataLayer).epoch >= 4);
      a.layer.destroy!();
    }
  });

  it('the test phase crops the centre and never mirrors, on both layers', () => {
    const s = build('HDF5Data', { transformers }, 3, 'test');
    const a = build('AsyncHDF5Data', { transformers }, 3, 'test');
    assert.deepEqual(s.tops[0].shape, [5, 1, 2, 3]);
    same(s, a, 6);
    a.layer.destroy!();
  });

  it('getState/setState resume exactly on both layers, either way round, restarting the worker', () => {
    const extra = { shuffle: true, transformers };
    const a = build('AsyncHDF5Data', extra, 5);
    for (let i = 0; i < 9; i++) next(a);
    const state = JSON.parse(JSON.stringify(a.layer.getState!()));
    const s = build('HDF5Data', extra, 1);
    s.layer.setState!(state);
    const b = build('AsyncHDF5Data', extra, 2);
    next(b); // its worker runs from the start; setState must restart it at the saved position
    b.layer.setState!(state);
    for (let i = 0; i < 12; i++) {
      const want = next(a);
      assert.deepEqual(next(s), want, `sync batch ${i}`);
      assert.deepEqual(next(b), want, `async batch ${i}`);
    }
    const back = build('AsyncHDF5Data', extra, 9);
    back.layer.setState!(s.layer.getState!());
    same(s, back, 5);
  });

  it('the worker stays at most readAhead chunks ahead', async () => {
    const a = build('AsyncHDF5Data', { readAhead: 2, chunkSize: 2, batchSize: 1 });
    next(a);
    const layer = a.layer as AsyncHDF5DataLayer;
    for (let i = 0; i < 500 && layer.pending < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(layer.pending, 2);
    layer.destroy();
  });

  it('an error in the worker (a file vanished after setup) is raised from forward as a DataError naming the file', async () => {
    const dir = join(tmp.dir, 'vanish');
    mkdirSync(dir);
    for (const f of [0, 1]) copyFileSync(join(tmp.dir, `list.txt-part${f}.h5`), join(dir, `p${f}.h5`));
    writeFileSync(join(dir, 'list.txt'), 'p0.h5\np1.h5\n');
    const a = build('AsyncHDF5Data', { source: join(dir, 'list.txt') });
    rmSync(join(dir, 'p1.h5'));
    next(a);
    const check = (e: Error) => e instanceof DataError && /layer "h5" \(AsyncHDF5Data\), reader thread: HDF5 file ".*vanish\/p1\.h5": cannot read the file \(ENOENT\)/.test(e.message);
    assert.throws(() => next(a), check);
    assert.throws(() => next(a), check);
    const layer = a.layer as AsyncHDF5DataLayer;
    assert.equal(layer.running, false);
  });

  it('a process that never calls destroy still exits (the worker is unref\'d)', () => {
    const script = join(tmp.dir, 'forgets.mjs');
    const dist = (p: string) => JSON.stringify(fileURLToPath(new URL(p, import.meta.url)));
    writeFileSync(script, [
      `await import(${dist('../../src/node/layers.js')});`,
      `const { JsBackend } = await import(${dist('../../src/backend/js/js-backend.js')});`,
      `const { Net } = await import(${dist('../../src/node/net.js')});`,
      `const net = new Net([${JSON.stringify(config('AsyncHDF5Data', { readAhead: 3 }))}], { backend: new JsBackend('float32') });`,
      'net.forward();',
      'console.log(net.blob("label").read().join(","));',
    ].join('\n'));
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), '0,1,2,3,4');
  });

  it('runs in a Net; Net.destroy stops the worker thread', async () => {
    const def: LayerConfig[] = [
      config('AsyncHDF5Data', { shuffle: true, transformers: { data: [{ type: 'Scale', scale: 0.001 }] } }),
      { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 21 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    ];
    const net = new Net(def, { backend, seed: 3 });
    const sync = new Net([{ ...def[0], type: 'HDF5Data' }, ...def.slice(1)], { backend, seed: 3 });
    for (let i = 0; i < 6; i++) {
      net.forward();
      sync.forward();
      assert.deepEqual([...net.blob('label').read()], [...sync.blob('label').read()]);
      assert.ok(Number.isFinite(net.loss()));
    }
    const layer = net.layer('h5') as AsyncHDF5DataLayer;
    assert.equal(layer.running, true);
    net.destroy();
    sync.destroy();
    assert.equal(layer.running, false);
    await layer.whenStopped();
  });
});
