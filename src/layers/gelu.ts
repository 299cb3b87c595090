/**
 * GELU, the Gaussian error linear unit (PyTorch's nn.GELU() with approximate='none', ONNX's Gelu).
 *
 * Shapes: top y the shape of bottom x.
 *   forward   y = x Φ(x), Φ(x) = (1 + erf(x/√2)) / 2 the standard normal CDF
 *   backward  dx = (Φ(x) + x φ(x)) dy, φ the standard normal density (from x)
 */
import { plainNeuronType } from './neuron-layer.js';

export const GELU = plainNeuronType('GELU', 'gelu');
