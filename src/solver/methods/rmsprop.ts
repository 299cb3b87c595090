/**
 * RMSProp (Caffe's RMSPropSolver), with ρ = rmsDecay:
 *   g = ∇w + decay · reg(w)
 *   h = ρ · h + (1 - ρ) · g²
 *   w = w - lr · g / (sqrt(h) + delta)
 */
import { squareAverageRule } from './square-average.js';

export const rmsprop = squareAverageRule('RMSProp', (s) => [s.rmsDecay, 1 - s.rmsDecay]);
