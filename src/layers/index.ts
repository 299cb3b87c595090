/** Every layer type, registered explicitly (bundler-safe). One line per layer. */
import type { LayerType } from '../core/layer.js';
import { Accuracy } from './accuracy.js';
import { Convolution } from './convolution.js';
import { Dropout } from './dropout.js';
import { InnerProduct } from './inner-product.js';
import { MemoryData } from './memory-data.js';
import { Pooling } from './pooling.js';
import { ReLU } from './relu.js';
import { Sigmoid } from './sigmoid.js';
import { Softmax } from './softmax.js';
import { SoftmaxLoss } from './softmax-loss.js';
import { Split } from './split.js';
import { TanH } from './tanh.js';

export const layerTypes: ReadonlyMap<string, LayerType<any>> = new Map<string, LayerType<any>>(
  [
    Accuracy,
    Convolution,
    Dropout,
    InnerProduct,
    MemoryData,
    Pooling,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxLoss,
    Split,
    TanH,
  ].map((t) => [t.type, t]),
);
