/**
 * CUDA graphs (CudaBackend.captureGraph) checked against eager runs of the same calls, for the
 * emulated and the GPU tests and scripts/gpu-check.mjs: a deploy net's forward pass and a train
 * net's forward and backward replay with the bits the eager calls give on the same inputs, a
 * replay is one addon call, and what cannot be captured is refused and leaves the backend working.
 * `timeGraphs` measures replay against eager launches. Bit-for-bit comparisons need a device that
 * gives the same bits every run: on a GPU, one started deterministic (cuDNN's fastest algorithms
 * may not be); `eagerStepsDiffer` tells whether a device is.
 */
import assert from 'node:assert/strict';
import type { LayerConfig } from '../../../src/core/layer.js';
import { BackendError } from '../../../src/core/errors.js';
import { Net } from '../../../src/net.js';
import type { Feeder } from '../../../src/core/layer.js';
import type { CudaAddon } from '../../../src/node/backend/cuda/addon.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { countCalls } from '../../harness/device-resident.js';
import { lenet, lenetBody, syntheticMnist } from '../../../examples/mnist/lenet.js';
import { Solver } from '../../../src/solver/solver.js';

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
const QUEUED = ['launch', 'memset32', 'copy', 'sgemm', 'sgemmStridedBatched', 'gemmStridedBatchedEx', 'sgemv', 'convForward', 'convBackwardData', 'convBackwardFilter'] as const satisfies readonly (keyof CudaAddon)[];

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

/**
 * CudaBackend.replayer on small runs, each checked against the same calls made eagerly: kernel
 * arguments and uploads that change from run to run, runs that read a result back (a graph for
 * each long segment between reads), a run that throws, runs whose calls change shape (a graph
 * for each shape), and work of too many shapes to keep graphs for.
 */
