/**
 * Mocha's stacked denoising auto-encoder (its examples/mnist-sdae): an encoder of sigmoid
 * InnerProducts `enc1`, `enc2`, … (by default Mocha's 784 → 1000 → 1000 → 1000), then a softmax
 * classifier `out` on 10 classes.
 *
 * Pre-training, one level k at a time (x0 = the image, xk = sigmoid(enck(x(k-1)))):
 *
 *   data → enc1 … enc(k-1) (frozen) → x(k-1) → RandomMask (ratio rk) → enck (sigmoid) → deck → SquareLoss(deck, x(k-1))
 *
 * where deck is a TiedInnerProduct using enck's weight transposed (its bias is its own) with a
 * sigmoid, so the level reconstructs its clean input from a corrupted copy.
 *
 * Sharing: every InnerProduct has `paramKey` = its name, and every net of a run (the pre-training
 * nets of each level, the fine-tuning train and test nets) is built with `shareParamsWith` the
 * first one, so they all use one parameter store: `enc1___weight` created by the level-1 net is
 * the very blob that level 2 reads (frozen) and that fine-tuning starts from. The baseline is the
 * same classifier built in a net of its own (a fresh store), so its weights are random.
 */
import type { Backend } from '../../src/backend/backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { SolverConfig } from '../../src/solver/solver.js';
import type { Dataset } from '../mnist/lenet.js';

export interface SdaeOptions {
  /** Hidden units of each encoder level, bottom first (default Mocha's [1000, 1000, 1000]). */
  hidden?: number[];
  /** Training batch size (default 100). */
  batchSize?: number;
  /** Test batch size (default 100; should divide the test set). */
  testBatchSize?: number;
  /** Training data (required). */
  train: Dataset;
  /** Test data; when absent the nets have no test-phase data layer. */
  test?: Dataset;
}

/** Input features of the encoder. */
export const INPUT = 784;
export const DEFAULT_HIDDEN: readonly number[] = [1000, 1000, 1000];
/** Masking (corruption) ratio of the input of each level, as in Mocha's example: 0.1, 0.2, 0.3, … */
export function corruption(level: number): number {
  return Math.min(0.1 * level, 0.5);
}

/** The name of the encoder InnerProduct of level k (1-based), also its paramKey and its top. */
export const enc = (k: number) => `enc${k}`;
/** The input of level k: the image for k = 1, else the top of enc(k-1). */
const input = (k: number) => (k === 1 ? 'data' : enc(k - 1));

/**
 * The pre-training net of level `level` (1-based): the lower levels (to be frozen with
 * `net.freeze(...frozenBelow(level))`), the masked input, the level's encoder and its tied
 * sigmoid decoder, and the squared reconstruction error against the clean input, top `recon-loss`.
 */
export function pretrainNet(o: SdaeOptions, level: number): LayerConfig[] {
  const hidden = o.hidden ?? [...DEFAULT_HIDDEN];
  if (!Number.isInteger(level) || level < 1 || level > hidden.length) {
    throw new RangeError(`pretrainNet: level must be an integer from 1 to ${hidden.length} (the encoder levels), found ${level}`);
  }
  const inputSize = level === 1 ? INPUT : hidden[level - 2];
  const x = input(level);
  return [
    ...dataLayers(o, false),
    ...encoder(hidden.slice(0, level - 1)),
    { type: 'RandomMask', name: `mask${level}`, bottoms: [x], tops: [`${x}-noisy`], ratio: corruption(level) },
    encoderLayer(level, `${x}-noisy`, hidden[level - 1]),
    {
      type: 'TiedInnerProduct', name: `dec${level}`, bottoms: [enc(level)], tops: [`dec${level}`],
      tiedParamKey: enc(level), numOutput: inputSize, neuron: 'Sigmoid',
    },
    { type: 'SquareLoss', name: 'recon-loss', bottoms: [`dec${level}`, x], tops: ['recon-loss'] },
  ];
}

/** The layers below `level`, frozen while that level is pre-trained. */
export function frozenBelow(level: number): string[] {
  return Array.from({ length: level - 1 }, (_, i) => enc(i + 1));
}

/** The whole encoder and a softmax classifier on its top: loss `loss`, test accuracy `accuracy`. */
export function classifierNet(o: SdaeOptions): LayerConfig[] {
  const hidden = o.hidden ?? [...DEFAULT_HIDDEN];
  return [
    ...dataLayers(o, true),
    ...encoder(hidden),
    { type: 'InnerProduct', name: 'out', paramKey: 'out', bottoms: [enc(hidden.length)], tops: ['out'], numOutput: 10 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['out', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'accuracy', bottoms: ['out', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

/**
 * Builds the pre-training train net of `level` in the store of `store` (the first net of the run;
 * none for level 1, whose net then becomes the store) with the lower levels frozen.
 */
export function buildPretrainNet(backend: Backend, o: SdaeOptions, level: number, store?: Net, seed = 1): Net {
  const net = new Net(pretrainNet(o, level), { backend, phase: 'train', seed, name: `pretrain-${level}`, ...(store && { shareParamsWith: store }) });
  const below = frozenBelow(level);
  if (below.length) net.freeze(...below);
  return net;
}

/** Pre-training solver: SGD, momentum 0.9, fixed learning rate, no weight decay. */
export function pretrainSolver(maxIter: number, baseLr = 0.05) {
  return { method: 'SGD', baseLr, lrPolicy: { type: 'fixed' }, momentum: 0.9, weightDecay: 0, maxIter } satisfies SolverConfig;
}

/** Fine-tuning solver (the same for the pre-trained and the random start): SGD, momentum 0.9, fixed rate. */
export function finetuneSolver(maxIter: number, baseLr = 0.1) {
  return { method: 'SGD', baseLr, lrPolicy: { type: 'fixed' }, momentum: 0.9, weightDecay: 0, maxIter } satisfies SolverConfig;
}

function encoderLayer(k: number, bottom: string, numOutput: number): LayerConfig {
  return { type: 'InnerProduct', name: enc(k), paramKey: enc(k), bottoms: [bottom], tops: [enc(k)], numOutput, neuron: 'Sigmoid' };
}

function encoder(hidden: number[]): LayerConfig[] {
  return hidden.map((h, i) => encoderLayer(i + 1, input(i + 1), h));
}

function dataLayers(o: SdaeOptions, labels: boolean): LayerConfig[] {
  const out = [memoryData('train-data', o.train, o.batchSize ?? 100, 'train', labels)];
  if (o.test) out.push(memoryData('test-data', o.test, o.testBatchSize ?? 100, 'test', labels));
  return out;
}

function memoryData(name: string, d: Dataset, batchSize: number, phase: 'train' | 'test', labels: boolean): LayerConfig {
  const data = [{ values: d.images, shape: [d.count, INPUT] }];
  if (labels) data.push({ values: d.labels, shape: [d.count] });
  return {
    type: 'MemoryData',
    name,
    tops: labels ? ['data', 'label'] : ['data'],
    batchSize,
    shuffle: phase === 'train',
    data,
    include: { phase },
  };
}
