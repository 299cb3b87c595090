/**
 * Sigmoid (Caffe's Sigmoid layer).
 *
 * Shapes: top y the shape of bottom x (may be the same blob).
 *   forward   y = 1 / (1 + exp(-x))
 *   backward  dx = y (1 - y) dy
 */
import type { NeuronOp } from '../backend/backend.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { NeuronLayer } from './neuron-layer.js';

export class SigmoidLayer extends NeuronLayer {
  protected readonly op: NeuronOp = 'sigmoid';
}

export const Sigmoid: LayerType<BaseConfig> = {
  type: 'Sigmoid',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return base;
  },
  create: (c) => new SigmoidLayer(c),
};
