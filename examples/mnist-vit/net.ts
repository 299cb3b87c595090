/**
 * A small vision transformer (Dosovitskiy et al. 2021) on MNIST, in Cortado's layers:
 *
 *   image 28×28 → 7×7 patches (a Convolution with stride 7) → 16 tokens of width D
 *   → the class token (a Parameter, tiled over the batch) in front, a learned position embedding
 *     added (Bias over tokens × width)
 *   → L pre-norm encoder blocks:
 *       x + proj(attention(LayerNorm(x)))       H heads: q kᵀ / sqrt(D / H) → Softmax → × v
 *       x + fc2(GELU(fc1(LayerNorm(x))))        fc1 widens to 2D
 *   → LayerNorm → the class token's row → InnerProduct 10 → SoftmaxLoss
 *
 * Attention is written with Reshape and Permute to split the heads, MatMul for q kᵀ (transposeB)
 * and for the weights times v, and Softmax over the last axis: the layers an ONNX import of
 * torchvision's VisionTransformer makes.
 */
import type { LayerConfig } from '../../src/core/layer.js';
import type { SolverConfig } from '../../src/solver/solver.js';
import type { Dataset } from '../mnist/lenet.js';
import { memoryData } from '../mnist-mlp/net.js';

export interface VitOptions {
  /** Training batch size (default 100). */
  batchSize?: number;
  /** Test batch size (default 100). */
  testBatchSize?: number;
  /** Token width D (default 64). */
  width?: number;
  /** Attention heads H, dividing D (default 4). */
  heads?: number;
  /** Encoder blocks L (default 2). */
  blocks?: number;
  train: Dataset;
  test?: Dataset;
}

/** Patches of 7×7: 16 tokens, and the class token makes 17. */
export const TOKENS = 17;

export function vit(o: VitOptions): LayerConfig[] {
  const batch = o.batchSize ?? 100, testBatch = o.testBatchSize ?? 100;
  if (o.test && testBatch !== batch) throw new Error('vit: the class token is tiled to one batch size; give the test net the training batch size');
  const layers: LayerConfig[] = [memoryData('train-data', o.train, batch, 'train', true)];
  if (o.test) layers.push(memoryData('test-data', o.test, testBatch, 'test', false));
  return layers.concat(vitBody(batch, o.width ?? 64, o.heads ?? 4, o.blocks ?? 2));
}

const small = { type: 'Gaussian', std: 0.02 };

