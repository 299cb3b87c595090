/**
 * ReLU, leaky when `negativeSlope` is set (Caffe's ReLU layer).
 *
 * Shapes: top y the shape of bottom x (may be the same blob).
 *   forward   y = x > 0 ? x : negativeSlope x
 *   backward  dx = (y > 0 ? 1 : negativeSlope) dy
 */
import type { NeuronOp } from '../backend/backend.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { NeuronLayer } from './neuron-layer.js';

export interface ReLUConfig extends BaseConfig {
  /** Slope for x <= 0 (default 0, the plain ReLU). */
  negativeSlope: number;
}

export class ReLULayer extends NeuronLayer<ReLUConfig> {
  protected readonly op: NeuronOp = this.config.negativeSlope === 0 ? 'relu' : 'lrelu';
  protected override get alpha(): number {
    return this.config.negativeSlope;
  }
}

export const ReLU: LayerType<ReLUConfig> = {
  type: 'ReLU',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, negativeSlope: r.number('negativeSlope', 0, { min: 0 }) };
  },
  create: (c) => new ReLULayer(c),
};
