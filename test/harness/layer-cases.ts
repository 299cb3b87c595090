/**
 * The one table of layer cases. Each row brings, through test/layers/layer-cases.test.ts, a
 * float64 gradient check on JsBackend and a float32 forward + backward equivalence check of every
 * available backend against JsBackend.
 *
 * Every row also carries a float64 forward reference written from the layer's formula
 * (references/), or links the closed-form test that checks its forward (`referenceTest`).
 *
 * Adding a layer (docs/contributing.md): add rows here (name, config, bottom shapes, input
 * generators, flags, reference); add a closed-form test only for what a row cannot say.
 */
import type { Shape } from '../../src/core/blob.js';
import { countOf } from '../../src/core/blob.js';
import type { LayerConfig, Phase } from '../../src/core/layer.js';
import type { Random } from '../../src/core/random.js';
import { bits, distributions, signs, uniform } from './loss-inputs.js';
import { gruReference, lstmReference, rnnReference } from './recurrent-reference.js';
import * as ref from './references/index.js';
import type { ForwardReference } from './references/index.js';

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
  /**
   * Parameters that an earlier layer of a net would have declared (the target of a tie), by key
   * and shape; the harness creates them, Uniform(-1, 1), before setting the layer up.
   */
  existingParams?: { key: string; shape: Shape }[];
  /** Why the gradient check does not apply (no backward, or nothing to differentiate). */
  skipGradient?: string;
  /** Largest relative error allowed by the gradient check (default 1e-6). */
  gradTolerance?: number;
  /**
   * An independent float64 forward, written from the layer's documented formula with plain loops
   * (references/ holds them by family): the tops' values from the bottoms' values, the parameters
   * by name and the row. layer-cases.test.ts compares it with the layer's first forward.
   */
  reference?: ForwardReference;
  /**
   * Where no reference can say it (a random forward, a layer without tops): the closed-form test
   * that checks the forward, by file (from the repository root) and test name. Every row has a
   * `reference` or a `referenceTest`; layer-cases.test.ts checks that and that the test exists.
   */
  referenceTest?: { file: string; test: string };
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

/** distinct() values rounded to multiples of `step`: many ties, for the layers that document how they break them. */
function steps(step: number): InputGen {
  return (shape, rng) => distinct()(shape, rng).map((v) => Math.round(v / step) * step);
}

/** `count` values k / 8 for a MemoryData entry: small, exact in float32, each sample different. */
function ramp(count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, k) => k / 8);
}

/**
 * Continuation markers [T, N]: at t = 0 even streams start (0) and odd ones continue (1, from the
 * carried state); stream n also restarts at t = 1 + n mod (T - 1) when T > 2, a reset mid-window.
 */
function contMarkers(): InputGen {
  return (shape) => {
    const [T, N] = shape;
    const out = new Float64Array(T * N).fill(1);
    for (let n = 0; n < N; n++) {
      if (n % 2 === 0) out[n] = 0;
      if (T > 2) out[(1 + (n % (T - 1))) * N + n] = 0;
    }
    return out;
  };
}

/**
 * A table row of RNN or LSTM: x [T, N, ...], cont [T, N], optional x_static, with its reference.
 * xs 'fresh' gives x as the only bottom: the reference sees cont 0 at t = 0 and 1 after.
 */
function recurrentCase(type: 'RNN' | 'LSTM' | 'GRU', name: string, x: Shape, H: number, xs?: Shape | 'fresh', extra: Record<string, unknown> = {}): LayerCase {
  const [T, N] = x;
  const fresh = xs === 'fresh';
  const staticShape = fresh ? undefined : xs;
  const d = { T, N, D: countOf(x) / (T * N), H, Ds: staticShape ? countOf(staticShape) / N : 0 };
  const uniformInit = (a: number) => ({ type: 'Uniform', min: -a, max: a });
  const gru: typeof gruReference = (dims, xv, cont, xsv, p, h0) => gruReference(dims, xv, cont, xsv, p, h0, extra.resetAfter !== false);
  const rnn: typeof rnnReference = (dims, xv, cont, xsv, p, h0) =>
    rnnReference(dims, xv, cont, xsv, p, h0, { output: extra.output as boolean | undefined, activation: extra.activation as 'tanh' | 'relu' | undefined });
  const run = type === 'LSTM' ? lstmReference : type === 'GRU' ? gru : rnn;
  const freshCont = Float64Array.from({ length: T * N }, (_, i) => (i < N ? 0 : 1));
  return {
    name,
    config: {
      type, name: name.replace(/-/g, '_'), bottoms: fresh ? ['x'] : staticShape ? ['x', 'cont', 'xs'] : ['x', 'cont'], tops: ['h'], numOutput: H,
      weightInit: uniformInit(0.6), biasInit: uniformInit(0.5), ...extra,
    },
    bottoms: fresh ? [x] : staticShape ? [x, [T, N], staticShape] : [x, [T, N]],
    inputs: fresh ? [distinct(1.5)] : staticShape ? [distinct(1.5), contMarkers(), distinct(1.5)] : [distinct(1.5), contMarkers()],
    reference: fresh
      ? ([xv], p) => [run(d, xv, freshCont, undefined, p).top]
      : ([xv, cont, xsv], p) => [run(d, xv, cont, xsv, p).top],
  };
}

const NEURONS = ['Identity', 'ReLU', { type: 'LReLU', slope: 0.1 }, 'Sigmoid', 'Tanh', 'Exponential'] as const;
const neuronName = (n: (typeof NEURONS)[number]) => (typeof n === 'string' ? n : n.type);

