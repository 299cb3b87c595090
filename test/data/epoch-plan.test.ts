/** Epoch plans: chunking, shuffling as permutations, purity in the stream state, per-sample draws. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/core/random.js';
import { chunkAt, planEpoch, planSamples, type PlanSettings } from '../../src/data/epoch-plan.js';

const plain: PlanSettings = { chunkSize: 3, shuffle: false, cropRangeY: 0, cropRangeX: 0, mirror: false };
const key = (s: [number, number][]) => s.map(([f, r]) => `${f}:${r}`);

describe('planEpoch', () => {
  it('without shuffle: files in list order, rows in order, chunks of at most chunkSize inside one file', () => {
    const plan = planEpoch([5, 0, 2], plain, new Random(1));
    assert.deepEqual(plan.chunks.map((c) => [c.file, c.start, c.count]), [[0, 0, 3], [0, 3, 2], [2, 0, 2]]);
    assert.deepEqual(key(planSamples(plan)), ['0:0', '0:1', '0:2', '0:3', '0:4', '2:0', '2:1']);
    assert.deepEqual(plan.offsets, [0, 3, 5, 7]);
    assert.equal(plan.total, 7);
    assert.equal(plan.chunks[0].cropY, null);
  });

  it('with shuffle: a permutation of every sample, different from the plain order; chunk rows stay within their chunk', () => {
    const s = { ...plain, shuffle: true };
    const counts = [7, 4, 9];
    const plan = planEpoch(counts, s, new Random(3));
    const order = key(planSamples(plan));
    const base = key(planSamples(planEpoch(counts, plain, new Random(3))));
    assert.deepEqual([...order].sort(), [...base].sort());
    assert.notDeepEqual(order, base);
    for (const c of plan.chunks) {
      assert.deepEqual([...c.rows!].sort((a, b) => a - b), Array.from({ length: c.count }, (_, k) => k));
    }
    // chunk order is shuffled across files: the file sequence is not sorted
    const files = plan.chunks.map((c) => c.file);
    assert.notDeepEqual(files, [...files].sort());
  });

  it('is a pure function of the stream state: the same state gives the same plan, the stream then holds the next epoch', () => {
    const s = { ...plain, shuffle: true, cropRangeY: 3, cropRangeX: 2, mirror: true };
    const a = new Random(9);
    const state = a.getState();
    const p1 = planEpoch([10, 6], s, a);
    const after = a.getState();
    const b = new Random(123);
    b.setState(state);
    const p2 = planEpoch([10, 6], s, b);
    assert.deepEqual(p2, p1);
    assert.deepEqual(b.getState(), after);
    assert.notDeepEqual(planSamples(planEpoch([10, 6], s, a)), planSamples(p1));
  });

  it('draws crop offsets in range and mirror bits per sample, in serving order', () => {
    const s = { ...plain, chunkSize: 50, cropRangeY: 3, cropRangeX: 5, mirror: true };
    const plan = planEpoch([200], s, new Random(5));
    const ys = plan.chunks.flatMap((c) => [...c.cropY!]);
    const xs = plan.chunks.flatMap((c) => [...c.cropX!]);
    const ms = plan.chunks.flatMap((c) => [...c.mirror!]);
    assert.equal(ys.length, 200);
    assert.deepEqual([...new Set(ys)].sort(), [0, 1, 2]);
    assert.deepEqual([...new Set(xs)].sort(), [0, 1, 2, 3, 4]);
    const ones = ms.filter((m) => m === 1).length;
    assert.ok(ones > 60 && ones < 140, `mirror bits: ${ones} of 200 set`);
  });

  it('chunkAt finds the chunk of a position', () => {
    const plan = planEpoch([5, 0, 2], plain, new Random(1));
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((p) => chunkAt(plan, p)), [0, 0, 0, 1, 1, 2, 2]);
  });
});
