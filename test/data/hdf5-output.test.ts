/** HDF5Output in a small net: appended batches equal the blobs, the file is complete after each batch, overwrite refusal. */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { hdf5Loaded } from '../../src/node/io/hdf5.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-h5out-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `d${n++}`, 'out.h5');

const N = 10;
const BATCH = 4;

/** MemoryData (10 samples of 2 values, labels 0..2) → InnerProduct (3 outputs) → SoftmaxLoss, with HDF5Output saving ip and label. */
function definition(filename: string, output: Record<string, unknown> = {}): LayerConfig[] {
  const data = Float32Array.from({ length: 2 * N }, (_, i) => Math.sin(i) * 2);
  const label = Float32Array.from({ length: N }, (_, i) => i % 3);
  return [
    { type: 'MemoryData', name: 'mem', tops: ['data', 'label'], batchSize: BATCH, data: [{ values: data, shape: [N, 2] }, { values: label, shape: [N] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    { type: 'HDF5Output', name: 'save', bottoms: ['ip', 'label'], filename, ...output },
  ];
}

/** Every dataset of a (closed, or copied) file: values and shape. */
function readFile(path: string): Record<string, { value: unknown; shape: number[]; dtype: unknown }> {
  const h5 = hdf5Loaded();
  const f = new h5.File(path, 'r');
  assert.ok(f.file_id >= 0n, `cannot open ${path}`);
  try {
    const out: Record<string, { value: unknown; shape: number[]; dtype: unknown }> = {};
    for (const name of f.keys()) {
      const ds = f.get(name) as InstanceType<typeof h5.Dataset>;
      out[name] = { value: ds.value, shape: ds.shape ?? [], dtype: ds.dtype };
    }
    return out;
  } finally {
    f.close();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((k, p) => k + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('HDF5Output', () => {
  test('appends each batch of its bottoms; the file read back equals the blobs, batch after batch', () => {
    const file = fresh();
    const net = new Net(definition(file), { backend: new JsBackend('float32') });
    const ips: Float32Array[] = [];
    const labels: Float32Array[] = [];
    const copies: string[] = [];
    for (let it = 0; it < 3; it++) {
      net.forward();
      net.backward();
      ips.push(Float32Array.from(net.blob('ip').read()));
      labels.push(Float32Array.from(net.blob('label').read()));
      // The file on disk is complete after every batch: a copy taken now opens and holds it.
      copies.push(`${file}.after${it}.h5`);
      copyFileSync(file, copies[it]!);
    }
    net.destroy();
    net.destroy();

    const r = readFile(file);
    assert.deepEqual(Object.keys(r), ['ip', 'label']);
    assert.deepEqual(r.ip.shape, [3 * BATCH, 3]);
    assert.equal(r.ip.dtype, '<f');
    assert.deepEqual(r.ip.value, concat(ips));
    assert.deepEqual(r.label.shape, [3 * BATCH]);
    assert.deepEqual(r.label.value, concat(labels));
    // The third batch wrapped around the 10 samples: labels 8, 9, 0, 1 → 2, 0, 0, 1.
    assert.deepEqual([...labels[2]!], [2, 0, 0, 1]);
    assert.notDeepEqual(ips[0], ips[1]);
    copies.forEach((c, it) => {
      const part = readFile(c);
      assert.deepEqual(part.ip.shape, [(it + 1) * BATCH, 3], `after batch ${it}`);
      assert.deepEqual(part.ip.value, concat(ips.slice(0, it + 1)));
    });
  });

  test('datasets renames the outputs; a float64 backend writes float64', () => {
    const file = fresh();
    const net = new Net(definition(file, { datasets: ['scores', 'y'] }), { backend: new JsBackend('float64') });
    net.forward();
    const ip = Float64Array.from(net.blob('ip').read());
    net.destroy();
    const r = readFile(file);
    assert.deepEqual(Object.keys(r), ['scores', 'y']);
    assert.equal(r.scores.dtype, '<d');
    assert.deepEqual(r.scores.value, ip);
  });

  test('an existing file is refused at setup, naming the layer and the file, unless overwrite', () => {
    const file = fresh();
    const first = new Net(definition(file), { backend: new JsBackend('float32') });
    first.forward();
    first.forward();
    assert.throws(
      () => new Net(definition(file, { overwrite: true }), { backend: new JsBackend('float32') }),
      /already open for writing in this process/,
    );
    first.destroy();
    assert.throws(
      () => new Net(definition(file), { backend: new JsBackend('float32') }),
      (e: Error) => e instanceof DataError && e.message.includes('layer "save" (HDF5Output)') && e.message.includes(file) && /already exists; set "overwrite": true on the layer/.test(e.message),
    );
    assert.equal(readFile(file).ip.shape[0], 2 * BATCH, 'the refused net left the file alone');
    const again = new Net(definition(file, { overwrite: true }), { backend: new JsBackend('float32') });
    again.forward();
    again.destroy();
    assert.equal(readFile(file).ip.shape[0], BATCH, 'overwrite starts a new file');
    assert.throws(() => again.forward(), /the output file is closed/);
  });

  test('config errors name the field', () => {
    const backend = new JsBackend('float32');
    const file = fresh();
    assert.throws(() => new Net(definition(file, { datasets: ['a'] }), { backend }), (e: Error) => e instanceof ConfigError && /field "datasets" must be a list of 2 names/.test(e.message));
    assert.throws(() => new Net(definition(file, { datasets: ['a', 'a'] }), { backend }), /field "datasets" must be distinct names, found ""a" twice"/);
    assert.throws(() => new Net(definition(file, { datasets: ['a/b', 'c'] }), { backend }), /names without '\/'/);
    assert.throws(() => new Net(definition(file, { filename: undefined }), { backend }), /field "filename" must be given/);
    assert.throws(() => new Net(definition(file, { overwrite: 'yes' }), { backend }), /field "overwrite" must be true or false/);
    assert.ok(!existsSync(file), 'no file is created for a bad definition');
  });
});

test('a net whose construction fails after HDF5Output was set up closes the file (the name can be used again)', () => {
  const file = fresh();
  const broken = [...definition(file), { type: 'Eltwise', name: 'bad', bottoms: ['ip', 'data'], tops: ['bad'] }];
  assert.throws(() => new Net(broken, { backend: new JsBackend() }), /bad/);
  const net = new Net(definition(file, { overwrite: true }), { backend: new JsBackend() });
  net.forward();
  net.destroy();
  assert.equal(readFile(file).ip.shape[0], BATCH);
});