/** Everything after the data layers (data [batch, 784] and label [batch]). */
export function vitBody(batch: number, D: number, H: number, L: number): LayerConfig[] {
  if (D % H !== 0) throw new Error(`vit: ${H} heads do not divide width ${D}`);
  const d = D / H;
  const ip = (name: string, bottom: string, numOutput: number): LayerConfig =>
    ({ type: 'InnerProduct', name, bottoms: [bottom], tops: [name], numOutput, axis: 2, weightInit: small });
  const layers: LayerConfig[] = [
    { type: 'Reshape', name: 'image', bottoms: ['data'], tops: ['image'], shape: [0, 1, 28, 28] },
    { type: 'Convolution', name: 'patches', bottoms: ['image'], tops: ['patches'], numOutput: D, kernel: 7, stride: 7, weightInit: { type: 'Xavier' } },
    { type: 'Reshape', name: 'patch-rows', bottoms: ['patches'], tops: ['patch-rows'], shape: [0, D, 16] },
    { type: 'Permute', name: 'tokens', bottoms: ['patch-rows'], tops: ['tokens'], order: [0, 2, 1] },
    { type: 'Parameter', name: 'class-token', tops: ['class-token'], shape: [1, 1, D], init: small },
    { type: 'Tile', name: 'class-tokens', bottoms: ['class-token'], tops: ['class-tokens'], axis: 0, tiles: batch },
    { type: 'Concat', name: 'sequence', bottoms: ['class-tokens', 'tokens'], tops: ['sequence'], axis: 1 },
    { type: 'Bias', name: 'position', bottoms: ['sequence'], tops: ['x0'], axis: 1, numAxes: 2, biasInit: small },
  ];
  let x = 'x0';
  for (let l = 1; l <= L; l++) {
    const b = (s: string) => `b${l}-${s}`;
    const heads = (s: string): LayerConfig[] => [
      ip(b(s), b('ln1'), D),
      { type: 'Reshape', name: b(`${s}-split`), bottoms: [b(s)], tops: [b(`${s}-split`)], shape: [0, TOKENS, H, d] },
      { type: 'Permute', name: b(`${s}-heads`), bottoms: [b(`${s}-split`)], tops: [b(`${s}-heads`)], order: [0, 2, 1, 3] },
    ];
    layers.push(
      { type: 'LayerNorm', name: b('ln1'), bottoms: [x], tops: [b('ln1')] },
      ...heads('q'), ...heads('k'), ...heads('v'),
      { type: 'MatMul', name: b('scores'), bottoms: [b('q-heads'), b('k-heads')], tops: [b('scores')], transposeB: true },
      { type: 'Power', name: b('scaled'), bottoms: [b('scores')], tops: [b('scaled')], scale: 1 / Math.sqrt(d) },
      { type: 'Softmax', name: b('weights'), bottoms: [b('scaled')], tops: [b('weights')], axis: 3 },
      { type: 'MatMul', name: b('mixed'), bottoms: [b('weights'), b('v-heads')], tops: [b('mixed')] },
      { type: 'Permute', name: b('merge'), bottoms: [b('mixed')], tops: [b('merge')], order: [0, 2, 1, 3] },
      { type: 'Reshape', name: b('context'), bottoms: [b('merge')], tops: [b('context')], shape: [0, TOKENS, D] },
      ip(b('proj'), b('context'), D),
      { type: 'Eltwise', name: b('res1'), bottoms: [x, b('proj')], tops: [b('res1')] },
      { type: 'LayerNorm', name: b('ln2'), bottoms: [b('res1')], tops: [b('ln2')] },
      ip(b('fc1'), b('ln2'), 2 * D),
      { type: 'GELU', name: b('gelu'), bottoms: [b('fc1')], tops: [b('gelu')] },
      ip(b('fc2'), b('gelu'), D),
      { type: 'Eltwise', name: b('res2'), bottoms: [b('res1'), b('fc2')], tops: [b('res2')] },
    );
    x = b('res2');
  }
  layers.push(
    { type: 'LayerNorm', name: 'final-ln', bottoms: [x], tops: ['final'] },
    { type: 'Slice', name: 'take-class', bottoms: ['final'], tops: ['class-row', 'patch-rows-out'], axis: 1, slicePoints: [1] },
    { type: 'Silence', name: 'drop-patches', bottoms: ['patch-rows-out'] },
    { type: 'Reshape', name: 'class-vector', bottoms: ['class-row'], tops: ['class-vector'], shape: [0, D] },
    { type: 'InnerProduct', name: 'head', bottoms: ['class-vector'], tops: ['out'], numOutput: 10, weightInit: small },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['out', 'label'], tops: ['loss'] },
    { type: 'Accuracy', name: 'accuracy', bottoms: ['out', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
  );
  return layers;
}

/**
 * The same net for inference: an Input of [batch, 784] images ("data"), the body without the loss
 * and the accuracy, and a Softmax over the 10 classes ("prob"). bench/vit.ts times it beside
 * onnxruntime running its ONNX export.
 */
export function vitInference(batch: number, D = 64, H = 4, L = 2): LayerConfig[] {
  return [
    { type: 'Input', name: 'input', tops: ['data'], shapes: [[batch, 784]] },
    ...vitBody(batch, D, H, L).filter((l) => l.type !== 'SoftmaxLoss' && l.type !== 'Accuracy'),
    { type: 'Softmax', name: 'prob', bottoms: ['out'], tops: ['prob'] },
  ];
}

/** Adam at 1e-3, the learning rate falling linearly to 0 over the run (poly, power 1). */
export function vitSolver(maxIter: number): SolverConfig {
  return { method: 'Adam', baseLr: 1e-3, beta1: 0.9, beta2: 0.999, lrPolicy: { type: 'poly', power: 1 }, maxIter };
}
