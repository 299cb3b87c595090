/** Every layer type, registered explicitly (bundler-safe). One line per layer. */
import type { LayerType } from '../core/layer.js';
import type { LayerTypes } from '../core/net.js';
import { ConfigError } from '../core/errors.js';
import { Accuracy } from './accuracy.js';
import { BatchNorm } from './batch-norm.js';
import { LayerNorm } from './layer-norm.js';
import { Convolution } from './convolution.js';
import { Deconvolution } from './deconvolution.js';
import { Dropout } from './dropout.js';
import { Embed } from './embed.js';
import { InnerProduct } from './inner-product.js';
import { LRN } from './lrn.js';
import { LSTM } from './lstm.js';
import { GRU } from './gru.js';
import { MemoryData } from './memory-data.js';
import { Input } from './input.js';
import { MemoryOutput } from './memory-output.js';
import { Pooling } from './pooling.js';
import { RandomMask } from './random-mask.js';
import { RandomNormal } from './random-normal.js';
import { ReLU } from './relu.js';
import { RNN } from './rnn.js';
import { Sigmoid } from './sigmoid.js';
import { SequenceData } from './sequence-data.js';
import { LogSoftmax, Softmax } from './softmax.js';
import { SoftmaxLoss } from './softmax-loss.js';
import { Split } from '../core/split.js';
import { TanH } from './tanh.js';
import { TiedInnerProduct } from './tied-inner-product.js';
// structural and elementwise layers
import { AbsVal } from './abs-val.js';
import { Exp, Log } from './exp-log.js';
import { Softplus } from './softplus.js';
import { Clip } from './clip.js';
import { Concat } from './concat.js';
import { ELU } from './elu.js';
import { Erf } from './erf.js';
import { GELU } from './gelu.js';
import { Flatten } from './flatten.js';
import { Identity } from './identity.js';
import { Power } from './power.js';
import { Reshape } from './reshape.js';
import { Silence } from './silence.js';
import { Slice } from './slice.js';
import { Bias } from './bias.js';
import { ElementWise } from './element-wise.js';
import { Eltwise } from './eltwise.js';
import { PReLU } from './prelu.js';
import { Reduction } from './reduction.js';
import { Scale } from './scale.js';
import { Tile } from './tile.js';
import { Upsample } from './upsample.js';
import { Reverse } from './reverse.js';
import { Permute } from './permute.js';
import { Parameter } from './parameter.js';
import { MatMul } from './mat-mul.js';
import { ChannelPooling } from './channel-pooling.js';
import { Crop } from './crop.js';
import { ArgMax } from './argmax.js';
import { Compare } from './compare.js';
import { Index2Onehot } from './index2onehot.js';

// losses and metrics
import { BinaryAccuracy } from './binary-accuracy.js';
import { BinaryCrossEntropyLoss } from './binary-cross-entropy-loss.js';
import { EuclideanLoss } from './euclidean-loss.js';
import { GaussianKLLoss } from './gaussian-kl-loss.js';
import { HingeLoss } from './hinge-loss.js';
import { MultinomialLogisticLoss } from './multinomial-logistic-loss.js';
import { SigmoidCrossEntropyLoss } from './sigmoid-cross-entropy-loss.js';
import { SoftlabelSoftmaxLoss } from './softlabel-softmax-loss.js';
import { SquareLoss } from './square-loss.js';
import { WassersteinLoss } from './wasserstein-loss.js';

/**
 * The standard layer types by name. Each key is its type's `type` (test/layers/definitions.test.ts
 * checks it), and the typed definitions (definitions.ts) are derived from this object.
 */
export const standardLayerTypes = {
  Accuracy,
  BatchNorm,
  LayerNorm,
  Convolution,
  Deconvolution,
  Dropout,
  Embed,
  InnerProduct,
  LRN,
  LSTM,
  GRU,
  MemoryData,
  Input,
  MemoryOutput,
  Pooling,
  RandomMask,
  RandomNormal,
  ReLU,
  RNN,
  Sigmoid,
  SequenceData,
  Softmax,
  LogSoftmax,
  SoftmaxLoss,
  Split,
  TanH,
  TiedInnerProduct,
  AbsVal,
  Exp,
  Log,
  Softplus,
  Clip,
  Concat,
  ELU,
  Erf,
  GELU,
  Flatten,
  Identity,
  Power,
  Reshape,
  Silence,
  Slice,
  Bias,
  ElementWise,
  Eltwise,
  PReLU,
  Reduction,
  Scale,
  Tile,
  Upsample,
  Reverse,
  Permute,
  Parameter,
  MatMul,
  ChannelPooling,
  Crop,
  ArgMax,
  Compare,
  Index2Onehot,
  // losses and metrics
  BinaryAccuracy,
  BinaryCrossEntropyLoss,
  EuclideanLoss,
  GaussianKLLoss,
  HingeLoss,
  MultinomialLogisticLoss,
  SigmoidCrossEntropyLoss,
  SoftlabelSoftmaxLoss,
  SquareLoss,
  WassersteinLoss,
} as const;

/** The standard layer types by name: the default of `new Net(...)` from the package's entries. */
export const layerTypes: LayerTypes = new Map<string, LayerType<any>>(Object.entries(standardLayerTypes));

/**
 * `base` plus more layer types (a user's own, or Node's HDF5 layers), as a new map for NetOptions'
 * `layerTypes`; `base` is left as it was. A name that `base` or another of `extra` already gives
 * to a different type is an error.
 */
export function withLayerTypes(base: LayerTypes, ...extra: LayerType<any>[]): LayerTypes {
  const out = new Map(base);
  for (const t of extra) {
    const had = out.get(t.type);
    if (had && had !== t) throw new ConfigError(`withLayerTypes: layer type "${t.type}" is already taken by another type`);
    out.set(t.type, t);
  }
  return out;
}