export function assertReplayerRunsAsEager(backend: CudaBackend): void {
  const x = backend.fromHost([1, 2, 3, 4]);
  const y = backend.fromHost([0, 0, 0, 0]);
  const read = (b: typeof x) => Array.from(backend.download(b));
  const r = backend.replayer('a small run');
  try {
    // A scale factor and uploaded values that change each run: the graph takes them.
    for (let k = 1; k <= 4; k++) {
      r.run(() => {
        backend.upload(x, [k, k + 1, k + 2, k + 3]);
        backend.scal(4, k, x);
        backend.axpby(4, 1, x, 0.5, y);
      });
    }
    assert.deepEqual(r.stats, { replayed: 3, captured: 1, eager: 0 });
    // y = Σ_k k·[k, k+1, k+2, k+3]·0.5^(4-k), computed in the order the calls ran.
    const expected = [0, 0, 0, 0];
    for (let k = 1; k <= 4; k++) for (let i = 0; i < 4; i++) expected[i] = Math.fround(Math.fround(k * (k + i)) + Math.fround(0.5 * expected[i]));
    assert.deepEqual(read(y), expected, 'the replays used each run\'s scale and data');
    assert.deepEqual(read(x), [4 * 4, 4 * 5, 4 * 6, 4 * 7]);

    // A replay is one graphRun: no launch, copy or upload of its own.
    // Counted below the recorder: what reaches the driver.
    const queued = countCalls(backend.runtime.recorder.inner, [...QUEUED, 'upload', 'graphRun', 'graphLaunch']);
    try {
      r.run(() => {
        backend.upload(x, [1, 1, 1, 1]);
        backend.scal(4, 3, x);
        backend.axpby(4, 1, x, 0.5, y);
      });
    } finally {
      queued.restore();
    }
    assert.equal(queued.count(), 1, 'a replayed run is one graphRun');
    assert.deepEqual(read(x), [3, 3, 3, 3]);

    // A run that reads a result back ends a segment there; segments of a few calls run call by
    // call, and the graph stays for the next run.
    let seen: number[] = [];
    r.run(() => {
      backend.upload(x, [2, 2, 2, 2]);
      backend.scal(4, 2, x);
      seen = read(x);
      backend.axpby(4, 1, x, 0.5, y);
    });
    assert.deepEqual(seen, [4, 4, 4, 4], 'the calls before the read ran before it');
    assert.deepEqual(r.stats, { replayed: 4, captured: 1, eager: 1 });

    // Longer segments each get a graph of their own: captured at the first run, replayed with the
    // next runs' numbers; such a run reaches the driver as one graphRun a segment, and the read.
    // Checked against the same calls made eagerly on copies of x and y.
    const segmented = backend.replayer('a run with a read');
    const work = (k: number, xs: typeof x, ys: typeof x, reads: number[][]) => {
      backend.upload(xs, [k, k + 1, k, k + 2]);
      for (let i = 0; i < 3; i++) backend.scal(4, k, xs);
      reads.push(read(xs));
      for (let i = 0; i < 4; i++) backend.axpby(4, 1, xs, 0.25 * k, ys);
    };
    const x2 = backend.fromHost(read(x)), y2 = backend.fromHost(read(y));
    const graphReads: number[][] = [], eagerReads: number[][] = [];
    try {
      for (let k = 1; k <= 3; k++) {
        const driver = countCalls(backend.runtime.recorder.inner, [...QUEUED, 'upload', 'graphRun', 'graphLaunch']);
        try {
          segmented.run(() => work(k, x, y, graphReads));
        } finally {
          driver.restore();
        }
        if (k > 1) assert.equal(driver.count(), 2, `run ${k} of a run with a read: one graphRun for each of its two segments`);
        work(k, x2, y2, eagerReads);
      }
      assert.deepEqual(segmented.stats, { replayed: 2, captured: 1, eager: 0 });
      assert.deepEqual(graphReads, eagerReads, 'the reads between the segments');
      assert.deepEqual(read(y), read(y2), 'y after three runs');
      assert.deepEqual(read(x), read(x2));
    } finally {
      segmented.destroy();
      backend.free(x2);
      backend.free(y2);
    }

    // A run that throws issues what it queued before throwing, then the error goes on.
    assert.throws(() => r.run(() => {
      backend.upload(x, [5, 6, 7, 8]);
      throw new RangeError('from the run');
    }), RangeError);
    assert.deepEqual(read(x), [5, 6, 7, 8]);

    // Calls of another shape are captured into a new graph.
    r.run(() => backend.scal(4, 2, x));
    r.run(() => backend.scal(4, 3, x));
    assert.deepEqual(read(x), [30, 36, 42, 48]);
    assert.deepEqual(r.stats, { replayed: 5, captured: 2, eager: 2 }, 'the run that threw counts as eager');

    // A graph launch that fails turns graphs off for this run, which goes on call by call.
    const inner = backend.runtime.recorder.inner as { graphRun: CudaAddon['graphRun'] };
    const graphRun = inner.graphRun;
    const said = silenceNotices(backend);
    inner.graphRun = () => { throw new Error('planted launch failure'); };
    try {
      r.run(() => backend.scal(4, 3, x));
    } finally {
      inner.graphRun = graphRun;
      said.restore();
    }
    r.run(() => backend.scal(4, 0.5, x));
    assert.deepEqual(read(x), [45, 54, 63, 72], 'both runs ran, call by call');
    assert.deepEqual(r.stats, { replayed: 5, captured: 2, eager: 4 });
    assert.deepEqual(said.notices, ['a small run runs call by call, without a CUDA graph: launching its graph failed: planted launch failure']);
  } finally {
    r.destroy();
  }

  // Work that takes one of 4 shapes (a grid of 1 to 4 blocks) gets a graph for each, replayed when
  // its shape comes back.
  const changing = backend.replayer('a changing run');
  const long = backend.fromHost(new Float32Array(1024).fill(1));
  for (let k = 1; k <= 10; k++) changing.run(() => backend.scal(256 * (k % 4 + 1), 2, long));
  // Block b of 256 elements is scaled at run k when b < k % 4 + 1.
  const times = [0, 0, 0, 0];
  for (let k = 1; k <= 10; k++) for (let b = 0; b < k % 4 + 1; b++) times[b]++;
  assert.deepEqual(Array.from(backend.download(long)), Array.from({ length: 1024 }, (_, i) => 2 ** times[i >> 8]));
  assert.deepEqual(changing.stats, { replayed: 6, captured: 4, eager: 0 });
  changing.destroy();
  backend.free(long);

  // Work of more shapes than a replayer keeps graphs for (20 lengths of call sequence) stops being
  // captured, and still runs: run j scales by 2 once and by -1 j - 1 times.
  const many = backend.replayer('a run of many shapes');
  const said = silenceNotices(backend);
  const ones = backend.fromHost([1, 1, 1, 1]);
  try {
    for (let j = 1; j <= 20; j++) {
      many.run(() => {
        backend.scal(4, 2, ones);
        for (let i = 1; i < j; i++) backend.scal(4, -1, ones);
      });
    }
  } finally {
    said.restore();
  }
  // 2^20, times (-1)^(0 + 1 + ... + 19) = (-1)^190.
  assert.deepEqual(Array.from(backend.download(ones)), [2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20]);
  assert.deepEqual(many.stats, { replayed: 0, captured: 16, eager: 4 });
  assert.deepEqual(said.notices, ['a run of many shapes runs call by call, without a CUDA graph: its device work came in more than 16 shapes']);
  many.destroy();
  backend.free(ones);
  backend.free(x);
  backend.free(y);
}

