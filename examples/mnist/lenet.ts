/**
 * Caffe's MNIST LeNet as code: the same net as lenet.json, with the data given as arrays.
 *
 *   conv 20 5x5 -> max-pool 2/2 -> conv 50 5x5 -> max-pool 2/2 -> fc 500 + ReLU -> fc 10 -> softmax loss
 *
 * Weights use Xavier, biases start at 0 and learn at twice the rate (Caffe's lenet_train_test).
 */
import type { LayerConfig } from '../../src/core/layer.js';

export interface Dataset {
  /** [count, 1, 28, 28] row-major, scaled to [0, 1). */
  images: Float32Array;
  /** [count] class indices. */
  labels: Float32Array;
  count: number;
}

export interface LenetOptions {
  /** Training batch size (default 64). */
  batchSize?: number;
  /** Test batch size (default 100, which divides the 10,000 test images). */
  testBatchSize?: number;
  /** Training data; synthetic random images when absent (for benchmarks). */
  train?: Dataset;
  /** Test data; when absent the net has no test-phase data layer. */
  test?: Dataset;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
}

export function lenet(options: LenetOptions = {}): LayerConfig[] {
  const batchSize = options.batchSize ?? 64;
  const train = options.train ?? syntheticMnist(Math.max(4 * batchSize, 256));
  const layers: LayerConfig[] = [
    memoryData('train-data', train, batchSize, { phase: 'train' }, options.shuffle ?? true),
  ];
  if (options.test) layers.push(memoryData('test-data', options.test, options.testBatchSize ?? 100, { phase: 'test' }, false));
  return layers.concat(lenetBody());
}

/** Everything after the data layer: the layers lenet.json lists too. */
export function lenetBody(): LayerConfig[] {
  const params = [{ lrMult: 1 }, { lrMult: 2 }];
  return [
    { type: 'Convolution', name: 'conv1', bottoms: ['data'], tops: ['conv1'], numOutput: 20, kernel: 5, params },
    { type: 'Pooling', name: 'pool1', bottoms: ['conv1'], tops: ['pool1'], method: 'max', kernel: 2, stride: 2 },
    { type: 'Convolution', name: 'conv2', bottoms: ['pool1'], tops: ['conv2'], numOutput: 50, kernel: 5, params },
    { type: 'Pooling', name: 'pool2', bottoms: ['conv2'], tops: ['pool2'], method: 'max', kernel: 2, stride: 2 },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['pool2'], tops: ['ip1'], numOutput: 500, neuron: 'ReLU', params },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['ip1'], tops: ['ip2'], numOutput: 10, params },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip2', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'accuracy', bottoms: ['ip2', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  ];
}

function memoryData(name: string, d: Dataset, batchSize: number, include: { phase: 'train' | 'test' }, shuffle: boolean): LayerConfig {
  return {
    type: 'MemoryData',
    name,
    tops: ['data', 'label'],
    batchSize,
    shuffle,
    data: [
      { values: d.images, shape: [d.count, 1, 28, 28] },
      { values: d.labels, shape: [d.count] },
    ],
    include,
  };
}

/** Random images and labels of MNIST's shape, for benchmarks and smoke tests. */
export function syntheticMnist(count: number, seed = 1): Dataset {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = next();
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) labels[i] = Math.floor(next() * 10);
  return { images, labels, count };
}
