/**
 * Cortado layer → Caffe layer, one entry per Cortado type (the export column of
 * docs/model-exchange.md). An entry gets the validated config (defaults filled) and the raw one
 * (for initializers, which keep their fields only there) and returns Caffe's type and parameter
 * message fields, or a string saying why Caffe cannot hold the layer. Caffe's blobs of a layer are
 * the Cortado layer's parameters in declaration order (export.ts adds them).
 */
import type { LayerConfig } from '../../core/layer.js';
import type { Msg } from './codec.js';
import { initToFiller } from './fillers.js';

/** Caffe layer fields (at least `type`), or why the layer is not expressible. */
export type Exported = Msg | string;

type Entry = (c: any, raw: LayerConfig) => Exported;

/** `<name>` when both axes agree, else `<name>_h` / `<name>_w` (Caffe's 2-d fields). */
function size2d(name: string, hw: string, [h, w]: [number, number], repeated: boolean): Msg {
  if (h === w) return { [name]: repeated ? [h] : h };
  return { [`${hw}_h`]: h, [`${hw}_w`]: w };
}

function filler(raw: LayerConfig, key: string): Msg {
  const f = initToFiller(raw[key]);
  return f ? { [key === 'biasInit' ? 'bias_filler' : key === 'weightInit' ? 'weight_filler' : 'filler']: f } : {};
}

/** RNN and LSTM: Caffe's need the continuation markers as their second bottom. */
function recurrent(type: string, c: any, raw: LayerConfig): Exported {
  if (c.bottoms.length < 2) return 'Caffe\'s recurrent layers need the continuation markers (cont) as a second bottom; this one has x alone';
  return { type, recurrent_param: { num_output: c.numOutput, ...filler(raw, 'weightInit'), ...filler(raw, 'biasInit') } };
}

const conv = (type: string): Entry => (c, raw) => ({
  type,
  convolution_param: {
    num_output: c.numOutput, bias_term: c.bias,
    ...size2d('kernel_size', 'kernel', c.kernel, true), ...size2d('stride', 'stride', c.stride, true),
    ...size2d('pad', 'pad', c.pad, true), dilation: c.dilation[0] === c.dilation[1] ? [c.dilation[0]] : c.dilation,
    group: c.group, ...filler(raw, 'weightInit'), ...filler(raw, 'biasInit'),
  },
});

const NORMALIZATION: Record<string, string> = { full: 'FULL', valid: 'VALID', batch: 'BATCH_SIZE', none: 'NONE' };
const loss = (c: any) => ({ loss_weight: [c.lossWeight] });
const ignore = (c: any) => (c.ignoreLabel === null ? {} : { ignore_label: c.ignoreLabel });