/** Collects the backend's notices instead of printing them, until restore(). */
function silenceNotices(backend: CudaBackend): { notices: string[]; restore: () => void } {
  const runtime = backend.runtime as { notice: (m: string) => void };
  const notice = runtime.notice;
  const notices: string[] = [];
  runtime.notice = (m) => notices.push(m);
  return { notices, restore: () => { runtime.notice = notice; } };
}

/** LeNet fed by a shuffled MemoryData, with a Dropout after ip1: random keys and batch positions change every iteration. */
function lenetWithDropout(batch: number): LayerConfig[] {
  const layers = lenet({ batchSize: batch, train: syntheticMnist(3 * batch, 7), shuffle: true });
  const at = layers.findIndex((l) => l.name === 'ip1');
  layers.splice(at + 1, 0, { type: 'Dropout', name: 'drop1', bottoms: ['ip1'], tops: ['drop1'], ratio: 0.5 });
  layers.find((l) => l.name === 'ip2')!.bottoms = ['drop1'];
  return layers;
}

/**
 * Training with `cudaGraphs`: `iterations` SGD steps (momentum, weight decay, an `inv` learning
 * rate that changes every iteration) of LeNet with Dropout on a shuffled MemoryData give the same
 * weights, bit for bit, as the same steps run call by call; the first is captured, the first that
 * checks the loss captures two graphs more (before and after the read), and the others reach the
 * driver as one graphRun each.
 */
export function assertTrainingReplaysAsEager(backend: CudaBackend, iterations = 7, batch = 4): void {
  const config = { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv' as const, gamma: 0.1, power: 0.75 },
    maxIter: 1000, checkLossEvery: 4 };
  const train = (cudaGraphs: boolean) => {
    const net = new Net(lenetWithDropout(batch), { backend, phase: 'train', seed: 3 });
    const solver = new Solver(net, { ...config, cudaGraphs });
    let graphRuns = 0;
    try {
      for (let i = 0; i < iterations; i++) {
        const calls = countCalls(backend.runtime.recorder.inner, [...QUEUED, 'upload', 'graphRun']);
        try {
          solver.step();
        } finally {
          calls.restore();
        }
        if (calls.count() === 1) graphRuns++;
      }
      return { weights: net.params.map((p) => Float32Array.from(p.blob.read())), loss: solver.loss, stats: solver.graphStats, graphRuns };
    } finally {
      net.destroy();
    }
  };
  const eager = train(false);
  const graphed = train(true);
  assert.equal(eager.stats, null);
  assert.equal(graphed.loss, eager.loss, 'the last loss');
  graphed.weights.forEach((w, i) => assert.deepEqual(w, eager.weights[i], `parameter ${i} after ${iterations} iterations`));
  const checks = Math.floor(iterations / config.checkLossEvery);
  // The first iteration is captured: what it makes on first use is only allocated, which a
  // recording allows. cuDNN's convolution plans, which a recording does not allow, are the
  // backend's, made by the eager run that came first (as seen on an H200). The first iteration
  // that checks the loss reads it back between its forward and backward passes: two more graphs,
  // which later checks replay.
  const captured = 1 + Math.min(checks, 1);
  assert.deepEqual(graphed.stats, { captured, eager: 0, replayed: iterations - captured });
  assert.equal(graphed.graphRuns, iterations - 1 - checks, 'an iteration without a read is one graphRun');
}

/** LeNet's parameter gradients, by parameter key, after one eager forward + backward pass at `batch` on a fixed input. */
export function lenetGradients(backend: CudaBackend, batch: number): Map<string, Float32Array> {
  const net = new Net(lenetOnInput(batch, true), { backend, phase: 'train', seed: 5 });
  try {
    feedBatch(net.layer('data') as unknown as Feeder, batch, 3, true);
    net.clearParamDiffs();
    net.forward();
    net.backward();
    return new Map(net.params.map((p) => [p.key, Float32Array.from(p.blob.readDiff())]));
  } finally {
    net.destroy();
  }
}

/**
 * The parameters whose gradients differ between two identical eager forward + backward passes of
 * LeNet (batch `batch`, the same input): none on a device that gives the same bits every run.
 */
export function eagerStepsDiffer(backend: CudaBackend, batch = 64): string[] {
  const first = lenetGradients(backend, batch), second = lenetGradients(backend, batch);
  return [...first].filter(([key, g]) => g.some((v, j) => !Object.is(v, second.get(key)![j]))).map(([key]) => key);
}
