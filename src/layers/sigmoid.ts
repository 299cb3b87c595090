/**
 * Sigmoid (Caffe's Sigmoid layer).
 *
 * Shapes: top y the shape of bottom x (may be the same blob).
 *   forward   y = 1 / (1 + exp(-x))
 *   backward  dx = y (1 - y) dy
 */
import { plainNeuronType } from './neuron-layer.js';

export const Sigmoid = plainNeuronType('Sigmoid', 'sigmoid');
