/**
 * The valid small net definitions the net and solver targets start from: an MLP, a conv net with
 * BatchNorm and pooling, and a branching net (fan-out, Concat, Eltwise, Dropout) whose splits are
 * inserted automatically. Data is inline (MemoryData), so building needs no files.
 */
import type { Json } from './mutate.js';

function memoryData(n: number, sample: number[], classes: number): Json {
  const count = sample.reduce((a, b) => a * b, 1);
  return {
    type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4,
    data: [
      { values: Array.from({ length: n * count }, (_, i) => Math.sin(i * 1.7)), shape: [n, ...sample] },
      { values: Array.from({ length: n }, (_, i) => i % classes), shape: [n] },
    ],
  };
}

export function mlp(): Json[] {
  return [
    memoryData(8, [4], 3),
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 5, neuron: 'ReLU', params: [{ lrMult: 1 }, { lrMult: 2 }] },
    { type: 'ReLU', name: 'relu', bottoms: ['h'], tops: ['h2'] },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h2'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

export function convNet(): Json[] {
  return [
    memoryData(4, [1, 6, 6], 2),
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 2, kernel: 3, pad: 1, stride: 1 },
    { type: 'BatchNorm', name: 'bn', bottoms: ['c'], tops: ['b'], eps: 1e-5, movingAverageFraction: 0.9 },
    { type: 'ReLU', name: 'relu', bottoms: ['b'], tops: ['r'] },
    { type: 'Pooling', name: 'pool', bottoms: ['r'], tops: ['p'], method: 'max', kernel: 2, stride: 2 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['p'], tops: ['score'], numOutput: 2 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

export function branchNet(): Json[] {
  return [
    memoryData(8, [4], 3),
    { type: 'InnerProduct', name: 'ipa', bottoms: ['x'], tops: ['a'], numOutput: 4 },
    { type: 'InnerProduct', name: 'ipb', bottoms: ['x'], tops: ['b'], numOutput: 4 },
    { type: 'Eltwise', name: 'sum', bottoms: ['a', 'b'], tops: ['s'], operation: 'SUM', coeff: [1, -0.5] },
    { type: 'Concat', name: 'cat', bottoms: ['a', 's'], tops: ['c'], axis: 1 },
    { type: 'Dropout', name: 'drop', bottoms: ['c'], tops: ['d'], ratio: 0.25 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['d'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

export const BASE_NETS: readonly (() => Json[])[] = [mlp, convNet, branchNet];

/** Every string a message may quote to name where a problem is: keys, names, blobs, types. */
export function namesIn(value: unknown, into: Set<string> = new Set()): string[] {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) {
    if (value.length < 64) for (const v of value) namesIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      namesIn(v, into);
    }
  }
  return [...into];
}
