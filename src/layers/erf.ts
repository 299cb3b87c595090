/**
 * Erf, the error function (ONNX's Erf), elementwise.
 *
 * Shapes: top y the shape of bottom x.
 *   forward   y = erf(x) = 2/√π ∫₀ˣ e^(-t²) dt
 *   backward  dx = 2/√π e^(-x²) dy (from x)
 * An ONNX import fuses the Erf of x/√2 with what makes it x Φ(x) into one GELU layer.
 */
import { plainNeuronType } from './neuron-layer.js';

export const Erf = plainNeuronType('Erf', 'erf');
