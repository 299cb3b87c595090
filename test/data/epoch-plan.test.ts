/** Epoch plans: chunking, shuffling as permutations, purity in the stream state, per-sample draws. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../src/core/random.js';
import { Permutation } from '../../src/data/permutation.js';
import { chunkAt, planEpoch, planSamples, type EpochPlan, type PlanChunk, type PlanSettings } from '../../src/data/epoch-plan.js';

const plain: PlanSettings = { chunkSize: 3, shuffle: false, cropRangeY: 0, cropRangeX: 0, mirror: false };
const key = (s: [number, number][]) => s.map(([f, r]) => `${f}:${r}`);
const chunksOf = (plan: EpochPlan): PlanChunk[] => Array.from({ length: plan.chunkCount }, (_, i) => plan.chunk(i));

describe('planEpoch', () => {
  it('without shuffle: files in list order, rows in order, chunks of at most chunkSize inside one file', () => {
    const plan = planEpoch([5, 0, 2], plain, new Random(1));
    assert.deepEqual(chunksOf(plan).map((c) => [c.file, c.start, c.count]), [[0, 0, 3], [0, 3, 2], [2, 0, 2]]);
    assert.deepEqual(key(planSamples(plan)), ['0:0', '0:1', '0:2', '0:3', '0:4', '2:0', '2:1']);
    assert.deepEqual([0, 1, 2, 3].map((i) => plan.offset(i)), [0, 3, 5, 7]);
    assert.equal(plan.total, 7);
    assert.equal(plan.chunk(0).cropY, null);
  });

  it('with shuffle: a permutation of every sample, different from the plain order; chunk rows stay within their chunk', () => {
    const s = { ...plain, shuffle: true };
    const counts = [7, 4, 9];
    const plan = planEpoch(counts, s, new Random(3));
    const order = key(planSamples(plan));
    const base = key(planSamples(planEpoch(counts, plain, new Random(3))));
    assert.deepEqual([...order].sort(), [...base].sort());
    assert.notDeepEqual(order, base);
    for (const c of chunksOf(plan)) {
      assert.deepEqual([...c.rows!].sort((a, b) => a - b), Array.from({ length: c.count }, (_, k) => k));
    }
    // chunk order is shuffled across files: the file sequence is not sorted
    const files = chunksOf(plan).map((c) => c.file);
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
    assert.deepEqual(planSamples(p2), planSamples(p1));
    assert.deepEqual(chunksOf(p2), chunksOf(p1));
    assert.deepEqual(b.getState(), after);
    assert.notDeepEqual(planSamples(planEpoch([10, 6], s, a)), planSamples(p1));
  });

  it('draws crop offsets in range and mirror bits per sample, in serving order', () => {
    const s = { ...plain, chunkSize: 50, cropRangeY: 3, cropRangeX: 5, mirror: true };
    const plan = planEpoch([200], s, new Random(5));
    const ys = chunksOf(plan).flatMap((c) => [...c.cropY!]);
    const xs = chunksOf(plan).flatMap((c) => [...c.cropX!]);
    const ms = chunksOf(plan).flatMap((c) => [...c.mirror!]);
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

describe('Permutation', () => {
  it('is a bijection of [0, n) with its inverse, for every n up to 70 and a few keys', () => {
    for (let n = 0; n <= 70; n++) {
      for (const [a, b] of [[0, 0], [1, 2], [0xdeadbeef, 0x12345678]]) {
        const p = new Permutation(n, a, b);
        const image = Array.from({ length: n }, (_, x) => p.at(x));
        assert.deepEqual([...image].sort((u, v) => u - v), Array.from({ length: n }, (_, x) => x), `n ${n}`);
        image.forEach((y, x) => assert.equal(p.inverse(y), x));
      }
    }
  });
});

describe('plans over absurd row counts, in O(files) memory', () => {
  const big: PlanSettings = { chunkSize: 8192, shuffle: true, cropRangeY: 3, cropRangeX: 0, mirror: true };

  it('10^9 rows: the chunk order is a permutation of all chunks (checked whole), offsets agree with the chunks, sampled rows are distinct and in range', () => {
    const counts = [4e8, 1, 6e8 - 1];
    const plan = planEpoch(counts, big, new Random(7));
    assert.equal(plan.total, 1e9);
    assert.equal(plan.chunkCount, 48829 + 1 + 73243);
    const seen = new Set<string>();
    for (let i = 0; i < plan.chunkCount; i++) {
      const c = plan.range(i);
      assert.ok(c.start % 8192 === 0 && c.count >= 1 && c.start + c.count <= counts[c.file], `chunk ${i}`);
      assert.equal(c.count, plan.offset(i + 1) - plan.offset(i), `chunk ${i}`);
      seen.add(`${c.file}:${c.start}`);
    }
    assert.equal(seen.size, plan.chunkCount);
    assert.equal(plan.offset(plan.chunkCount), 1e9);
    const served = new Set<string>();
    const rng = new Random(1);
    for (let t = 0; t < 20; t++) {
      const pos = Math.floor(rng.uniform() * 1e9);
      const i = plan.chunkAt(pos);
      assert.ok(plan.offset(i) <= pos && pos < plan.offset(i + 1));
      const c = plan.chunk(i);
      assert.deepEqual([...c.rows!].sort((a, b) => a - b), Array.from({ length: c.count }, (_, k) => k));
      assert.ok(c.cropY!.every((y) => y >= 0 && y < 3));
      const row = c.start + c.rows![pos - plan.offset(i)];
      served.add(`${c.file}:${row}`);
    }
    assert.equal(served.size, 20);
  });

  it('10^12 rows in one file plan at once; the same stream state gives the same chunks (exact resume)', () => {
    const a = new Random(3);
    const state = a.getState();
    const plan = planEpoch([1e12], big, a);
    assert.equal(plan.total, 1e12);
    assert.equal(plan.chunkAt(1e12 - 1), plan.chunkCount - 1);
    const b = new Random(99);
    b.setState(state);
    const again = planEpoch([1e12], big, b);
    assert.deepEqual(b.getState(), a.getState());
    for (const i of [0, 1, 12345, plan.chunkCount - 1]) assert.deepEqual(again.chunk(i), plan.chunk(i));
    const last = plan.chunk(plan.chunkCount - 1);
    assert.equal(plan.offset(plan.chunkCount) - plan.offset(plan.chunkCount - 1), last.count);
    assert.throws(() => planEpoch([2 ** 52, 1], big, new Random(1)), /2\^52/);
  });
});