const ip = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'InnerProduct', name, bottoms: ['x'], tops: ['y'], numOutput: 3, ...extra });
const conv = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Convolution', name, bottoms: ['x'], tops: ['y'], numOutput: 3, kernel: 3, biasInit: { type: 'Uniform', min: -0.5, max: 0.5 }, ...extra });
const deconv = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Deconvolution', name, bottoms: ['x'], tops: ['y'], numOutput: 3, kernel: 3, biasInit: { type: 'Uniform', min: -0.5, max: 0.5 }, ...extra });
const pool = (name: string, extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Pooling', name, bottoms: ['x'], tops: ['y'], ...extra });
const loss = (name: string, extra: Record<string, unknown> = {}): LayerConfig =>
  ({ type: 'SoftmaxLoss', name, bottoms: ['scores', 'label'], ...extra });
const acc = (name: string, extra: Record<string, unknown> = {}): LayerConfig =>
  ({ type: 'Accuracy', name, bottoms: ['scores', 'label'], ...extra });

export const layerCases: LayerCase[] = [
  // ---- InnerProduct ----
  { name: 'ip', config: ip('ip', { biasInit: { type: 'Uniform', min: -1, max: 1 } }), bottoms: [[4, 5]], reference: ref.innerProduct },
  { name: 'ip-4d-input', config: ip('ip4d', {}), bottoms: [[2, 2, 3, 2]], reference: ref.innerProduct },
  { name: 'ip-axis2', config: ip('ipaxis', { axis: 2, numOutput: 2 }), bottoms: [[2, 3, 4]], reference: ref.innerProduct },
  { name: 'ip-nobias', config: ip('ipnb', { bias: false }), bottoms: [[3, 4]], reference: ref.innerProduct },
  ...NEURONS.map((n): LayerCase => ({
    name: `ip-neuron-${neuronName(n)}`,
    config: ip(`ip_${neuronName(n)}`, { neuron: n, numOutput: 4, biasInit: { type: 'Uniform', min: -0.5, max: 0.5 } }),
    bottoms: [[3, 5]],
    reference: ref.innerProduct,
  })),

  // ---- Convolution ----
  { name: 'conv', config: conv('conv', {}), bottoms: [[2, 2, 5, 5]], reference: ref.convolution },
  { name: 'conv-stride2-pad1', config: conv('convsp', { stride: 2, pad: 1 }), bottoms: [[2, 2, 6, 5]], reference: ref.convolution },
  { name: 'conv-rect', config: conv('convrect', { kernel: [2, 3], stride: [1, 2], pad: [0, 1] }), bottoms: [[1, 3, 4, 5]], reference: ref.convolution },
  { name: 'conv-dilation2', config: conv('convdil', { dilation: 2, pad: 1 }), bottoms: [[1, 2, 7, 6]], reference: ref.convolution },
  { name: 'conv-group2', config: conv('convgrp', { group: 2, numOutput: 4, pad: 1 }), bottoms: [[2, 4, 4, 4]], reference: ref.convolution },
  { name: 'conv-dilation2-stride2-group2', config: conv('convdsg', { dilation: 2, stride: 2, group: 2, numOutput: 4, pad: 1 }), bottoms: [[2, 4, 7, 7]], reference: ref.convolution },
  { name: 'conv-dilation-rect-stride-group3', config: conv('convdsg3', { kernel: 2, dilation: [2, 3], stride: [2, 1], group: 3, pad: [1, 2] }), bottoms: [[1, 3, 6, 7]], reference: ref.convolution },
  { name: 'conv-1x1-nobias', config: conv('conv1x1', { kernel: 1, bias: false }), bottoms: [[2, 3, 3, 3]], reference: ref.convolution },
  ...NEURONS.map((n): LayerCase => ({
    name: `conv-neuron-${neuronName(n)}`,
    config: conv(`conv_${neuronName(n)}`, { neuron: n, numOutput: 2, pad: 1 }),
    bottoms: [[1, 2, 4, 4]],
    reference: ref.convolution,
  })),

  // ---- Pooling ----
  { name: 'pool-max', config: pool('poolmax', { method: 'max', kernel: 2, stride: 2 }), bottoms: [[2, 2, 4, 4]], reference: ref.pooling },
  { name: 'pool-max-ceil', config: pool('poolmaxceil', { method: 'max', kernel: 3, stride: 2 }), bottoms: [[1, 2, 6, 6]], reference: ref.pooling },
  { name: 'pool-max-pad', config: pool('poolmaxpad', { method: 'max', kernel: 3, stride: 2, pad: 1 }), bottoms: [[2, 2, 5, 5]], reference: ref.pooling },
  { name: 'pool-max-overlap', config: pool('poolmaxov', { method: 'MAX', kernel: [3, 2], stride: 1 }), bottoms: [[1, 2, 4, 5]], reference: ref.pooling },
  { name: 'pool-mean', config: pool('poolmean', { method: 'mean', kernel: 2, stride: 2 }), bottoms: [[2, 2, 4, 4]], reference: ref.pooling },
  { name: 'pool-mean-ceil', config: pool('poolmeanceil', { method: 'mean', kernel: 3, stride: 2 }), bottoms: [[1, 2, 6, 6]], reference: ref.pooling },
  { name: 'pool-mean-pad', config: pool('poolmeanpad', { method: 'AVE', kernel: 3, stride: 2, pad: 1 }), bottoms: [[2, 2, 5, 5]], reference: ref.pooling },
  // Stride above the kernel: the last window misses the image (Caffe's size), and one-axis padding.
  { name: 'pool-max-stride-past-image', config: pool('poolmaxpast', { method: 'max', kernel: 2, stride: 3 }), bottoms: [[2, 2, 6, 6]], reference: ref.pooling },
  { name: 'pool-mean-stride-past-image', config: pool('poolmeanpast', { method: 'mean', kernel: 2, stride: 3 }), bottoms: [[2, 2, 6, 6]], reference: ref.pooling },
  { name: 'pool-max-pad-one-axis', config: pool('poolmaxpad01', { method: 'max', kernel: 2, stride: 3, pad: [0, 1] }), bottoms: [[1, 2, 6, 7]], reference: ref.pooling },
  { name: 'pool-mean-pad-one-axis', config: pool('poolmeanpad01', { method: 'mean', kernel: 2, stride: 3, pad: [0, 1] }), bottoms: [[1, 2, 6, 7]], reference: ref.pooling },
  { name: 'pool-max-tanh', config: pool('pooltanh', { method: 'max', kernel: 2, stride: 2, neuron: 'Tanh' }), bottoms: [[1, 2, 4, 4]], reference: ref.pooling },

  // ---- Softmax ----
  { name: 'softmax', config: { type: 'Softmax', name: 'sm', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 5]], inputs: [distinct(3)], reference: ref.softmax },
  { name: 'softmax-spatial', config: { type: 'Softmax', name: 'sm4', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]], inputs: [distinct(3)], reference: ref.softmax },
  { name: 'softmax-axis2', config: { type: 'Softmax', name: 'sm2', bottoms: ['x'], tops: ['y'], axis: 2 }, bottoms: [[2, 2, 4]], inputs: [distinct(3)], reference: ref.softmax },

  // ---- LogSoftmax ----
  { name: 'logsoftmax', config: { type: 'LogSoftmax', name: 'lsm', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 5]], inputs: [distinct(3)], reference: ref.logSoftmax },
  // 20 positions per item: whole SIMD vectors of positions and a part of one
  { name: 'logsoftmax-spatial', config: { type: 'LogSoftmax', name: 'lsm4', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 4, 5]], inputs: [distinct(3)], reference: ref.logSoftmax },
  { name: 'logsoftmax-axis2', config: { type: 'LogSoftmax', name: 'lsm2', bottoms: ['x'], tops: ['y'], axis: 2 }, bottoms: [[2, 2, 4]], inputs: [distinct(3)], reference: ref.logSoftmax },
  // scores 400 apart, where softmax's probabilities underflow float32 and their log would be -inf;
  // 37 classes: whole SIMD vectors of a row and a tail
  { name: 'logsoftmax-far', config: { type: 'LogSoftmax', name: 'lsmfar', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 37]], inputs: [distinct(200)], reference: ref.logSoftmax },

  // ---- SoftmaxLoss ----
  { name: 'softmax-loss', config: loss('loss'), bottoms: [[4, 5], [4]], inputs: [distinct(3), labels(5)], reference: ref.softmaxLoss },
  { name: 'softmax-loss-weight', config: loss('lossw', { lossWeight: 0.5 }), bottoms: [[4, 5], [4, 1]], inputs: [distinct(3), labels(5)], reference: ref.softmaxLoss },
  // a language model's scores [T, N, V] against labels [T, N]
  { name: 'softmax-loss-sequence-axis2', config: loss('lossseq', { axis: 2 }), bottoms: [[3, 2, 5], [3, 2]], inputs: [distinct(3), labels(5)], reference: ref.softmaxLoss },
  { name: 'softmax-loss-spatial', config: loss('losssp'), bottoms: [[2, 4, 3, 3], [2, 3, 3]], inputs: [distinct(3), labels(4)], reference: ref.softmaxLoss },
  ...(['valid', 'batch', 'full', 'none'] as const).map((normalization): LayerCase => ({
    name: `softmax-loss-ignore-${normalization}`,
    config: loss(`loss_${normalization}`, { ignoreLabel: 255, normalization }),
    bottoms: [[2, 3, 2, 3], [2, 1, 2, 3]],
    inputs: [distinct(3), labels(3, { label: 255, every: 4 })],
    reference: ref.softmaxLoss,
  })),

  { name: 'softmax-loss-class-weights', config: loss('lossclw', { weights: [1, 3, 0.5, 2, 1], lossWeight: 2 }), bottoms: [[4, 5], [4]], inputs: [distinct(3), labels(5)], reference: ref.softmaxLoss },
  {
    name: 'softmax-loss-class-weights-spatial-ignore', config: loss('lossclwsp', { weights: [2, 1, 1], ignoreLabel: 255, normalization: 'full' }),
    bottoms: [[2, 3, 2, 3], [2, 1, 2, 3]], inputs: [distinct(3), labels(3, { label: 255, every: 4 })],
    reference: ref.softmaxLoss,
  },

  // ---- Accuracy ----
  { name: 'accuracy', config: acc('acc'), bottoms: [[6, 4], [6]], inputs: [distinct(), labels(4)], skipGradient: 'no backward', reference: ref.accuracy },
  { name: 'accuracy-top2', config: acc('acc2', { topK: 2, tops: ['acc2'] }), bottoms: [[6, 4], [6]], inputs: [distinct(), labels(4)], skipGradient: 'no backward', reference: ref.accuracy },
  // Scores in steps of 0.5: ties, which count against the label (Caffe's rule).
  { name: 'accuracy-ties-top2', config: acc('accties', { topK: 2 }), bottoms: [[8, 4], [8]], inputs: [steps(0.5), labels(4)], skipGradient: 'no backward', reference: ref.accuracy },
  { name: 'accuracy-sequence-axis2', config: acc('accseq', { axis: 2 }), bottoms: [[3, 2, 5], [3, 2]], inputs: [distinct(), labels(5)], skipGradient: 'no backward', reference: ref.accuracy },
  {
    name: 'accuracy-spatial-ignore', config: acc('accsp', { ignoreLabel: -1 }), bottoms: [[2, 3, 2, 2], [2, 2, 2]],
    inputs: [distinct(), labels(3, { label: -1, every: 3 })], skipGradient: 'no backward',
    reference: ref.accuracy,
  },

  // ---- losses and metrics (loss-inputs.ts has their generators) ----
  { name: 'euclidean-loss', config: { type: 'EuclideanLoss', name: 'eucl', bottoms: ['a', 'b'] }, bottoms: [[4, 3], [4, 3]], reference: ref.euclideanLoss },
  {
    name: 'euclidean-loss-weight-reshaped', config: { type: 'EuclideanLoss', name: 'euclw', bottoms: ['a', 'b'], lossWeight: 0.5 },
    bottoms: [[2, 3], [2, 3, 1, 1]], inputs: [distinct(2), distinct()],
    reference: ref.euclideanLoss,
  },
  { name: 'square-loss', config: { type: 'SquareLoss', name: 'sq', bottoms: ['pred', 'label'], lossWeight: 2 }, bottoms: [[3, 4], [3, 4]], reference: ref.euclideanLoss },
  {
    name: 'sigmoid-ce-loss', config: { type: 'SigmoidCrossEntropyLoss', name: 'sce', bottoms: ['x', 't'] },
    bottoms: [[4, 5], [4, 5]], inputs: [distinct(4), uniform(0, 1)],
    reference: ref.sigmoidCrossEntropyLoss,
  },
  ...(['valid', 'full', 'none'] as const).map((normalization): LayerCase => ({
    name: `sigmoid-ce-loss-ignore-${normalization}`,
    config: { type: 'SigmoidCrossEntropyLoss', name: `sce_${normalization}`, bottoms: ['x', 't'], ignoreLabel: -1, normalization, lossWeight: 2 },
    bottoms: [[2, 3, 2], [2, 3, 2]], inputs: [distinct(4), labels(2, { label: -1, every: 3 })],
    reference: ref.sigmoidCrossEntropyLoss,
  })),
  {
    name: 'binary-ce-loss', config: { type: 'BinaryCrossEntropyLoss', name: 'bce', bottoms: ['p', 't'], lossWeight: 0.5 },
    bottoms: [[4, 3], [4, 3]], inputs: [uniform(0.05, 0.95), uniform(0, 1)],
    reference: ref.binaryCrossEntropyLoss,
  },
  {
    name: 'gaussian-kl-loss', config: { type: 'GaussianKLLoss', name: 'kl', bottoms: ['mu', 'sigma'] },
    bottoms: [[3, 4], [3, 4]], inputs: [distinct(), uniform(0.5, 1.5)],
    reference: ref.gaussianKLLoss,
  },
  {
    name: 'softlabel-softmax-loss', config: { type: 'SoftlabelSoftmaxLoss', name: 'sls', bottoms: ['scores', 'target'] },
    bottoms: [[3, 4], [3, 4]], inputs: [distinct(3), distributions()],
    reference: ref.softlabelSoftmaxLoss,
  },
  {
    name: 'softlabel-softmax-loss-spatial', config: { type: 'SoftlabelSoftmaxLoss', name: 'slssp', bottoms: ['scores', 'target'], lossWeight: 3 },
    bottoms: [[2, 3, 2, 2], [2, 3, 2, 2]], inputs: [distinct(3), distributions()],
    reference: ref.softlabelSoftmaxLoss,
  },
  {
    name: 'multinomial-logistic-loss', config: { type: 'MultinomialLogisticLoss', name: 'mll', bottoms: ['prob', 'label'] },
    bottoms: [[4, 5], [4]], inputs: [distributions(), labels(5)],
    reference: ref.multinomialLogisticLoss,
  },
  {
    name: 'multinomial-logistic-loss-weights-ignore-spatial',
    config: { type: 'MultinomialLogisticLoss', name: 'mllw', bottoms: ['prob', 'label'], weights: [1, 2, 3], ignoreLabel: 255, lossWeight: 0.5 },
    bottoms: [[2, 3, 2, 2], [2, 2, 2]], inputs: [distributions(), labels(3, { label: 255, every: 3 })],
    reference: ref.multinomialLogisticLoss,
  },
  ...(['L1', 'L2'] as const).map((norm): LayerCase => ({
    name: `hinge-loss-${norm}`, config: { type: 'HingeLoss', name: `hinge_${norm}`, bottoms: ['scores', 'label'], norm },
    bottoms: [[4, 5], [4]], inputs: [distinct(1.5), labels(5)],
    reference: ref.hingeLoss,
  })),
  ...(['L1', 'L2'] as const).map((norm): LayerCase => ({
    name: `hinge-loss-sign-${norm}`, config: { type: 'HingeLoss', name: `hinge_sign_${norm}`, bottoms: ['scores', 'label'], norm, labels: 'sign', lossWeight: 0.5 },
    bottoms: [[4, 3], [4, 3]], inputs: [distinct(1.5), signs()],
    reference: ref.hingeLoss,
  })),
  {
    name: 'wasserstein-loss',
    config: { type: 'WassersteinLoss', name: 'wass', bottoms: ['pred', 'target'], M: [[0, 1, 2], [1, 0, 1], [2, 1, 0], [3, 2, 1]], lambda: 2, sinkhornIter: 20 },
    bottoms: [[3, 4], [3, 3]], inputs: [distributions(), distributions()],
    skipGradient: "the gradient is Mocha's Sinkhorn dual potential, not the derivative of the iterated loss (losses.test.ts checks it)",
    reference: ref.wassersteinLoss,
  },
  {
    name: 'binary-accuracy', config: { type: 'BinaryAccuracy', name: 'bacc', bottoms: ['pred', 'label'], threshold: 0.5 },
    bottoms: [[4, 3], [4, 3]], inputs: [uniform(0, 1), bits()], skipGradient: 'no backward',
    reference: ref.binaryAccuracy,
  },

  // ---- Dropout ----
  {
    name: 'dropout-train', config: { type: 'Dropout', name: 'drop', bottoms: ['x'], tops: ['y'], ratio: 0.3 }, bottoms: [[4, 6]],
    referenceTest: { file: 'test/layers/dropout.test.ts', test: 'train phase: each unit is dropped or scaled by 1 / (1 - ratio); the mean is kept' },
  },
  { name: 'dropout-test', config: { type: 'Dropout', name: 'dropt', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], phase: 'test', reference: ref.copies },

  // ---- Split ----
  { name: 'split1', config: { type: 'Split', name: 'split1', bottoms: ['x'], tops: ['x1'] }, bottoms: [[3, 2]], reference: ref.copies },
  { name: 'split2', config: { type: 'Split', name: 'split', bottoms: ['x'], tops: ['x1', 'x2'] }, bottoms: [[2, 3, 2]], reference: ref.copies },
  { name: 'split3', config: { type: 'Split', name: 'split3', bottoms: ['x'], tops: ['a', 'b', 'c'] }, bottoms: [[5]], reference: ref.copies },

  // ---- activations ----
  { name: 'relu', config: { type: 'ReLU', name: 'relu', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]], reference: ref.relu },
  { name: 'relu-leaky', config: { type: 'ReLU', name: 'lrelu', bottoms: ['x'], tops: ['y'], negativeSlope: 0.2 }, bottoms: [[4, 5]], reference: ref.relu },
  { name: 'sigmoid', config: { type: 'Sigmoid', name: 'sig', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(4)], reference: ref.sigmoidLayer },
  { name: 'tanh', config: { type: 'TanH', name: 'tanh', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(3)], reference: ref.tanh },

  // ---- Deconvolution ----
  { name: 'deconv', config: deconv('deconv', {}), bottoms: [[2, 2, 3, 3]], reference: ref.deconvolution },
  { name: 'deconv-stride2', config: deconv('deconvs', { stride: 2 }), bottoms: [[1, 2, 3, 4]], reference: ref.deconvolution },
  { name: 'deconv-stride-pad-dilation-group2', config: deconv('deconvg', { stride: 2, pad: 1, dilation: 2, group: 2, numOutput: 4 }), bottoms: [[1, 4, 3, 4]], reference: ref.deconvolution },
  { name: 'deconv-rect-nobias', config: deconv('deconvr', { kernel: [2, 3], stride: [2, 1], pad: [0, 1], bias: false }), bottoms: [[2, 3, 2, 3]], reference: ref.deconvolution },
  { name: 'deconv-neuron-Tanh', config: deconv('deconvt', { neuron: 'Tanh', stride: 2 }), bottoms: [[1, 2, 2, 2]], reference: ref.deconvolution },

  // ---- BatchNorm ----
  {
    name: 'batchnorm-train', config: { type: 'BatchNorm', name: 'bn', bottoms: ['x'], tops: ['y'], movingAverageFraction: 0.9 },
    bottoms: [[4, 3, 2, 2]], gradTolerance: 1e-5, reference: ref.batchNorm,
  },
  { name: 'batchnorm-train-2d', config: { type: 'BatchNorm', name: 'bn2', bottoms: ['x'], tops: ['y'] }, bottoms: [[5, 3]], gradTolerance: 1e-5, reference: ref.batchNorm },
  { name: 'layernorm', config: { type: 'LayerNorm', name: 'ln', bottoms: ['x'], tops: ['y'], scaleInit: { type: 'Uniform', min: -1, max: 1 }, biasInit: { type: 'Uniform', min: -1, max: 1 } }, bottoms: [[2, 3, 5]], reference: ref.layerNorm },
  { name: 'layernorm-axis1', config: { type: 'LayerNorm', name: 'ln1', bottoms: ['x'], tops: ['y'], axis: 1, eps: 0.01, scaleInit: { type: 'Uniform', min: -1, max: 1 }, biasInit: { type: 'Uniform', min: -1, max: 1 } }, bottoms: [[3, 2, 2, 3]], reference: ref.layerNorm },
  { name: 'layernorm-plain', config: { type: 'LayerNorm', name: 'ln0', bottoms: ['x'], tops: ['y'], affine: false }, bottoms: [[4, 6]], reference: ref.layerNorm },
  {
    name: 'batchnorm-global', config: { type: 'BatchNorm', name: 'bng', bottoms: ['x'], tops: ['y'], eps: 0.5 }, bottoms: [[2, 3, 2, 2]], phase: 'test',
    skipGradient: 'the statistics get no gradient by design (never learned); the global-statistics backward has a closed-form test',
    reference: ref.batchNorm,
  },

  // ---- LRN ----
  { name: 'lrn-across', config: { type: 'LRN', name: 'lrn', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 7, 2, 2]], inputs: [distinct(2)], reference: ref.lrn },
  { name: 'lrn-across-k2', config: { type: 'LRN', name: 'lrnk', bottoms: ['x'], tops: ['y'], localSize: 3, alpha: 2, beta: 0.6, k: 2 }, bottoms: [[1, 4, 3, 2]], reference: ref.lrn },
  // A window wider than the channels: every channel sums all of them.
  { name: 'lrn-across-wide', config: { type: 'LRN', name: 'lrnw9', bottoms: ['x'], tops: ['y'], localSize: 9, alpha: 0.5 }, bottoms: [[2, 3, 2, 3]], reference: ref.lrn },
  {
    name: 'lrn-within', config: { type: 'LRN', name: 'lrnw', bottoms: ['x'], tops: ['y'], localSize: 3, alpha: 1.5, normRegion: 'WITHIN_CHANNEL' },
    bottoms: [[2, 2, 4, 5]], inputs: [distinct(2)], reference: ref.lrn,
  },
  // A 5 × 5 window over rows longer than an AVX-512 vector, and a power off the square-root path.
  {
    name: 'lrn-within-5', config: { type: 'LRN', name: 'lrnw5', bottoms: ['x'], tops: ['y'], localSize: 5, alpha: 2, beta: 0.6, normRegion: 'WITHIN_CHANNEL' },
    bottoms: [[1, 2, 4, 17]], reference: ref.lrn,
  },

  // ---- Embed ----
  {
    name: 'embed', config: { type: 'Embed', name: 'embed', bottoms: ['x'], tops: ['y'], inputDim: 5, numOutput: 3, biasInit: { type: 'Uniform', min: -1, max: 1 } },
    bottoms: [[4, 3]], inputs: [labels(5)], reference: ref.embed,
  },
  { name: 'embed-nobias', config: { type: 'Embed', name: 'embednb', bottoms: ['x'], tops: ['y'], inputDim: 3, numOutput: 4, bias: false }, bottoms: [[7]], inputs: [labels(3)], reference: ref.embed },

  // ---- RNN, LSTM, GRU (cont resets mid-window; a second forward continues from the carried state) ----
  recurrentCase('RNN', 'rnn-T3-N2', [3, 2, 4], 3),
  recurrentCase('RNN', 'rnn-T1-N3', [1, 3, 2], 2),
  recurrentCase('RNN', 'rnn-T5-N2-static', [5, 2, 3], 3, [2, 2]),
  recurrentCase('LSTM', 'lstm-T4-N2', [4, 2, 3], 3),
  recurrentCase('LSTM', 'lstm-T1-N2', [1, 2, 3], 2),
  recurrentCase('LSTM', 'lstm-T6-N3-4d-input', [6, 3, 2, 2], 2),
  recurrentCase('LSTM', 'lstm-T3-N2-static', [3, 2, 2], 3, [2, 2, 2]),
  // x alone: whole sequences from a zero state in every forward (PyTorch's nn.RNN/nn.LSTM, ONNX's LSTM)
  recurrentCase('RNN', 'rnn-T4-N2-fresh', [4, 2, 3], 3, 'fresh'),
  // PyTorch's nn.RNN (ONNX's RNN): the top is h itself, tanh or ReLU
  recurrentCase('RNN', 'rnn-T4-N2-fresh-no-output', [4, 2, 3], 3, 'fresh', { output: false }),
  recurrentCase('RNN', 'rnn-T5-N3-fresh-relu-no-output', [5, 3, 2], 4, 'fresh', { output: false, activation: 'relu' }),
  recurrentCase('RNN', 'rnn-T3-N2-relu-no-output', [3, 2, 4], 3, undefined, { output: false, activation: 'relu' }),
  recurrentCase('RNN', 'rnn-T3-N2-static-relu', [3, 2, 3], 2, [2, 2], { activation: 'relu' }),
  recurrentCase('LSTM', 'lstm-T5-N3-4d-fresh', [5, 3, 2, 2], 4, 'fresh'),
  recurrentCase('LSTM', 'lstm-T1-N2-fresh', [1, 2, 3], 2, 'fresh'),
  recurrentCase('GRU', 'gru-T4-N2', [4, 2, 3], 3),
  recurrentCase('GRU', 'gru-T1-N3', [1, 3, 2], 2),
  recurrentCase('GRU', 'gru-T5-N3-4d-input', [5, 3, 2, 2], 2),
  recurrentCase('GRU', 'gru-T3-N2-static', [3, 2, 2], 3, [2, 3]),
  recurrentCase('GRU', 'gru-T5-N2-fresh', [5, 2, 3], 4, 'fresh'),
  // the reset gate before the recurrent product (ONNX's default, Cho et al.)
  recurrentCase('GRU', 'gru-T4-N2-reset-before', [4, 2, 3], 3, undefined, { resetAfter: false }),
  recurrentCase('GRU', 'gru-T3-N2-static-reset-before', [3, 2, 2], 3, [2, 3], { resetAfter: false }),
  recurrentCase('GRU', 'gru-T5-N2-fresh-reset-before', [5, 2, 3], 4, 'fresh', { resetAfter: false }),

  // ---- TiedInnerProduct (the test context declares the tied weight itself) ----
  {
    name: 'tied-ip', config: { type: 'TiedInnerProduct', name: 'dec', bottoms: ['h'], tops: ['y'], tiedParamKey: 'enc', numOutput: 5, biasInit: { type: 'Uniform', min: -1, max: 1 } },
    bottoms: [[3, 4]], existingParams: [{ key: 'enc___weight', shape: [4, 5] }], reference: ref.tiedInnerProduct,
  },
  {
    name: 'tied-ip-4d-sigmoid', config: { type: 'TiedInnerProduct', name: 'dec4', bottoms: ['h'], tops: ['y'], tiedParamKey: 'enc', numOutput: 3, neuron: 'Sigmoid' },
    bottoms: [[2, 2, 1, 3]], existingParams: [{ key: 'enc___weight', shape: [6, 3] }], reference: ref.tiedInnerProduct,
  },

  // ---- RandomMask, RandomNormal ----
  {
    name: 'random-mask-train', config: { type: 'RandomMask', name: 'mask', bottoms: ['x', 'z'], tops: ['y', 'w'], ratio: 0.3 }, bottoms: [[3, 4], [2, 5]],
    referenceTest: { file: 'test/layers/random-layers.test.ts', test: 'train: zeroes about ratio of the elements, keeps the rest unscaled, each bottom its own mask' },
  },
  { name: 'random-mask-test', config: { type: 'RandomMask', name: 'maskt', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], phase: 'test', reference: ref.copies },
  {
    name: 'random-normal', config: { type: 'RandomNormal', name: 'noise', tops: ['n1', 'n2'], shapes: [[2, 3], [4]] }, bottoms: [],
    skipGradient: 'no bottoms and no parameters',
    referenceTest: { file: 'test/layers/random-layers.test.ts', test: 'fills each top with N(0, 1), new values every forward, the same for the same seed' },
  },

  // ---- structural and elementwise layers ----
  { name: 'concat-channels', config: { type: 'Concat', name: 'cat', bottoms: ['a', 'b', 'c'], tops: ['y'] }, bottoms: [[2, 1, 2, 3], [2, 3, 2, 3], [2, 2, 2, 3]], reference: ref.concat },
  { name: 'concat-axis0', config: { type: 'Concat', name: 'cat0', bottoms: ['a', 'b'], tops: ['y'], axis: 0 }, bottoms: [[1, 3], [2, 3]], reference: ref.concat },
  { name: 'concat-axis-last', config: { type: 'Concat', name: 'catl', bottoms: ['a', 'b'], tops: ['y'], axis: -1 }, bottoms: [[2, 2, 3], [2, 2, 1]], reference: ref.concat },
  { name: 'slice-points', config: { type: 'Slice', name: 'slice', bottoms: ['x'], tops: ['a', 'b', 'c'], slicePoints: [1, 4] }, bottoms: [[2, 6, 2]], reference: ref.slice },
  { name: 'slice-even-axis2', config: { type: 'Slice', name: 'slice2', bottoms: ['x'], tops: ['a', 'b'], axis: 2 }, bottoms: [[2, 3, 4]], reference: ref.slice },
  { name: 'reshape', config: { type: 'Reshape', name: 'reshape', bottoms: ['x'], tops: ['y'], shape: [0, -1, 2] }, bottoms: [[2, 3, 2, 2]], reference: ref.copies },
  { name: 'reshape-axis-numAxes', config: { type: 'Reshape', name: 'reshape2', bottoms: ['x'], tops: ['y'], shape: [2, 3], axis: 1, numAxes: 1 }, bottoms: [[2, 6, 2]], reference: ref.copies },
  { name: 'flatten', config: { type: 'Flatten', name: 'flat', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]], reference: ref.copies },
  { name: 'flatten-axis-range', config: { type: 'Flatten', name: 'flat2', bottoms: ['x'], tops: ['y'], axis: 1, endAxis: 2 }, bottoms: [[2, 3, 2, 2]], reference: ref.copies },
  { name: 'identity', config: { type: 'Identity', name: 'id', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], reference: ref.copies },
  { name: 'identity-2', config: { type: 'Identity', name: 'id2', bottoms: ['x', 'z'], tops: ['y', 'w'] }, bottoms: [[3, 4], [3, 4]], reference: ref.copies },
  {
    name: 'silence', config: { type: 'Silence', name: 'silence', bottoms: ['x', 'z'] }, bottoms: [[3, 4], [2]],
    referenceTest: { file: 'test/layers/structure.test.ts', test: 'Identity with two bottoms gives each top its own data; Silence zeroes the diffs' },
  },
  { name: 'power', config: { type: 'Power', name: 'pow', bottoms: ['x'], tops: ['y'], power: 1.5, scale: 0.5, shift: 2 }, bottoms: [[3, 4]], reference: ref.power },
  { name: 'power-square', config: { type: 'Power', name: 'pow2', bottoms: ['x'], tops: ['y'], power: 2, scale: -1.5 }, bottoms: [[3, 4]], reference: ref.power },
  { name: 'exp', config: { type: 'Exp', name: 'exp', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], inputs: [distinct(2)], reference: ref.exp },
  { name: 'exp-base2-scaled-shifted', config: { type: 'Exp', name: 'exp2', bottoms: ['x'], tops: ['y'], base: 2, scale: -1.5, shift: 0.5 }, bottoms: [[2, 3, 2]], inputs: [distinct(2)], reference: ref.exp },
  // inputs in (-1, 1): shift + scale x stays positive
  { name: 'log-shifted', config: { type: 'Log', name: 'log', bottoms: ['x'], tops: ['y'], shift: 1.5 }, bottoms: [[3, 4]], reference: ref.log },
  { name: 'log-base10-scaled', config: { type: 'Log', name: 'log10', bottoms: ['x'], tops: ['y'], base: 10, scale: -2, shift: 3 }, bottoms: [[2, 3, 2]], reference: ref.log },
  { name: 'softplus', config: { type: 'Softplus', name: 'sp', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 4]], inputs: [distinct(6)], reference: ref.softplus },
  // scores far out both ways: log(1 + e^(beta x)) is x there, or e^(beta x)
  { name: 'softplus-beta', config: { type: 'Softplus', name: 'sp2', bottoms: ['x'], tops: ['y'], beta: 2.5 }, bottoms: [[2, 3, 4]], inputs: [distinct(40)], reference: ref.softplus },
  { name: 'power-linear', config: { type: 'Power', name: 'pow1', bottoms: ['x'], tops: ['y'], scale: 3, shift: -1 }, bottoms: [[3, 4]], reference: ref.power },
  { name: 'absval', config: { type: 'AbsVal', name: 'abs', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 5]], reference: ref.absVal },
  { name: 'clip', config: { type: 'Clip', name: 'clip', bottoms: ['x'], tops: ['y'], min: -0.52, max: 0.63 }, bottoms: [[4, 5]], reference: ref.clip },
  { name: 'elu', config: { type: 'ELU', name: 'elu', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(2)], reference: ref.elu },
  { name: 'elu-alpha', config: { type: 'ELU', name: 'elu2', bottoms: ['x'], tops: ['y'], alpha: 0.4 }, bottoms: [[2, 3, 2]], inputs: [distinct(2)], reference: ref.elu },
  { name: 'erf', config: { type: 'Erf', name: 'erf', bottoms: ['x'], tops: ['y'] }, bottoms: [[4, 5]], inputs: [distinct(3.5)], reference: ref.erfLayer },
  { name: 'gelu', config: { type: 'GELU', name: 'gelu', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3, 2, 2]], inputs: [distinct(5)], reference: ref.gelu },
  { name: 'gelu-tanh', config: { type: 'GELU', name: 'gelut', bottoms: ['x'], tops: ['y'], approximate: 'tanh' }, bottoms: [[3, 2, 5]], inputs: [distinct(6)], reference: ref.gelu },
  { name: 'gelu-wide', config: { type: 'GELU', name: 'gelu2', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 37]], inputs: [distinct(9)], reference: ref.gelu },
  { name: 'parameter', config: { type: 'Parameter', name: 'param', tops: ['y'], shape: [1, 2, 3], init: { type: 'Uniform', min: -1, max: 1 } }, bottoms: [], reference: ref.parameter },
  { name: 'matmul', config: { type: 'MatMul', name: 'mm', bottoms: ['a', 'b'], tops: ['y'] }, bottoms: [[2, 3, 4], [2, 4, 5]], reference: ref.matMul },
  { name: 'matmul-4d-transposeB', config: { type: 'MatMul', name: 'mmt', bottoms: ['a', 'b'], tops: ['y'], transposeB: true }, bottoms: [[2, 2, 3, 4], [2, 2, 5, 4]], reference: ref.matMul },
  { name: 'matmul-shared-b', config: { type: 'MatMul', name: 'mms', bottoms: ['a', 'b'], tops: ['y'] }, bottoms: [[3, 2, 4], [4, 3]], reference: ref.matMul },
  { name: 'matmul-shared-b-transposed', config: { type: 'MatMul', name: 'mmst', bottoms: ['a', 'b'], tops: ['y'], transposeB: true }, bottoms: [[2, 3, 4], [5, 4]], reference: ref.matMul },
  { name: 'eltwise-sum', config: { type: 'Eltwise', name: 'esum', bottoms: ['a', 'b'], tops: ['y'] }, bottoms: [[2, 3, 2], [2, 3, 2]], reference: ref.eltwise },
  { name: 'eltwise-sum-coeff', config: { type: 'Eltwise', name: 'esumc', bottoms: ['a', 'b', 'c'], tops: ['y'], coeff: [0.5, -1, 2] }, bottoms: [[3, 4], [3, 4], [3, 4]], reference: ref.eltwise },
  { name: 'eltwise-prod', config: { type: 'Eltwise', name: 'eprod', bottoms: ['a', 'b', 'c'], tops: ['y'], operation: 'PROD' }, bottoms: [[3, 4], [3, 4], [3, 4]], reference: ref.eltwise },
  {
    name: 'eltwise-max', config: { type: 'Eltwise', name: 'emax', bottoms: ['a', 'b', 'c'], tops: ['y'], operation: 'MAX' },
    bottoms: [[4, 5], [4, 5], [4, 5]], inputs: [distinct(1), distinct(1.01), distinct(0.98)], reference: ref.eltwise,
  },
  ...(['add', 'subtract', 'multiply'] as const).map((operation): LayerCase => ({
    name: `elementwise-${operation}`, config: { type: 'ElementWise', name: `ew_${operation}`, bottoms: ['a', 'b'], tops: ['y'], operation }, bottoms: [[3, 4], [3, 4]],
    reference: ref.elementWise,
  })),
  {
    name: 'elementwise-divide', config: { type: 'ElementWise', name: 'ew_divide', bottoms: ['a', 'b'], tops: ['y'], operation: 'divide' }, bottoms: [[3, 4], [3, 4]],
    inputs: [distinct(), (shape, rng) => distinct()(shape, rng).map((v) => v + (v > 0 ? 1 : -1))],
    reference: ref.elementWise,
  },
  { name: 'scale-param', config: { type: 'Scale', name: 'scale', bottoms: ['x'], tops: ['y'], scaleInit: { type: 'Uniform', min: -1, max: 1 } }, bottoms: [[2, 3, 2, 2]], reference: ref.scale },
  {
    name: 'scale-param-bias-2axes', bottoms: [[2, 3, 2, 2]],
    config: { type: 'Scale', name: 'scaleb', bottoms: ['x'], tops: ['y'], numAxes: 2, bias: true, scaleInit: { type: 'Uniform', min: -1, max: 1 }, biasInit: { type: 'Uniform', min: -1, max: 1 } },
    reference: ref.scale,
  },
  { name: 'scale-scalar', config: { type: 'Scale', name: 'scales', bottoms: ['x'], tops: ['y'], numAxes: 0, scaleInit: { type: 'Constant', value: 0.7 } }, bottoms: [[3, 4]], reference: ref.scale },
  { name: 'scale-bottom', config: { type: 'Scale', name: 'scale2', bottoms: ['x', 's'], tops: ['y'] }, bottoms: [[2, 3, 4], [3]], reference: ref.scale },
  { name: 'scale-bottom-axis2', config: { type: 'Scale', name: 'scale3', bottoms: ['x', 's'], tops: ['y'], axis: 2, bias: true }, bottoms: [[2, 3, 4, 2], [4, 2]], reference: ref.scale },
  { name: 'bias-param', config: { type: 'Bias', name: 'bias', bottoms: ['x'], tops: ['y'], biasInit: { type: 'Uniform', min: -1, max: 1 } }, bottoms: [[2, 3, 2, 2]], reference: ref.bias },
  { name: 'bias-bottom-axis-last', config: { type: 'Bias', name: 'bias2', bottoms: ['x', 'b'], tops: ['y'], axis: -1 }, bottoms: [[2, 3, 4], [4]], reference: ref.bias },
  { name: 'bias-param-scalar', config: { type: 'Bias', name: 'bias0', bottoms: ['x'], tops: ['y'], numAxes: 0, biasInit: { type: 'Constant', value: -0.3 } }, bottoms: [[3, 4]], reference: ref.bias },
  { name: 'prelu', config: { type: 'PReLU', name: 'prelu', bottoms: ['x'], tops: ['y'], slopeInit: { type: 'Uniform', min: 0, max: 0.5 } }, bottoms: [[2, 3, 2, 2]], reference: ref.prelu },
  { name: 'prelu-shared-2d', config: { type: 'PReLU', name: 'prelus', bottoms: ['x'], tops: ['y'], channelShared: true }, bottoms: [[4, 5]], reference: ref.prelu },
  { name: 'permute', config: { type: 'Permute', name: 'perm', bottoms: ['x'], tops: ['y'], order: [0, 2, 3, 1] }, bottoms: [[2, 3, 2, 4]], reference: ref.permute },
  // ShuffleNet's channel shuffle: [N, groups, C / groups, H, W] with the two middle axes swapped (rows of H W move whole).
  { name: 'permute-shuffle', config: { type: 'Permute', name: 'shuffle', bottoms: ['x'], tops: ['y'], order: [0, 2, 1] }, bottoms: [[2, 2, 3, 2, 2]], reference: ref.permute },
  { name: 'permute-reverse', config: { type: 'Permute', name: 'permr', bottoms: ['x'], tops: ['y'], order: [2, 1, 0] }, bottoms: [[3, 4, 5]], reference: ref.permute },
  { name: 'permute-identity', config: { type: 'Permute', name: 'permi', bottoms: ['x'], tops: ['y'], order: [0, 1] }, bottoms: [[2, 3, 2]], reference: ref.permute },
  { name: 'tile', config: { type: 'Tile', name: 'tile', bottoms: ['x'], tops: ['y'], tiles: 3 }, bottoms: [[2, 2, 3]], reference: ref.tile },
  { name: 'tile-axis0', config: { type: 'Tile', name: 'tile0', bottoms: ['x'], tops: ['y'], axis: 0, tiles: 2 }, bottoms: [[2, 3]], reference: ref.tile },
  { name: 'tile-axis-last', config: { type: 'Tile', name: 'tilel', bottoms: ['x'], tops: ['y'], axis: -1, tiles: 2 }, bottoms: [[2, 2, 3]], reference: ref.tile },
  // A class token over a batch (one row, many tiles: one strided copy and one gemv), and more
  // outer rows than tiles (a copy per tile).
  { name: 'tile-token', config: { type: 'Tile', name: 'tilet', bottoms: ['x'], tops: ['y'], axis: 0, tiles: 7 }, bottoms: [[1, 1, 5]], reference: ref.tile },
  { name: 'tile-outer', config: { type: 'Tile', name: 'tileo', bottoms: ['x'], tops: ['y'], axis: 1, tiles: 2 }, bottoms: [[5, 1, 3]], reference: ref.tile },
  // nearest-neighbour upsampling: 2× in both spatial axes, a factor per axis, a 1-d and a 3-d
  // signal (a factor of 1 skipped), and a factor of 1 throughout (a plain copy)
  { name: 'upsample-2x', config: { type: 'Upsample', name: 'up', bottoms: ['x'], tops: ['y'], scale: 2 }, bottoms: [[2, 3, 3, 4]], reference: ref.upsample },
  { name: 'upsample-hw', config: { type: 'Upsample', name: 'uphw', bottoms: ['x'], tops: ['y'], scale: [3, 2] }, bottoms: [[1, 2, 3, 2]], reference: ref.upsample },
  { name: 'upsample-1d', config: { type: 'Upsample', name: 'up1', bottoms: ['x'], tops: ['y'], scale: [3] }, bottoms: [[2, 3, 5]], reference: ref.upsample },
  { name: 'upsample-3d', config: { type: 'Upsample', name: 'up3', bottoms: ['x'], tops: ['y'], scale: [2, 1, 3] }, bottoms: [[1, 2, 2, 3, 2]], reference: ref.upsample },
  { name: 'upsample-one', config: { type: 'Upsample', name: 'upone', bottoms: ['x'], tops: ['y'], scale: 1 }, bottoms: [[2, 2, 2, 3]], reference: ref.upsample },
  { name: 'reverse-time', config: { type: 'Reverse', name: 'rev', bottoms: ['x'], tops: ['y'] }, bottoms: [[5, 2, 3]], reference: ref.reverse },
  { name: 'reverse-axis1', config: { type: 'Reverse', name: 'rev1', bottoms: ['x'], tops: ['y'], axis: 1 }, bottoms: [[2, 4, 3, 2]], reference: ref.reverse },
  { name: 'reverse-axis-last', config: { type: 'Reverse', name: 'revl', bottoms: ['x'], tops: ['y'], axis: -1 }, bottoms: [[3, 5]], reference: ref.reverse },
  { name: 'reverse-one', config: { type: 'Reverse', name: 'rev_one', bottoms: ['x'], tops: ['y'], axis: 1 }, bottoms: [[3, 1, 2]], reference: ref.reverse },
  ...(['SUM', 'ASUM', 'SUMSQ', 'MEAN'] as const).map((operation): LayerCase => ({
    name: `reduction-${operation}`, config: { type: 'Reduction', name: `red_${operation}`, bottoms: ['x'], tops: ['y'], operation, axis: 1, coeff: 1.5 }, bottoms: [[3, 2, 4]],
    reference: ref.reduction,
  })),
  { name: 'reduction-all', config: { type: 'Reduction', name: 'redall', bottoms: ['x'], tops: ['y'] }, bottoms: [[2, 3]], reference: ref.reduction },
  { name: 'reduction-mean-axis-last', config: { type: 'Reduction', name: 'redl', bottoms: ['x'], tops: ['y'], operation: 'mean', axis: -1 }, bottoms: [[2, 3, 4]], reference: ref.reduction },
  { name: 'crop', config: { type: 'Crop', name: 'crop', bottoms: ['x', 'ref'], tops: ['y'], offset: [1, 2] }, bottoms: [[2, 2, 5, 6], [1, 1, 3, 3]], reference: ref.crop },
  { name: 'crop-axis1-one-offset', config: { type: 'Crop', name: 'crop1', bottoms: ['x', 'ref'], tops: ['y'], axis: 1, offset: [1] }, bottoms: [[2, 4, 4, 3], [2, 2, 2, 2]], reference: ref.crop },
  { name: 'crop-last-axis-3d', config: { type: 'Crop', name: 'crop3', bottoms: ['x', 'ref'], tops: ['y'], axis: -1, offset: [2] }, bottoms: [[2, 3, 6], [2, 3, 3]], reference: ref.crop },
  { name: 'crop-1d', config: { type: 'Crop', name: 'crop1d', bottoms: ['x', 'ref'], tops: ['y'], axis: 0, offset: [3] }, bottoms: [[7], [2]], reference: ref.crop },
  { name: 'channel-pool-max', config: { type: 'ChannelPooling', name: 'cpmax', bottoms: ['x'], tops: ['y'], kernel: 2, stride: 2 }, bottoms: [[2, 4, 2, 3]], reference: ref.channelPooling },
  {
    name: 'channel-pool-max-overlap-pad', config: { type: 'ChannelPooling', name: 'cpmaxp', bottoms: ['x'], tops: ['y'], kernel: 3, stride: 2, pad: 1 },
    bottoms: [[2, 5, 3]], reference: ref.channelPooling,
  },
  {
    name: 'channel-pool-mean', config: { type: 'ChannelPooling', name: 'cpmean', bottoms: ['x'], tops: ['y'], method: 'mean', kernel: 3, stride: 1 },
    bottoms: [[2, 4, 2, 2]], reference: ref.channelPooling,
  },
  {
    name: 'channel-pool-mean-axis-last', config: { type: 'ChannelPooling', name: 'cpmeanl', bottoms: ['x'], tops: ['y'], method: 'AVE', kernel: 2, stride: 2, axis: -1 },
    bottoms: [[3, 2, 5]], reference: ref.channelPooling,
  },
  { name: 'channel-pool-mean-pad', config: { type: 'ChannelPooling', name: 'cpmeanp', bottoms: ['x'], tops: ['y'], method: 'mean', kernel: 3, stride: 2, pad: 1 }, bottoms: [[2, 6, 2]], reference: ref.channelPooling },
  // Masks: ties at the compared value (inputs in steps of 0.5) for every operation
  ...(['equal', 'notEqual', 'less', 'lessOrEqual', 'greater', 'greaterOrEqual'] as const).map((operation, i): LayerCase => ({
    name: `compare-${operation}`, config: { type: 'Compare', name: `cmp${i}`, bottoms: ['x'], tops: ['y'], operation, value: i % 2 ? 0 : 0.5 },
    bottoms: [[3, 2, 4]], inputs: [steps(0.5)], skipGradient: 'no backward (a step function)', reference: ref.compare,
  })),
  { name: 'argmax', config: { type: 'ArgMax', name: 'argmax', bottoms: ['x'], tops: ['y'] }, bottoms: [[3, 2, 2, 2]], skipGradient: 'no backward', reference: ref.argMax },
  {
    name: 'argmax-top3-maxval', config: { type: 'ArgMax', name: 'argmax3', bottoms: ['x'], tops: ['y'], topK: 3, outMaxVal: true },
    bottoms: [[3, 5]], skipGradient: 'no backward', reference: ref.argMax,
  },
  { name: 'argmax-axis1-top2', config: { type: 'ArgMax', name: 'argmaxa', bottoms: ['x'], tops: ['y'], topK: 2, axis: 1 }, bottoms: [[2, 4, 3]], skipGradient: 'no backward', reference: ref.argMax },
  {
    name: 'argmax-ties-top3', config: { type: 'ArgMax', name: 'argmaxt', bottoms: ['x'], tops: ['y'], topK: 3, outMaxVal: true },
    bottoms: [[4, 6]], inputs: [steps(0.5)], skipGradient: 'no backward', reference: ref.argMax,
  },
  {
    name: 'argmax-axis-last-maxval', config: { type: 'ArgMax', name: 'argmaxv', bottoms: ['x'], tops: ['y'], axis: -1, outMaxVal: true },
    bottoms: [[2, 3, 4]], skipGradient: 'no backward', reference: ref.argMax,
  },
  {
    name: 'index2onehot', config: { type: 'Index2Onehot', name: 'onehot', bottoms: ['label'], tops: ['y'], classes: 5 },
    bottoms: [[6]], inputs: [labels(5)], skipGradient: 'no backward', reference: ref.index2onehot,
  },
  {
    name: 'index2onehot-spatial', config: { type: 'Index2Onehot', name: 'onehotsp', bottoms: ['label'], tops: ['y'], classes: 3 },
    bottoms: [[2, 1, 2, 3]], inputs: [labels(3)], skipGradient: 'no backward', reference: ref.index2onehot,
  },

  // ---- MemoryData ----
  {
    name: 'memory-data',
    config: {
      type: 'MemoryData', name: 'mem', tops: ['data', 'label'], batchSize: 4, shuffle: true,
      data: [{ values: ramp(5 * 2 * 3), shape: [5, 2, 3], scale: 0.5 }, { values: ramp(5), shape: [5] }],
    },
    bottoms: [],
    skipGradient: 'no bottoms and no parameters',
    referenceTest: { file: 'test/layers/memory-data.test.ts', test: 'shuffles every epoch into a new permutation, determined by the seed' },
  },
  {
    // In order, a batch larger than the data set: the first forward already wraps around.
    name: 'memory-data-ordered-wrap',
    config: {
      type: 'MemoryData', name: 'memo', tops: ['data', 'label'], batchSize: 7,
      data: [{ values: ramp(5 * 3), shape: [5, 3], scale: 2 }, { values: ramp(5), shape: [5, 1] }],
    },
    bottoms: [],
    skipGradient: 'no bottoms and no parameters',
    reference: ref.memoryData,
  },

  // ---- SequenceData ----
  {
    name: 'sequence-data',
    config: { type: 'SequenceData', name: 'seq', tops: ['data', 'cont', 'label'], tokens: Float32Array.from({ length: 23 }, (_, k) => (k * 5) % 7), timeSteps: 3, streams: 2 },
    bottoms: [],
    skipGradient: 'no bottoms and no parameters',
    reference: ref.sequenceData,
  },

  // ---- Input (tops hold zeros until fed; test/layers/input.test.ts feeds it) ----
  {
    name: 'input',
    config: {
      type: 'Input', name: 'in', tops: ['data', 'label'], shapes: [[2, 1, 4, 5], [2]],
      transformers: { data: [{ type: 'Scale', scale: 0.5 }, { type: 'RandomCrop', height: 2, width: 3 }] },
    },
    bottoms: [],
    skipGradient: 'no bottoms and no parameters',
    referenceTest: { file: 'test/layers/input.test.ts', test: 'is a data layer whose tops hold zeros until fed, then what was fed, for every forward' },
  },

  // ---- MemoryOutput (a sink: no tops, nothing to compare but that forward runs) ----
  {
    name: 'memory-output', config: { type: 'MemoryOutput', name: 'memout', bottoms: ['x', 'y'] }, bottoms: [[2, 3], [2]], skipGradient: 'no tops and no backward',
    referenceTest: { file: 'test/layers/input.test.ts', test: 'collects each bottom batch by batch in a net, joins them, and forgets them on reset' },
  },
];
