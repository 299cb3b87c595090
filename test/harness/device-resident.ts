/**
 * A training iteration that stays on the device: a net holding every layer whose loss, metric or
 * random numbers once went through the host (Dropout, RandomMask, RandomNormal, SoftmaxLoss with
 * class weights, MultinomialLogisticLoss, HingeLoss with both kinds of labels, BinaryAccuracy,
 * BatchNorm with global statistics, and the losses that summed with `dot`: Euclidean,
 * SigmoidCrossEntropy with a valid count, BinaryCrossEntropy, GaussianKL, SoftlabelSoftmax), fed
 * once through Input. `assertStaysOnDevice` counts the host transfers and waits a device backend
 * makes during forward and backward (none allowed), then compares every loss and metric and the
 * input gradient with JsBackend float32 for the same seed: the masks and the noise are made on the
 * backend from the same keys, so the two runs drop the same units.
 */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/net.js';
import { Random } from '../../src/core/random.js';

const N = 6, F = 5, C = 4;

export function residentNet(): LayerConfig[] {
  return [
    { type: 'Input', name: 'data', tops: ['x', 'label', 'sign', 'target', 'soft'], shapes: [[N, F], [N], [N, C], [N, C], [N, C]] },
    { type: 'RandomMask', name: 'mask', bottoms: ['x'], tops: ['xm'], ratio: 0.2 },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['xm'], tops: ['h'], numOutput: 7 },
    { type: 'BatchNorm', name: 'bn', bottoms: ['h'], tops: ['hb'], useGlobalStats: true, eps: 1 },
    { type: 'Dropout', name: 'drop', bottoms: ['hb'], tops: ['hd'], ratio: 0.3 },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['hd'], tops: ['scores'], numOutput: C },
    { type: 'SoftmaxLoss', name: 'wsm', bottoms: ['scores', 'label'], tops: ['wsm'], weights: [1, 2, 0.5, 1.5] },
    { type: 'Softmax', name: 'prob', bottoms: ['scores'], tops: ['p'] },
    { type: 'MultinomialLogisticLoss', name: 'mll', bottoms: ['p', 'label'], tops: ['mll'], weights: [2, 1, 1, 0.5], lossWeight: 0.5 },
    { type: 'HingeLoss', name: 'hinge', bottoms: ['scores', 'label'], tops: ['hinge'], norm: 'L2', lossWeight: 0.3 },
    { type: 'HingeLoss', name: 'hsign', bottoms: ['scores', 'sign'], tops: ['hsign'], labels: 'sign', lossWeight: 0.2 },
    { type: 'BinaryAccuracy', name: 'bacc', bottoms: ['scores', 'sign'], tops: ['bacc'] },
    { type: 'RandomNormal', name: 'noise', tops: ['z'], shapes: [[N, C]] },
    { type: 'BinaryAccuracy', name: 'zacc', bottoms: ['z', 'sign'], tops: ['zacc'] },
    { type: 'EuclideanLoss', name: 'l2', bottoms: ['scores', 'target'], tops: ['l2'] },
    { type: 'SigmoidCrossEntropyLoss', name: 'sce', bottoms: ['scores', 'sign'], tops: ['sce'], ignoreLabel: -1, normalization: 'valid' },
    { type: 'Sigmoid', name: 'sig', bottoms: ['scores'], tops: ['s'] },
    { type: 'BinaryCrossEntropyLoss', name: 'bce', bottoms: ['s', 'target'], tops: ['bce'], lossWeight: 0.4 },
    { type: 'GaussianKLLoss', name: 'kl', bottoms: ['scores', 's'], tops: ['kl'], lossWeight: 0.1 },
    { type: 'SoftlabelSoftmaxLoss', name: 'soft', bottoms: ['scores', 'soft'], tops: ['softloss'] },
  ];
}

const OUTPUTS = ['wsm', 'mll', 'hinge', 'hsign', 'bacc', 'zacc', 'l2', 'sce', 'bce', 'kl', 'softloss'];

