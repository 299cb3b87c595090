/** MemoryData: batches, wrap-around, epochs, seeded shuffling and exact resume. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import type { MemoryDataLayer } from '../../src/layers/memory-data.js';
import { buildLayer, type BuiltLayer } from '../harness/context.js';

const backend = new JsBackend('float32');

/** N samples: data sample i is [i, 10 + i], label i is i. */
function config(n: number, batchSize: number, extra: Record<string, unknown> = {}): LayerConfig {
  const data = Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : 10 + (k - 1) / 2));
  const label = Float32Array.from({ length: n }, (_, i) => i);
  return {
    type: 'MemoryData', name: 'mem', tops: ['data', 'label'], batchSize,
    data: [{ values: data, shape: [n, 2], scale: 2 }, { values: label, shape: [n] }], ...extra,
  };
}

function build(c: LayerConfig, seed = 42): BuiltLayer {
  return buildLayer(backend, c, [], { seed });
}

/** The labels of the next batch. */
function next(b: BuiltLayer): number[] {
  b.layer.forward([], b.tops);
  return [...b.tops[1].read()];
}

const epochOf = (b: BuiltLayer) => (b.layer as MemoryDataLayer).epoch;

describe('MemoryData', () => {
  it('serves [batchSize, ...] tops, scaled per entry, and is a data layer', () => {
    const b = build(config(5, 3));
    assert.equal(b.layer.isData, true);
    assert.deepEqual(b.tops.map((t) => t.shape), [[3, 2], [3]]);
    b.layer.forward([], b.tops);
    assert.deepEqual([...b.tops[0].read()], [0, 20, 2, 22, 4, 24]);
    assert.deepEqual([...b.tops[1].read()], [0, 1, 2]);
  });

  it('wraps around into the next epoch; the epoch counts completed passes', () => {
    const b = build(config(5, 3));
    assert.equal(epochOf(b), 0);
    assert.deepEqual(next(b), [0, 1, 2]);
    assert.equal(epochOf(b), 0);
    assert.deepEqual(next(b), [3, 4, 0]);
    assert.equal(epochOf(b), 1);
    assert.deepEqual(next(b), [1, 2, 3]);
    assert.deepEqual(next(b), [4, 0, 1]);
    assert.equal(epochOf(b), 2);
  });

  it('the epoch changes as soon as the last sample has been served', () => {
    const b = build(config(4, 2));
    next(b);
    assert.equal(epochOf(b), 0);
    next(b);
    assert.equal(epochOf(b), 1);
  });

  it('shuffles every epoch into a new permutation, determined by the seed', () => {
    const run = (seed: number) => {
      const b = build(config(6, 3, { shuffle: true }), seed);
      return Array.from({ length: 3 }, () => [...next(b), ...next(b)]);
    };
    const a = run(1);
    assert.deepEqual(run(1), a);
    assert.notDeepEqual(run(2), a);
    for (const epoch of a) assert.deepEqual([...epoch].sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(a.some((e) => e.join() !== a[0].join()), 'the order never changed between epochs');
    assert.notDeepEqual(a[0], [0, 1, 2, 3, 4, 5]);
  });

  it('getState / setState (with the random state) resume exactly, through JSON', () => {
    const a = build(config(5, 3, { shuffle: true }), 3);
    next(a);
    next(a);
    const state = JSON.parse(JSON.stringify(a.layer.getState!()));
    const rng = a.ctx.rng.getState();
    const expected = [next(a), next(a), next(a)];
    const epoch = epochOf(a);

    const b = build(config(5, 3, { shuffle: true }), 99);
    b.layer.setState!(state);
    b.ctx.rng.setState(rng);
    assert.deepEqual([next(b), next(b), next(b)], expected);
    assert.equal(epochOf(b), epoch);
  });

  it('setState rejects an order that is not a permutation, naming the layer', () => {
    const b = build(config(3, 2));
    assert.throws(() => b.layer.setState!({ cursor: 0, epoch: 0, order: [0, 0, 1] }),
      (e: Error) => e instanceof ConfigError && /layer "mem" \(MemoryData\)/.test(e.message) && /"order"/.test(e.message));
  });

  it('rejects entries with different sample counts, values not filling the shape, and a data list not matching the tops', () => {
    const c = config(4, 2);
    const bad1 = { ...c, data: [(c.data as object[])[0], { values: new Float32Array(3), shape: [3] }] };
    assert.throws(() => build(bad1), (e: Error) => e instanceof ConfigError && /layer "mem"/.test(e.message) && /data\[1\]/.test(e.message) && /has 3/.test(e.message));
    const bad2 = { ...c, data: [(c.data as object[])[0], { values: new Float32Array(5), shape: [4] }] };
    assert.throws(() => build(bad2), (e: Error) => e instanceof ConfigError && /data\[1\] \(top "label"\)/.test(e.message) && /"values"/.test(e.message) && /4 numbers/.test(e.message));
    const bad3 = { ...c, tops: ['data'] };
    assert.throws(() => build(bad3), (e: Error) => e instanceof ConfigError && /"data"/.test(e.message) && /1 entries/.test(e.message));
  });
});
