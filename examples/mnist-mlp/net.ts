/**
 * Mocha's dropout MLP on MNIST (its examples/mnist/mnist_dropout_fc.jl, after Hinton et al. 2012):
 *
 *   data -> dropout 0.2 -> fc 1200 + ReLU -> dropout 0.5 -> fc 1200 + ReLU -> dropout 0.5 -> fc 10 -> softmax loss
 *
 * Every InnerProduct weight has each output unit's incoming weight vector kept within an L2 ball
 * of radius 4.5 (L2Cons, applied after each update). Hidden weights start Gaussian (std 0.01), the
 * output weights at 0, biases at 0. Dropout is inverted, so the test net is the identity there.
 */
import type { LayerConfig } from '../../src/core/layer.js';
import type { SolverConfig } from '../../src/solver/solver.js';
import type { Dataset } from '../mnist/lenet.js';

export interface MlpOptions {
  /** Training batch size (default 100, Mocha's). */
  batchSize?: number;
  /** Test batch size (default 100). */
  testBatchSize?: number;
  /** Units in each of the two hidden layers (default 1200). */
  hidden?: number;
  /** Training data (required). */
  train: Dataset;
  /** Test data; when absent the net has no test-phase data layer. */
  test?: Dataset;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
}

export function mlp(o: MlpOptions): LayerConfig[] {
  const layers: LayerConfig[] = [memoryData('train-data', o.train, o.batchSize ?? 100, 'train', o.shuffle ?? true)];
  if (o.test) layers.push(memoryData('test-data', o.test, o.testBatchSize ?? 100, 'test', false));
  return layers.concat(mlpBody(o.hidden ?? 1200));
}

/** Everything after the data layers. */
export function mlpBody(hidden = 1200): LayerConfig[] {
  const weightCons = { type: 'L2Cons', threshold: 4.5 };
  const hiddenInit = { type: 'Gaussian', std: 0.01 };
  return [
    { type: 'Dropout', name: 'drop-in', bottoms: ['data'], tops: ['data-drop'], ratio: 0.2 },
    { type: 'InnerProduct', name: 'fc1', bottoms: ['data-drop'], tops: ['fc1'], numOutput: hidden, neuron: 'ReLU', weightInit: hiddenInit, weightCons },
    { type: 'Dropout', name: 'drop-fc1', bottoms: ['fc1'], tops: ['fc1-drop'], ratio: 0.5 },
    { type: 'InnerProduct', name: 'fc2', bottoms: ['fc1-drop'], tops: ['fc2'], numOutput: hidden, neuron: 'ReLU', weightInit: hiddenInit, weightCons },
    { type: 'Dropout', name: 'drop-fc2', bottoms: ['fc2'], tops: ['fc2-drop'], ratio: 0.5 },
    { type: 'InnerProduct', name: 'out', bottoms: ['fc2-drop'], tops: ['out'], numOutput: 10, weightInit: { type: 'Constant', value: 0 }, weightCons },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['out', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'accuracy', bottoms: ['out', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

/** Iterations in one epoch of Mocha's schedule: 60,000 images in batches of 100. */
export const EPOCH = 600;

/**
 * Mocha's schedule: SGD without weight decay; the learning rate starts at 0.1 and is multiplied
 * by 0.998 every epoch (step policy); the momentum starts at 0.5 and rises by 0.0008 every epoch
 * up to 0.9 (reached after 500 epochs); 2,000 epochs (1,200,000 iterations) in all.
 */
export function mlpSolver(maxIter = 2000 * EPOCH) {
  return {
    method: 'SGD',
    baseLr: 0.1,
    lrPolicy: { type: 'step', gamma: 0.998, stepsize: EPOCH },
    momentum: 0.5,
    momentumPolicy: { type: 'linear', gamma: 0.0008, stepsize: EPOCH, max: 0.9 },
    weightDecay: 0,
    maxIter,
  } satisfies SolverConfig;
}

/** A MemoryData layer over an MNIST data set (tops data [batch, 784] and label [batch]) for one phase. */
export function memoryData(name: string, d: Dataset, batchSize: number, phase: 'train' | 'test', shuffle: boolean): LayerConfig {
  return {
    type: 'MemoryData',
    name,
    tops: ['data', 'label'],
    batchSize,
    shuffle,
    data: [
      { values: d.images, shape: [d.count, 784] },
      { values: d.labels, shape: [d.count] },
    ],
    include: { phase },
  };
}
