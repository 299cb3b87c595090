/**
 * Data layers in a data-parallel run: with `shard`, ranks 0..N-1 with batch b together serve, in
 * rank order, exactly the batches of one process with batch N·b, epoch after epoch (shuffled,
 * across epoch ends, and from a restored state); AsyncHDF5Data's reader skips the chunks holding
 * none of a rank's samples and still agrees; ShardFilter against brute force.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { ShardFilter } from '../../src/core/shard.js';
import { standardSource, tempDir } from './h5-fixtures.js';

const backend = new JsBackend('float32');
const tmp = tempDir();
let list = '';

before(async () => {
  list = await standardSource(tmp.dir, [7, 3, 5, 6]);
});
after(() => tmp.cleanup());

const n = 21;
function memoryData(batchSize: number): LayerConfig[] {
  const values = Float32Array.from({ length: n * 2 }, (_, i) => i);
  const labels = Float32Array.from({ length: n }, (_, i) => i);
  return [{ type: 'MemoryData', name: 'data', tops: ['data', 'label'], batchSize, shuffle: true,
    data: [{ values, shape: [n, 2] }, { values: labels, shape: [n] }] } as unknown as LayerConfig];
}

function hdf5(type: string, batchSize: number): LayerConfig[] {
  return [{ type, name: 'data', tops: ['data', 'label'], source: list, batchSize, shuffle: true, chunkSize: 4 } as unknown as LayerConfig];
}

/** The labels served by `iterations` forwards of each net, and each net's epoch after each forward. */
function serve(nets: Net[], iterations: number): { labels: number[][]; epochs: number[][] } {
  const labels = nets.map(() => [] as number[]);
  const epochs = nets.map(() => [] as number[]);
  for (let it = 0; it < iterations; it++) {
    nets.forEach((net, r) => {
      net.forward();
      labels[r]!.push(...Array.from(net.blob('label').read()));
      epochs[r]!.push(net.epoch);
    });
  }
  return { labels, epochs };
}

/** Interleaves per-rank label lists back into global order: iteration by iteration, rank by rank. */
function interleave(perRank: number[][], b: number): number[] {
  const out: number[] = [];
  const iterations = perRank[0]!.length / b;
  for (let it = 0; it < iterations; it++) for (const l of perRank) out.push(...l.slice(it * b, (it + 1) * b));
  return out;
}

for (const kind of ['MemoryData', 'HDF5Data', 'AsyncHDF5Data']) {
  describe(`${kind} split across ranks`, () => {
    const make = (b: number) => (kind === 'MemoryData' ? memoryData(b) : hdf5(kind, b));
    for (const size of [2, 3]) {
      it(`${size} ranks of batch 4 serve the batches of one process of batch ${4 * size}, over several epochs`, () => {
        const b = 4;
        const one = new Net(make(b * size), { backend, seed: 7 });
        const ranks = Array.from({ length: size }, (_, rank) => new Net(make(b), { backend, seed: 7, shard: { rank, size } }));
        try {
          const whole = serve([one], 9);
          const split = serve(ranks, 9);
          assert.deepEqual(interleave(split.labels, b), whole.labels[0]);
          for (const e of split.epochs) assert.deepEqual(e, whole.epochs[0]);
          assert.ok(whole.epochs[0]!.at(-1)! >= 2, 'the run crosses epoch ends');
          // Every rank saves the same (global) position, and a net restored from it on any rank goes on alike.
          const states = ranks.map((r) => JSON.stringify(r.getDataState()));
          assert.ok(states.every((s) => s === states[0]));
          assert.equal(JSON.stringify(one.getDataState()), states[0]);
          const restored = Array.from({ length: size }, (_, rank) => new Net(make(b), { backend, seed: 99, shard: { rank, size } }));
          restored.forEach((net) => {
            // As Solver.setState: the random source (MemoryData reshuffles from it), then the data state.
            net.rng.setState(one.rng.getState());
            net.setDataState(one.getDataState());
          });
          const again = serve(restored, 4);
          const cont = serve([one], 4);
          assert.deepEqual(interleave(again.labels, b), cont.labels[0]);
          restored.forEach((r) => r.destroy());
        } finally {
          one.destroy();
          ranks.forEach((r) => r.destroy());
        }
      });
    }
  });
}

describe('shard option', () => {
  it('is refused when rank is not below size', () => {
    assert.throws(() => new Net(memoryData(2), { backend, shard: { rank: 2, size: 2 } }), /shard must be \{ rank, size \}.*rank: 2, size: 2/);
  });
});

describe('ShardFilter', () => {
  it('says which position ranges hold a rank\'s samples, as brute force does', () => {
    for (const [size, b, total, phaseCursor] of [[2, 3, 17, 5], [3, 4, 10, 0], [4, 1, 7, 6], [1, 5, 9, 2]] as const) {
      for (let rank = 0; rank < size; rank++) {
        const f = new ShardFilter({ rank, size }, b, total, { epoch: 2, cursor: phaseCursor });
        for (let epoch = 2; epoch < 6; epoch++) {
          for (let start = 0; start < total; start += 3) {
            const end = Math.min(total, start + 1 + ((start * 7) % 5));
            let brute = false;
            for (let p = start; p < end; p++) {
              const g = (epoch - 2) * total + p - phaseCursor;
              if (g >= 0 && Math.floor(g / b) % size === rank) brute = true;
              if (g < 0 && Math.floor((g + size * b * 1000) / b) % size === rank) brute = true;
            }
            assert.equal(f.needs(epoch, start, end), brute, `size ${size} b ${b} rank ${rank} epoch ${epoch} [${start}, ${end})`);
          }
        }
      }
    }
  });
});
