/**
 * TanH, the hyperbolic tangent (Caffe's TanH layer).
 *
 * Shapes: top y the shape of bottom x (may be the same blob).
 *   forward   y = tanh(x)
 *   backward  dx = (1 - y²) dy
 */
import type { NeuronOp } from '../backend/backend.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { NeuronLayer } from './neuron-layer.js';

export class TanHLayer extends NeuronLayer {
  protected readonly op: NeuronOp = 'tanh';
}

export const TanH: LayerType<BaseConfig> = {
  type: 'TanH',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return base;
  },
  create: (c) => new TanHLayer(c),
};