function run(backend: Backend, traffic?: () => number): { outputs: number[]; dx: Float64Array; ip1: Float64Array; transfers: number } {
  const net = new Net(residentNet(), { backend, phase: 'train', seed: 11 });
  const r = new Random(5);
  const x = new Float32Array(N * F);
  r.fillUniform(x, -1, 1);
  const label = Float32Array.from({ length: N }, () => r.int(C));
  const sign = Float32Array.from({ length: N * C }, () => (r.uniform() < 0.5 ? -1 : 1));
  const target = Float32Array.from({ length: N * C }, () => r.uniform());
  const soft = Float32Array.from({ length: N * C }, () => 0.1 + r.uniform());
  for (let i = 0; i < N; i++) {
    const row = soft.subarray(i * C, (i + 1) * C);
    const sum = row.reduce((a, v) => a + v, 0);
    row.forEach((v, j) => { row[j] = v / sum; });
  }
  const feeder = net.layer('data').feeder!;
  feeder.feed('x', x);
  feeder.feed('label', label);
  feeder.feed('sign', sign);
  feeder.feed('target', target);
  feeder.feed('soft', soft);
  backend.synchronize();
  const before = traffic?.() ?? 0;
  for (let i = 0; i < 2; i++) {
    net.clearParamDiffs();
    net.forward();
    net.backward();
  }
  const transfers = (traffic?.() ?? 0) - before;
  const outputs = OUTPUTS.map((name) => net.blob(name).read()[0]);
  const dx = Float64Array.from(net.blob('h').readDiff());
  const ip1 = Float64Array.from(net.layer('ip1').params[0].blob.readDiff());
  net.destroy();
  return { outputs, dx, ip1, transfers };
}

/** The Backend methods that move data between host and device or wait for the device. */
const HOST_METHODS = ['upload', 'download', 'fromHost', 'synchronize', 'dot', 'asum'] as const;

/**
 * Wraps the functions `names` of `target` (on the object itself, so every user of it is counted)
 * and returns the running count of their calls and a `restore` that puts the originals back.
 */
export function countCalls(target: object, names: readonly string[]): { count: () => number; restore: () => void } {
  let calls = 0;
  const t = target as Record<string, (...args: unknown[]) => unknown>;
  const saved = names.map((name) => {
    const f = t[name];
    if (typeof f !== 'function') throw new Error(`countCalls: ${name} is not a function of the object to count`);
    return [name, f] as const;
  });
  for (const [name, f] of saved) {
    t[name] = (...args: unknown[]) => {
      calls++;
      return f.apply(target, args);
    };
  }
  return { count: () => calls, restore: () => { for (const [name, f] of saved) t[name] = f; } };
}

/**
 * Counts calls of the host-facing Backend methods on `backend` (wrapping them on the instance), plus
 * what `lower()` counts below it (a device library's own copies and waits), while a training
 * iteration runs; none may happen.
 */
export function assertStaysOnDevice(backend: Backend, lower: () => number = () => 0): void {
  const host = countCalls(backend, HOST_METHODS);
  let device;
  try {
    device = run(backend, () => host.count() + lower());
  } finally {
    host.restore();
  }
  assert.equal(device.transfers, 0, `${device.transfers} host transfers or waits in two forward and backward passes`);
  const ref = run(new JsBackend('float32'));
  OUTPUTS.forEach((name, i) => {
    assert.ok(Math.abs(device.outputs[i] - ref.outputs[i]) <= 1e-5 * Math.max(1, Math.abs(ref.outputs[i])),
      `${name}: ${device.outputs[i]} on ${backend.name}, ${ref.outputs[i]} on js`);
  });
  for (const [what, a, e] of [['h diff', device.dx, ref.dx], ['ip1 weight diff', device.ip1, ref.ip1]] as const) {
    let worst = 0;
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
    assert.ok(worst < 1e-5, `${what} differs from js by up to ${worst}`);
  }
}
