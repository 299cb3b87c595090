/**
 * CUDA graphs (CudaBackend.captureGraph) checked against eager runs of the same calls, for the
 * emulated and the GPU tests and scripts/gpu-check.mjs: a deploy net's forward pass and a train
 * net's forward and backward replay with the bits the eager calls give on the same inputs, a
 * replay is one addon call, and what cannot be captured is refused and leaves the backend working.
 * `timeGraphs` measures replay against eager launches.
 */
import assert from 'node:assert/strict';
import type { LayerConfig } from '../../../src/core/layer.js';
import { BackendError } from '../../../src/core/errors.js';
import { Net } from '../../../src/net.js';
import type { Feeder } from '../../../src/core/layer.js';
import type { CudaAddon } from '../../../src/node/backend/cuda/addon.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { countCalls } from '../../harness/device-resident.js';
import { lenetBody, syntheticMnist } from '../../../examples/mnist/lenet.js';

/**
 * LeNet (examples/mnist's lenetBody) fed through Input: image [batch, 1, 28, 28] and, for training,
 * label; the deploy net ends in Softmax instead of the loss.
 */
function lenetOnInput(batch: number, train: boolean): LayerConfig[] {
  const body = lenetBody();
  const input: LayerConfig = { type: 'Input', name: 'data', tops: train ? ['data', 'label'] : ['data'],
    shapes: train ? [[batch, 1, 28, 28], [batch]] : [[batch, 1, 28, 28]] };
  if (train) return [input, ...body];
  const scores = body.findIndex((l) => l.type === 'SoftmaxLoss');
  return [input, ...body.slice(0, scores), { type: 'Softmax', name: 'prob', bottoms: ['ip2'], tops: ['prob'] }];
}

/** Feeds `feeder` a synthetic MNIST batch (images, and labels when `train`). */
function feedBatch(feeder: Feeder, batch: number, seed: number, train: boolean): void {
  const d = syntheticMnist(batch, seed);
  feeder.feed('data', d.images);
  if (train) feeder.feed('label', d.labels);
}

/** The addon calls that queue device work (a replay must make none of them, only graphLaunch). */
const QUEUED = ['launch', 'memset32', 'copy', 'sgemm', 'sgemv', 'convForward', 'convBackwardData', 'convBackwardFilter'] as const satisfies readonly (keyof CudaAddon)[];

