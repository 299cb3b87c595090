/** cortado time and timeNet: per-layer forward and backward times and shares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { loadNativeAddon, nativeLoadError } from '../../src/node/backend/native/load.js';
import { Net } from '../../src/node/net.js';
import { timeNet, type NetTiming } from '../../src/core/timing.js';
import { timingDefinition } from '../../src/node/cli/time.js';
import { cortado } from '../harness/cli.js';

const nativeSkip = loadNativeAddon() ? null : `native addon not built: ${nativeLoadError()}`;

/** A small conv net on 8 random 1×8×8 images: conv, ReLU, max-pool, fc, softmax loss (+ accuracy in test). */
function layers(): object[] {
  const n = 8;
  const x = Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37));
  const y = Array.from({ length: n }, (_, i) => i % 3);
  return [
    { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4, data: [{ values: x, shape: [n, 1, 8, 8] }, { values: y, shape: [n] }] },
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 4, kernel: 3 },
    { type: 'ReLU', name: 'relu', bottoms: ['c'], tops: ['r'] },
    { type: 'Pooling', name: 'pool', bottoms: ['r'], tops: ['p'], method: 'max', kernel: 2, stride: 2 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['p'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

function withFile<T>(contents: unknown, body: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-time-'));
  try {
    const file = join(dir, 'net.json');
    writeFileSync(file, typeof contents === 'string' ? contents : JSON.stringify(contents));
    return body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('timeNet times each layer call: with a clock that ticks 1 ms per reading, every call takes 1 ms', () => {
  const net = new Net(layers() as never, { backend: new JsBackend('float32'), phase: 'train' });
  let clock = 0;
  const t = timeNet(net, { iterations: 3, warmup: 1, now: () => clock++ });
  net.destroy();
  assert.deepEqual(t.layers.map((l) => l.name), ['data', 'conv', 'relu', 'pool', 'ip', 'loss']);
  for (const l of t.layers) assert.equal(l.forwardMs, 1, l.name);
  // The data layer gets no gradient, and conv's input needs none: conv runs backward for its parameters.
  assert.deepEqual(t.layers.map((l) => l.backwardMs), [null, 1, 1, 1, 1, 1]);
  assert.equal(t.forwardMs, 6);
  assert.equal(t.backwardMs, 5);
  assert.deepEqual(t.layers.map((l) => +l.share.toFixed(6)), [1, 2, 2, 2, 2, 2].map((k) => +((100 * k) / 11).toFixed(6)));
  assert.equal(t.batchSize, 4);
  // The whole-iteration clock is read twice around 3 iterations: 1 ms / 3.
  assert.equal(t.iterationMs, 1 / 3);
  assert.equal(t.imagesPerSecond, 12_000);
});

test('timeNet in the test phase times forward only; bad options are refused', () => {
  const net = new Net(layers() as never, { backend: new JsBackend('float32'), phase: 'test' });
  try {
    const t = timeNet(net, { iterations: 2, warmup: 0 });
    assert.equal(t.backward, false);
    assert.ok(t.layers.every((l) => l.backwardMs === null));
    assert.ok(t.layers.some((l) => l.type === 'Accuracy'));
    assert.ok(Math.abs(t.layers.reduce((s, l) => s + l.share, 0) - 100) < 1e-9);
    assert.throws(() => timeNet(net, { iterations: 0 }), /option "iterations" must be an integer of at least 1, found 0/);
    assert.throws(() => timeNet(net, { warmup: 1.5 }), /option "warmup"/);
  } finally {
    net.destroy();
  }
});

for (const backend of ['js', 'native'] as const) {
  test(`cortado time prints a row per layer whose shares add up to 100% (${backend})`, (t) => {
    if (backend === 'native' && nativeSkip) return t.skip(nativeSkip);
    withFile({ name: 'tiny', layers: layers() }, (file) => {
      const r = cortado(['time', file, '--backend', backend, '--iterations', '3', '--warmup', '1']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^tiny \\(train phase, ${backend} backend, batch 4\\): mean of 3 iterations after 1 warm-up`));
      const rows = [...r.out.matchAll(/^(\S+) +(\S+) +([\d.]+) +([\d.]+|-) +([\d.]+)%$/gm)];
      assert.deepEqual(rows.map((m) => m[1]), ['data', 'conv', 'relu', 'pool', 'ip', 'loss']);
      assert.equal(rows[1]![2], 'Convolution');
      assert.equal(rows[0]![4], '-');
      const shares = rows.reduce((s, m) => s + Number(m[5]), 0);
      assert.ok(Math.abs(shares - 100) < 0.5, `shares add up to ${shares}`);
      assert.match(r.out, /^total +[\d.]+ +[\d.]+ +100\.0%$/m);
      assert.match(r.out, /^iteration \(forward \+ backward, timed whole\): [\d.]+ ms, [\d,]+ images\/s$/m);

      const j = cortado(['time', file, '--backend', backend, '--phase', 'test', '--batch', '2', '--iterations', '1', '--json']);
      assert.equal(j.code, 0, j.err);
      const timing = JSON.parse(j.out) as NetTiming;
      assert.equal(timing.batchSize, 2);
      assert.equal(timing.backend, backend);
      assert.deepEqual(timing.layers.map((l) => l.backwardMs), timing.layers.map(() => null));
      assert.ok(timing.layers.every((l) => l.forwardMs >= 0 && Number.isFinite(l.share)));
    });
  });
}

test('cortado time explains a bad file, a missing data set and bad flags', () => {
  const missing = cortado(['time', join(tmpdir(), 'no-such-net.json'), '--backend', 'js']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /net definition .*no-such-net\.json/);
  withFile('{ "layers": [ oops', (file) => {
    const r = cortado(['time', file, '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /net definition .*net\.json is not valid JSON/);
  });
  const cifar = [{ type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 2, source: 'cifar10:nowhere/data_batch_1.bin' },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['s'], numOutput: 10 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] }];
  withFile(cifar, (file) => {
    const r = cortado(['time', file, '--backend', 'js']);
    assert.equal(r.code, 1);
    assert.match(r.err, /layer "d" \(MemoryData\) source .*cannot read it[\s\S]*--synthetic/);
    const s = cortado(['time', file, '--backend', 'js', '--synthetic', '--iterations', '1', '--json']);
    assert.equal(s.code, 0, s.err);
    assert.equal((JSON.parse(s.out) as NetTiming).batchSize, 2);
    assert.equal(cortado(['time', file, '--iterations', '0']).code, 2);
    assert.equal(cortado(['time', file, '--phase', 'deploy']).code, 2);
    assert.match(cortado(['time', file, '--batch', 'x']).err, /--batch must be an integer of at least 1, found "x"/);
  });
});

test('timingDefinition sets every batch size and fills named data sets with random data of their shape', () => {
  const out = timingDefinition([
    { type: 'MemoryData', name: 'm', tops: ['x', 'y'], batchSize: 64, source: 'mnist:train' },
    { type: 'Input', name: 'in', tops: ['a', 'b'], shapes: [[1, 3, 4], [1]] },
    { type: 'HDF5Data', name: 'h', tops: ['x'], batchSize: 10, source: 'list.txt' },
    { type: 'ReLU', name: 'r', bottoms: ['x'], tops: ['z'] },
  ] as never, { batch: 5, synthetic: true }) as unknown as Record<string, unknown>[];
  assert.equal(out[0]!.source, undefined);
  const [images, labels] = out[0]!.data as { values: Float32Array; shape: number[] }[];
  assert.deepEqual(images!.shape, [5, 1, 28, 28]);
  assert.ok(images!.values.every((v) => v >= 0 && v < 1));
  assert.deepEqual([...labels!.values], [0, 1, 2, 3, 4]);
  assert.deepEqual(out[1]!.shapes, [[5, 3, 4], [5]]);
  assert.equal(out[2]!.batchSize, 5);
  assert.equal(out[2]!.source, 'list.txt');
  assert.equal(out[3]!.batchSize, undefined);
});
