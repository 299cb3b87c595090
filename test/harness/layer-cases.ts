/**
 * The one table of layer cases. Each row brings, through test/layers/layer-cases.test.ts, a
 * float64 gradient check on JsBackend and a float32 forward + backward equivalence check of every
 * available backend against JsBackend.
 *
 * Adding a layer: add rows here (name, config, bottom shapes, input generators, flags); add a
 * closed-form test only for what a row cannot say.
 */
import type { Shape } from '../../src/core/blob.js';
import { countOf } from '../../src/core/blob.js';
import type { LayerConfig, Phase } from '../../src/core/layer.js';
import type { Random } from '../../src/core/random.js';

/** Makes the values of one bottom from its shape and a seeded Random. */
export type InputGen = (shape: Shape, rng: Random) => Float64Array;

export interface LayerCase {
  /** Unique, shown in test names. */
  name: string;
  /** The layer definition; `bottoms` must name one blob per entry of `bottoms` below. */
  config: LayerConfig;
  /** Shapes of the bottoms. */
  bottoms: Shape[];
  /** One generator per bottom (default `distinct()` for every bottom). */
  inputs?: InputGen[];
  /** Default 'train'. */
  phase?: Phase;
  /** Why the gradient check does not apply (no backward, or nothing to differentiate). */
  skipGradient?: string;
  /** Largest relative error allowed by the gradient check (default 1e-6). */
  gradTolerance?: number;
}

/**
 * Distinct values in (-scale, scale), in random order, at least 2 scale / count apart and never
 * closer than scale / count to 0: central differences then never cross a ReLU kink at 0 or swap
 * the winner of a max-pooling window.
 */
export function distinct(scale = 1): InputGen {
  return (shape, rng) => {
    const n = countOf(shape);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    rng.shuffle(order);
    return Float64Array.from(order, (k) => (scale * (2 * k + 1 - n)) / n);
  };
}

/**
 * Class indices in [0, classes), stored as floats. With `ignore`, every `every`-th position (from
 * the second) holds the ignored label instead.
 */
export function labels(classes: number, ignore?: { label: number; every: number }): InputGen {
  return (shape, rng) => {
    const out = new Float64Array(countOf(shape));
    for (let i = 0; i < out.length; i++) out[i] = ignore && i % ignore.every === 1 ? ignore.label : rng.int(classes);
    return out;
  };
}

/** `count` values k / 8 for a MemoryData entry: small, exact in float32, each sample different. */
function ramp(count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, k) => k / 8);
}

const NEURONS = ['Identity', 'ReLU', { type: 'LReLU', slope: 0.1 }, 'Sigmoid', 'Tanh', 'Exponential'] as const;
const neuronName = (n: (typeof NEURONS)[number]) => (typeof n === 'string' ? n : n.type);

const ip = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'InnerProduct', name, bottoms: ['x'], tops: ['y'], numOutput: 3, ...extra });
const conv = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Convolution', name, bottoms: ['x'], tops: ['y'], numOutput: 3, kernel: 3, biasInit: { type: 'Uniform', min: -0.5, max: 0.5 }, ...extra });
const pool = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Pooling', name, bottoms: ['x'], tops: ['y'], ...extra });
const loss = (name: string, extra: Record<string, unknown> = {}): LayerConfig =>
  ({ type: 'SoftmaxLoss', name, bottoms: ['scores', 'label'], ...extra });
const acc = (name: string, extra: Record<string, unknown> = {}): LayerConfig =>
  ({ type: 'Accuracy', name, bottoms: ['scores', 'label'], ...extra });

