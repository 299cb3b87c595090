/**
 * TanH, the hyperbolic tangent (Caffe's TanH layer).
 *
 * Shapes: top y the shape of bottom x (may be the same blob).
 *   forward   y = tanh(x)
 *   backward  dx = (1 - y²) dy
 */
import { plainNeuronType } from './neuron-layer.js';

export const TanH = plainNeuronType('TanH', 'tanh');
