/**
 * AdaGrad (Caffe's AdaGradSolver), per element:
 *   g = ∇w + decay · reg(w)
 *   h = h + g²
 *   w = w - lr · g / (sqrt(h) + delta)
 */
import { squareAverageRule } from './square-average.js';

export const adagrad = squareAverageRule('AdaGrad', () => [1, 1]);