export function assertGraphsReplayAsEager(backend: CudaBackend): void {
  // A deploy net's forward pass: replayed on new input, the same bits as the eager pass on it.
  const deploy = new Net(lenetOnInput(2, false), { backend, phase: 'test', seed: 5 });
  const feeder = deploy.layer('data') as unknown as Feeder;
  try {
    feedBatch(feeder, 2, 1, false);
    deploy.forward();
    const first = Float32Array.from(deploy.blob('prob').read());
    const graph = backend.captureGraph(() => deploy.forward(), 'LeNet forward');
    assert.deepEqual(Float32Array.from(deploy.blob('prob').read()), first, 'capturing runs nothing');
    feedBatch(feeder, 2, 2, false);
    const queued = countCalls(backend.runtime.addon, [...QUEUED, 'graphLaunch']);
    try {
      graph.replay();
    } finally {
      queued.restore();
    }
    assert.equal(queued.count(), 1, 'a replay is one graphLaunch and no launch of its own');
    const replayed = Float32Array.from(deploy.blob('prob').read());
    assert.notDeepEqual(replayed, first, 'the replay ran on the new input');
    deploy.forward();
    assert.deepEqual(Float32Array.from(deploy.blob('prob').read()), replayed, 'replay and eager forward give the same bits');
    graph.destroy();
    assert.throws(() => graph.replay(), /the graph of LeNet forward was destroyed/);
  } finally {
    deploy.destroy();
  }

  // Forward and backward of a train net: the same loss and gradients as the eager calls.
  const train = new Net(lenetOnInput(4, true), { backend, phase: 'train', seed: 5 });
  const input = train.layer('data') as unknown as Feeder;
  const step = () => {
    train.clearParamDiffs();
    train.forward();
    train.backward();
  };
  try {
    feedBatch(input, 4, 3, true);
    step();
    const graph = backend.captureGraph(step, 'LeNet forward and backward');
    feedBatch(input, 4, 4, true);
    graph.replay();
    const loss = train.loss();
    const grads = train.params.map((p) => Float32Array.from(p.blob.readDiff()));
    step();
    assert.equal(train.loss(), loss);
    train.params.forEach((p, i) => assert.deepEqual(Float32Array.from(p.blob.readDiff()), grads[i], `${p.key}'s gradient`));
    graph.destroy();
  } finally {
    train.destroy();
  }

  // What cannot be captured is refused, the capture is dropped, and the backend goes on working.
  const buf = backend.fromHost([1, 2, 3]);
  for (const [call, fn] of [
    ['download', () => backend.download(buf)],
    ['upload', () => backend.upload(buf, [4, 5, 6])],
    ['alloc', () => backend.alloc(4)],
    ['synchronize', () => backend.synchronize()],
    ['dot', () => backend.dot(3, buf, buf)],
  ] as const) {
    assert.throws(() => backend.captureGraph(() => { backend.scal(3, 2, buf); fn(); }, 'a bad function'),
      (e: Error) => e instanceof BackendError && e.message.includes(`${call} while capturing a bad function into a CUDA graph`), call);
  }
  assert.deepEqual(Array.from(backend.download(buf)), [1, 2, 3], 'the refused captures ran nothing');
  backend.scal(3, 2, buf);
  assert.deepEqual(Array.from(backend.download(buf)), [2, 4, 6], 'eager calls run after a refused capture');
  assert.throws(() => backend.captureGraph(() => { throw new RangeError('from the function'); }), RangeError);
  const nested = backend.captureGraph(() => {
    backend.scal(3, 2, buf);
    assert.throws(() => backend.captureGraph(() => undefined), /already capturing a function/);
  });
  nested.replay();
  assert.deepEqual(Array.from(backend.download(buf)), [4, 8, 12]);
  nested.destroy();
  // A MemoryData net uploads its batch index in every forward pass: not capturable.
  const memory = new Net([
    { type: 'MemoryData', name: 'data', tops: ['x'], batchSize: 2, data: [{ values: new Float32Array(8), shape: [4, 2] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2 },
  ] as LayerConfig[], { backend, phase: 'test' });
  try {
    memory.forward();
    assert.throws(() => backend.captureGraph(() => memory.forward(), 'a MemoryData forward'), /layer "data" \(MemoryData\): .*upload while capturing a MemoryData forward/);
  } finally {
    memory.destroy();
  }
  backend.free(buf);
}

/**
 * Milliseconds per call, eager against a graph's replay, median of 5 rounds of about seconds / 5
 * each (calls queue in tens, then wait): LeNet forward at batch 1 and `batch`, forward + backward at `batch`.
 */
export function timeGraphs(backend: CudaBackend, seconds = 0.5, batch = 64): { name: string; eagerMs: number; graphMs: number }[] {
  const rows: { name: string; eagerMs: number; graphMs: number }[] = [];
  const time = (fn: () => void) => {
    const per: number[] = [];
    for (let round = 0; round < 5; round++) {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < (seconds * 1000) / 5) {
        for (let i = 0; i < 10; i++) fn();
        backend.synchronize();
        n += 10;
      }
      per.push((performance.now() - t0) / n);
    }
    return per.sort((a, b) => a - b)[2]!;
  };
  const cases: [string, number, boolean][] = [['LeNet forward, batch 1', 1, false], [`LeNet forward, batch ${batch}`, batch, false], [`LeNet forward + backward, batch ${batch}`, batch, true]];
  for (const [name, n, train] of cases) {
    const net = new Net(lenetOnInput(n, train), { backend, phase: train ? 'train' : 'test', seed: 5 });
    const feeder = net.layer('data') as unknown as Feeder;
    feedBatch(feeder, n, 1, train);
    const fn = train ? () => { net.clearParamDiffs(); net.forward(); net.backward(); } : () => net.forward();
    fn();
    const graph = backend.captureGraph(fn, name);
    rows.push({ name, eagerMs: time(fn), graphMs: time(() => graph.replay()) });
    graph.destroy();
    net.destroy();
  }
  return rows;
}
