import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { loadWeights, saveWeights } from '../../src/node/io/snapshot.js';
import { paramEntries } from '../../src/node/snapshot.js';
import { loadWeightsFromBytes, weightsToBytes } from '../../src/browser/weights.js';

const layers = (): LayerConfig[] => [
  { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 2, data: [{ values: new Float32Array(8), shape: [2, 4] }, { values: new Float32Array(2), shape: [2] }] },
  { type: 'InnerProduct', name: 'ip/1', bottoms: ['x'], tops: ['h'], numOutput: 5 },
  { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['s'], numOutput: 3 },
  { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
];

test('weights written to bytes in memory are what Node reads back from a file, bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-wbytes-'));
  try {
    for (const dtype of ['float32', 'float64'] as const) {
      const net = new Net(layers(), { backend: new JsBackend(dtype), seed: 4 });
      const bytes = await weightsToBytes(net);
      const file = join(dir, `w-${dtype}.h5`);
      writeFileSync(file, bytes);
      const read = await loadWeights(file);
      assert.deepEqual([...read.keys()], net.params.map((p) => p.key));
      for (const p of net.params) {
        assert.deepEqual(read.get(p.key)!.shape, [...p.blob.shape]);
        assert.deepEqual(read.get(p.key)!.values, p.blob.read(), `${dtype} ${p.key}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadWeightsFromBytes reads a file Node wrote, and its own bytes; damage and missing parameters are errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-wbytes-'));
  try {
    const a = new Net(layers(), { backend: new JsBackend(), seed: 1 });
    const file = join(dir, 'a.h5');
    await saveWeights(file, paramEntries(a));
    const b = new Net(layers(), { backend: new JsBackend(), seed: 2 });
    assert.notDeepEqual(b.params[0].blob.read(), a.params[0].blob.read());
    assert.deepEqual(await loadWeightsFromBytes(b, new Uint8Array(readFileSync(file))), ['ip/1___weight', 'ip/1___bias', 'ip2___weight', 'ip2___bias']);
    b.params.forEach((p, i) => assert.deepEqual(p.blob.read(), a.params[i].blob.read()));

    const bytes = await weightsToBytes(a);
    const c = new Net(layers(), { backend: new JsBackend(), seed: 3 });
    await loadWeightsFromBytes(c, bytes);
    c.params.forEach((p, i) => assert.deepEqual(p.blob.read(), a.params[i].blob.read()));

    const damaged = bytes.slice();
    damaged[Math.floor(damaged.length / 2)] ^= 1;
    await assert.rejects(loadWeightsFromBytes(c, damaged), /weights bytes: the seal does not match/);
    const other = new Net([...layers().slice(0, 3), { type: 'InnerProduct', name: 'ip3', bottoms: ['s'], tops: ['t'], numOutput: 2 }], { backend: new JsBackend() });
    await assert.rejects(loadWeightsFromBytes(other, bytes, 'upload.h5'), /upload\.h5: no parameter "ip3___weight"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