export const EXPORTS: Readonly<Record<string, Entry>> = {
  Convolution: conv('Convolution'),
  Deconvolution: conv('Deconvolution'),
  Pooling: (c) => ({
    type: 'Pooling',
    pooling_param: { pool: c.method === 'max' ? 'MAX' : 'AVE', ...size2d('kernel_size', 'kernel', c.kernel, false), ...size2d('stride', 'stride', c.stride, false), ...size2d('pad', 'pad', c.pad, false) },
  }),
  InnerProduct: (c, raw) => ({ type: 'InnerProduct', inner_product_param: { num_output: c.numOutput, bias_term: c.bias, axis: c.axis, ...filler(raw, 'weightInit'), ...filler(raw, 'biasInit') } }),
  ReLU: (c) => ({ type: 'ReLU', ...(c.negativeSlope ? { relu_param: { negative_slope: c.negativeSlope } } : {}) }),
  PReLU: (c, raw) => ({ type: 'PReLU', prelu_param: { channel_shared: c.channelShared, ...(initToFiller(raw.slopeInit) ? { filler: initToFiller(raw.slopeInit) } : {}) } }),
  ELU: (c) => ({ type: 'ELU', elu_param: { alpha: c.alpha } }),
  Sigmoid: () => ({ type: 'Sigmoid' }),
  TanH: () => ({ type: 'TanH' }),
  AbsVal: () => ({ type: 'AbsVal' }),
  Power: (c) => ({ type: 'Power', power_param: { power: c.power, scale: c.scale, shift: c.shift } }),
  Clip: (c) => ({ type: 'Clip', clip_param: { min: c.min, max: c.max } }),
  Softplus: (c) => (c.beta === 1 ? { type: 'BNLL' } : `beta ${c.beta} (Caffe's BNLL is softplus with beta 1)`),
  Exp: (c) => ({ type: 'Exp', exp_param: { base: c.base, scale: c.scale, shift: c.shift } }),
  Log: (c) => ({ type: 'Log', log_param: { base: c.base, scale: c.scale, shift: c.shift } }),
  Dropout: (c) => ({ type: 'Dropout', dropout_param: { dropout_ratio: c.ratio } }),
  LRN: (c) => (c.normRegion === 'WITHIN_CHANNEL' && c.k !== 1
    ? `k ${c.k} within a channel (Caffe's WITHIN_CHANNEL fixes k at 1)`
    : { type: 'LRN', lrn_param: { local_size: c.localSize, alpha: c.alpha, beta: c.beta, k: c.k, norm_region: c.normRegion } }),
  Concat: (c) => ({ type: 'Concat', concat_param: { axis: c.axis } }),
  Slice: (c) => ({ type: 'Slice', slice_param: { axis: c.axis, ...(c.slicePoints ? { slice_point: c.slicePoints } : {}) } }),
  Split: () => ({ type: 'Split' }),
  Eltwise: (c) => ({ type: 'Eltwise', eltwise_param: { operation: c.operation, ...(c.operation === 'SUM' && c.coeff.some((k: number) => k !== 1) ? { coeff: c.coeff } : {}) } }),
  ElementWise: (c) => {
    if (c.operation === 'divide') return 'operation divide (Caffe\'s Eltwise has SUM, PROD and MAX)';
    return { type: 'Eltwise', eltwise_param: c.operation === 'multiply' ? { operation: 'PROD' } : { operation: 'SUM', ...(c.operation === 'subtract' ? { coeff: [1, -1] } : {}) } };
  },
  Softmax: (c) => ({ type: 'Softmax', softmax_param: { axis: c.axis } }),
  SoftmaxLoss: (c) => (c.weights ? 'class weights (Caffe\'s SoftmaxWithLoss has none)' : {
    type: 'SoftmaxWithLoss', ...loss(c), softmax_param: { axis: c.axis }, loss_param: { ...ignore(c), normalization: NORMALIZATION[c.normalization] },
  }),
  EuclideanLoss: (c) => ({ type: 'EuclideanLoss', ...loss(c) }),
  SigmoidCrossEntropyLoss: (c) => ({ type: 'SigmoidCrossEntropyLoss', ...loss(c), loss_param: { ...ignore(c), normalization: NORMALIZATION[c.normalization] } }),
  HingeLoss: (c) => (c.labels === 'sign' ? "labels 'sign' (Caffe's HingeLoss takes class indices)" : { type: 'HingeLoss', ...loss(c), hinge_loss_param: { norm: c.norm } }),
  // Caffe's labels are one per sample and it divides by the batch: 'valid' is the same there.
  MultinomialLogisticLoss: (c) => (c.weights || c.ignoreLabel !== null || (c.normalization !== 'batch' && c.normalization !== 'valid')
    ? 'class weights, ignoreLabel or a normalization other than the batch (Caffe has none of them here)'
    : { type: 'MultinomialLogisticLoss', ...loss(c) }),
  Accuracy: (c) => ({ type: 'Accuracy', accuracy_param: { top_k: c.topK, axis: c.axis, ...ignore(c) } }),
  ArgMax: (c) => ({ type: 'ArgMax', argmax_param: { out_max_val: c.outMaxVal, top_k: c.topK, ...(c.axis === null ? {} : { axis: c.axis }) } }),
  BatchNorm: (c) => ({
    type: 'BatchNorm',
    batch_norm_param: { ...(c.useGlobalStats === undefined ? {} : { use_global_stats: c.useGlobalStats }), moving_average_fraction: c.movingAverageFraction, eps: c.eps },
  }),
  Scale: (c, raw) => ({ type: 'Scale', scale_param: { axis: c.axis, num_axes: c.numAxes, ...filler(raw, 'scaleInit'), bias_term: c.bias, ...filler(raw, 'biasInit') } }),
  Bias: (c, raw) => ({ type: 'Bias', bias_param: { axis: c.axis, num_axes: c.numAxes, ...(initToFiller(raw.biasInit) ? { filler: initToFiller(raw.biasInit) } : {}) } }),
  Flatten: (c) => ({ type: 'Flatten', flatten_param: { axis: c.axis, end_axis: c.endAxis } }),
  Reshape: (c) => ({ type: 'Reshape', reshape_param: { shape: { dim: c.shape }, axis: c.axis, num_axes: c.numAxes } }),
  Crop: (c) => ({ type: 'Crop', crop_param: { axis: c.axis, offset: c.offset } }),
  Embed: (c, raw) => ({ type: 'Embed', embed_param: { num_output: c.numOutput, input_dim: c.inputDim, bias_term: c.bias, ...filler(raw, 'weightInit'), ...filler(raw, 'biasInit') } }),
  RNN: (c, raw) => (!c.output || c.activation !== 'tanh'
    ? `an RNN with ${!c.output ? 'output: false (its top is h; Caffe\'s RNN always adds o = tanh(W_ho h + b_o))' : `activation "${c.activation}" (Caffe's RNN uses tanh)`}`
    : recurrent('RNN', c, raw)),
  LSTM: (c, raw) => recurrent('LSTM', c, raw),
  Tile: (c) => ({ type: 'Tile', tile_param: { axis: c.axis, tiles: c.tiles } }),
  Permute: (c) => ({ type: 'Permute', permute_param: { order: c.order } }),
  Parameter: (c) => ({ type: 'Parameter', parameter_param: { shape: { dim: c.shape } } }),
  Reduction: (c) => ({ type: 'Reduction', reduction_param: { operation: c.operation, axis: c.axis, coeff: c.coeff } }),
  Input: (c) => (c.transformers.some((t: unknown[]) => t.length)
    ? 'transformers (Caffe transforms data in its data layers only)'
    : { type: 'Input', input_param: { shape: c.shapes.map((dim: number[]) => ({ dim })) } }),
  Silence: () => ({ type: 'Silence' }),
};

/** The Caffe layer applying a Cortado neuron (Convolution, InnerProduct, Pooling, Deconvolution), in place. */
export function neuronLayer(op: string, alpha: number): Msg {
  switch (op) {
    case 'relu': return { type: 'ReLU' };
    case 'lrelu': return { type: 'ReLU', relu_param: { negative_slope: alpha } };
    case 'sigmoid': return { type: 'Sigmoid' };
    case 'tanh': return { type: 'TanH' };
    default: return { type: 'Exp', exp_param: { base: -1, scale: 1, shift: 0 } };
  }
}