export const layerCases: LayerCase[] = [
  // ---- InnerProduct ----
  { name: 'ip', config: ip('ip', { biasInit: { type: 'Uniform', min: -1, max: 1 } }), bottoms: [[4, 5]] },
  { name: 'ip-4d-input', config: ip('ip4d', {}), bottoms: [[2, 2, 3, 2]] },
  { name: 'ip-axis2', config: ip('ipaxis', { axis: 2, numOutput: 2 }), bottoms: [[2, 3, 4]] },
  { name: 'ip-nobias', config: ip('ipnb', { bias: false }), bottoms: [[3, 4]] },
  ...NEURONS.map((n): LayerCase => ({
    name: `ip-neuron-${neuronName(n)}`,
    config: ip(`ip_${neuronName(n)}`, { neuron: n, numOutput: 4, biasInit: { type: 'Uniform', min: -0.5, max: 0.5 } }),
    bottoms: [[3, 5]],
  })),

  // ---- Convolution ----
  { name: 'conv', config: conv('conv', {}), bottoms: [[2, 2, 5, 5]] },
  { name: 'conv-stride2-pad1', config: conv('convsp', { stride: 2, pad: 1 }), bottoms: [[2, 2, 6, 5]] },
  { name: 'conv-rect', config: conv('convrect', { kernel: [2, 3], stride: [1, 2], pad: [0, 1] }), bottoms: [[1, 3, 4, 5]] },
  { name: 'conv-dilation2', config: conv('convdil', { dilation: 2, pad: 1 }), bottoms: [[1, 2, 7, 6]] },
  { name: 'conv-group2', config: conv('convgrp', { group: 2, numOutput: 4, pad: 1 }), bottoms: [[2, 4, 4, 4]] },
  { name: 'conv-1x1-nobias', config: conv('conv1x1', { kernel: 1, bias: false }), bottoms: [[2, 3, 3, 3]] },
  ...NEURONS.map((n): LayerCase => ({
    name: `conv-neuron-${neuronName(n)}`,
    config: conv(`conv_${neuronName(n)}`, { neuron: n, numOutput: 2, pad: 1 }),
    bottoms: [[1, 2, 4, 4]],
  })),

  // ---- Pooling ----
  { name: 'pool-max', config: pool('poolmax', { method: 'max', kernel: 2, stride: 2 }), bottoms: [[2, 2, 4, 4]] },
  { name: 'pool-max-ceil', config: pool('poolmaxceil', { method: 'max', kernel: 3, stride: 2 }), bottoms: [[1, 2, 6, 6]] },
  { name: 'pool-max-pad', config: pool('poolmaxpad', { method: 'max', kernel: 3, stride: 2, pad: 1 }), bottoms: [[2, 2, 5, 5]] },
  { name: 'pool-max-overlap', config: pool('poolmaxov', { method: 'MAX', kernel: [3, 2], stride: 1 }), bottoms: [[1, 2, 4, 5]] },
  { name: 'pool-mean', config: pool('poolmean', { method: 'mean', kernel: 2, stride: 2 }), bottoms: [[2, 2, 4, 4]] },
  { name: 'pool-mean-ceil', config: pool('poolmeanceil', { method: 'mean', kernel: 3, stride: 2 }), bottoms: [[1, 2, 6, 6]] },
  { name: 'pool-mean-pad', config: pool('poolmeanpad', { method: 'AVE', kernel: 3, stride: 2, pad: 1 }), bottoms: [[2, 2, 5, 5]] },
  { name: 'pool-max-tanh', config: pool('pooltanh', { method: 'max', kernel: 2, stride: 2, neuron: 'Tanh' }), bottoms: [[1, 2, 4, 4]] },

  // ---- Softmax ----
  { name: 'softmax', config: { type: 'Softmax', name: 'sm', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 5]], inputs: [distinct(3)] },
  { name: 'softmax-spatial', config: { type: 'Softmax', name: 'sm4', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]], inputs: [distinct(3)] },
  { name: 'softmax-axis2', config: { type: 'Softmax', name: 'sm2', bottoms: ['x'], tops: ['y'], axis: 2 }, bottoms: [[2, 2, 4]], inputs: [distinct(3)] },

  // ---- SoftmaxLoss ----
  { name: 'softmax-loss', config: loss('loss'), bottoms: [[4, 5], [4]], inputs: [distinct(3), labels(5)] },
  { name: 'softmax-loss-weight', config: loss('lossw', { lossWeight: 0.5 }), bottoms: [[4, 5], [4, 1]], inputs: [distinct(3), labels(5)] },
  { name: 'softmax-loss-spatial', config: loss('losssp'), bottoms: [[2, 4, 3, 3], [2, 3, 3]], inputs: [distinct(3), labels(4)] },
  ...(['valid', 'batch', 'full', 'none'] as const).map((normalization): LayerCase => ({
    name: `softmax-loss-ignore-${normalization}`,
    config: loss(`loss_${normalization}`, { ignoreLabel: 255, normalization }),
    bottoms: [[2, 3, 2, 3], [2, 1, 2, 3]],
    inputs: [distinct(3), labels(3, { label: 255, every: 4 })],
  })),

  // ---- Accuracy ----
  { name: 'accuracy', config: acc('acc'), bottoms: [[6, 4], [6]], inputs: [distinct(), labels(4)], skipGradient: 'no backward' },
  { name: 'accuracy-top2', config: acc('acc2', { topK: 2, tops: ['acc2'] }), bottoms: [[6, 4], [6]], inputs: [distinct(), labels(4)], skipGradient: 'no backward' },
  {
    name: 'accuracy-spatial-ignore', config: acc('accsp', { ignoreLabel: -1 }), bottoms: [[2, 3, 2, 2], [2, 2, 2]],
    inputs: [distinct(), labels(3, { label: -1, every: 3 })], skipGradient: 'no backward',
  },

  // ---- Dropout ----
  { name: 'dropout-train', config: { type: 'Dropout', name: 'drop', bottoms: ['x'], tops: ['y'], ratio: 0.3 }, bottoms: [[4, 6]] },
  { name: 'dropout-test', config: { type: 'Dropout', name: 'dropt', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], phase: 'test' },

  // ---- Split ----
  { name: 'split2', config: { type: 'Split', name: 'split', bottoms: ['x'], tops: ['x1', 'x2'] }, bottoms: [[2, 3, 2]] },
  { name: 'split3', config: { type: 'Split', name: 'split3', bottoms: ['x'], tops: ['a', 'b', 'c'] }, bottoms: [[5]] },

  // ---- activations ----
  { name: 'relu', config: { type: 'ReLU', name: 'relu', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]] },
  { name: 'relu-leaky', config: { type: 'ReLU', name: 'lrelu', bottoms: ['x'], tops: ['y'], negativeSlope: 0.2 }, bottoms: [[4, 5]] },
  { name: 'sigmoid', config: { type: 'Sigmoid', name: 'sig', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(4)] },
  { name: 'tanh', config: { type: 'TanH', name: 'tanh', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(3)] },

  // ---- MemoryData ----
  {
    name: 'memory-data',
    config: {
      type: 'MemoryData', name: 'mem', tops: ['data', 'label'], batchSize: 4, shuffle: true,
      data: [{ values: ramp(5 * 2 * 3), shape: [5, 2, 3], scale: 0.5 }, { values: ramp(5), shape: [5] }],
    },
    bottoms: [],
    skipGradient: 'no bottoms and no parameters',
  },
];
