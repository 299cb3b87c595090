/**
 * A small classifier for tests that need a net to train and not a particular one: 96 samples of 4
 * features in 3 classes, MemoryData (batch 8, shuffled) → InnerProduct 16 + ReLU → [Dropout] →
 * InnerProduct 3 → SoftmaxLoss. With `testData`, the same samples feed a test net (batch 32) with
 * an Accuracy.
 */
import type { LayerConfig } from '../../src/core/layer.js';

export interface SmallMlpOptions {
  /** A Dropout of this ratio after the hidden layer (none when absent). */
  dropout?: number;
  /** Train-phase data, plus test-phase data and an Accuracy layer. */
  testData?: boolean;
}

export function smallMlp(options: SmallMlpOptions = {}): LayerConfig[] {
  const n = 96;
  const x = new Float32Array(n * 4).map((_, i) => Math.sin(i * 1.7));
  const y = new Float32Array(n).map((_, i) => i % 3);
  const data = [{ values: x, shape: [n, 4] }, { values: y, shape: [n] }];
  const layers: LayerConfig[] = [
    { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 8, shuffle: true, data, ...(options.testData && { include: { phase: 'train' } }) },
  ];
  if (options.testData) layers.push({ type: 'MemoryData', name: 't', tops: ['x', 'label'], batchSize: 32, data, include: { phase: 'test' } });
  layers.push({ type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 16, neuron: 'ReLU' });
  if (options.dropout !== undefined) layers.push({ type: 'Dropout', name: 'drop', bottoms: ['h'], tops: ['hd'], ratio: options.dropout });
  layers.push(
    { type: 'InnerProduct', name: 'ip2', bottoms: [options.dropout !== undefined ? 'hd' : 'h'], tops: ['s'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  );
  if (options.testData) layers.push({ type: 'Accuracy', name: 'acc', bottoms: ['s', 'label'], tops: ['accuracy'], include: { phase: 'test' } });
  return layers;
}
