/**
 * GELU, the Gaussian error linear unit (PyTorch's nn.GELU, ONNX's Gelu).
 *
 * Shapes: top y the shape of bottom x.
 *   approximate 'none' (default)
 *     forward   y = x Φ(x), Φ(x) = (1 + erf(x/√2)) / 2 the standard normal CDF
 *     backward  dx = (Φ(x) + x φ(x)) dy, φ the standard normal density (from x)
 *   approximate 'tanh' (BERT's and GPT-2's)
 *     forward   y = x (1 + t) / 2, t = tanh(√(2/π) (x + 0.044715 x³))
 *     backward  dx = ((1 + t) / 2 + x (1 - t²) √(2/π) (1 + 3 · 0.044715 x²) / 2) dy (from x)
 */
import type { NeuronOp } from '../backend/backend.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { NeuronLayer } from './neuron-layer.js';

export interface GELUConfig extends BaseConfig {
  /** 'none' (default): the exact GELU; 'tanh': its tanh approximation. */
  approximate: 'none' | 'tanh';
}

export class GELULayer extends NeuronLayer<GELUConfig> {
  protected get op(): NeuronOp {
    return this.config.approximate === 'tanh' ? 'geluTanh' : 'gelu';
  }
}

export const GELU: LayerType<GELUConfig> = {
  type: 'GELU',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, approximate: r.oneOf('approximate', ['none', 'tanh'], 'none') as 'none' | 'tanh' };
  },
  create: (c) => new GELULayer(c),
};
