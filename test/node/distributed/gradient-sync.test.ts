/**
 * Gradient buckets without MPI: the plan follows the order backward finishes the parameters, and
 * respects the bucket size; with overlap a bucket starts while backward is still running below it;
 * over one rank (SoloCommunicator) a solver with the sync computes exactly the weights of one
 * without; a net whose data layer cannot be split is refused by name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Net } from '../../../src/node/net.js';
import type { Layer } from '../../../src/core/layer.js';
import { Solver } from '../../../src/solver/solver.js';
import { SoloCommunicator } from '../../../src/node/distributed/communicator.js';
import { HostGradientSync, planBuckets } from '../../../src/node/distributed/gradient-sync.js';
import { checkShardable } from '../../../src/node/distributed/setup.js';
import { smallMlp } from '../../harness/small-mlp.js';

const backend = new JsBackend('float32');
const solverConfig = { baseLr: 0.1, momentum: 0.9, weightDecay: 1e-3, maxIter: 30 };

describe('gradient buckets', () => {
  it('are planned in the order backward finishes the parameters, within the size given', () => {
    const net = new Net(smallMlp(), { backend, seed: 1 });
    const keys = (bytes: number) => planBuckets(net, net.learnableParams, bytes, 4).buckets.map((b) => b.params.map((p) => p.key));
    // ip2 (3x16 + 3) finishes first, then ip1 (16x4 + 16).
    assert.deepEqual(keys(1 << 20), [['ip2___weight', 'ip2___bias', 'ip1___weight', 'ip1___bias']]);
    assert.deepEqual(keys(0), [['ip2___weight'], ['ip2___bias'], ['ip1___weight'], ['ip1___bias']]);
    assert.deepEqual(keys(80 * 4), [['ip2___weight', 'ip2___bias'], ['ip1___weight', 'ip1___bias']]);
  });

  it('start during backward, before the layers below have run', () => {
    const net = new Net(smallMlp(), { backend, seed: 1 });
    const events: string[] = [];
    class Recording extends SoloCommunicator {
      override allreduceStart(values: Float32Array | Float64Array, scale = 1): number {
        events.push(`start ${values.length}`);
        return super.allreduceStart(values, scale);
      }
    }
    const sync = new HostGradientSync(new Recording(), net, { bucketBytes: 80 * 4 });
    const layerDone = sync.layerDone.bind(sync);
    sync.layerDone = (layer: Layer) => {
      events.push(`done ${layer.name}`);
      layerDone(layer);
    };
    const solver = new Solver(net, solverConfig);
    solver.gradientSync = sync;
    solver.step();
    const ip1Done = events.indexOf('done ip1');
    assert.ok(events.indexOf('start 51') > events.indexOf('done ip2') && events.indexOf('start 51') < ip1Done, events.join(', '));
    assert.ok(events.indexOf('start 80') > ip1Done, events.join(', '));
    assert.deepEqual(sync.bucketSizes, [51, 80]);
  });

  for (const overlap of [true, false]) {
    it(`over one rank change nothing: the same weights bit for bit (overlap ${overlap})`, async () => {
      const plain = new Net(smallMlp(), { backend, seed: 4 });
      const synced = new Net(smallMlp(), { backend, seed: 4 });
      const a = new Solver(plain, { ...solverConfig, iterSize: 2 });
      const b = new Solver(synced, { ...solverConfig, iterSize: 2 });
      b.gradientSync = new HostGradientSync(new SoloCommunicator(), synced, { bucketBytes: 100, overlap });
      await a.solve();
      await b.solve();
      for (const p of plain.learnableParams) assert.deepEqual(synced.paramStore.get(p.key)!.blob.read(), p.blob.read(), p.key);
      assert.equal(b.loss, a.loss);
    });
  }

  it('refuse a data layer that cannot split its samples across ranks, naming it', () => {
    const net = new Net([
      { type: 'Input', name: 'in', tops: ['x'], shapes: [[2, 3]] },
      { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2 },
    ] as never, { backend });
    assert.throws(() => checkShardable(net), /data layer "in" \(Input\) cannot split their samples across ranks; distributed training reads its data through MemoryData, HDF5Data, AsyncHDF5Data/);
    assert.doesNotThrow(() => checkShardable(new Net(smallMlp(), { backend })));
  });
});
