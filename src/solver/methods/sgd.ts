/**
 * Stochastic gradient descent with momentum (Caffe's SGDSolver):
 *   g = ∇w + decay · w (L2) or decay · sign(w) (L1)
 *   v = momentum · v + lr · g
 *   w = w - v
 * Mocha writes v with the opposite sign (v = momentum · v - lr · g; w += v): the same trajectory.
 */
import type { UpdateRule } from './update-rule.js';

export const sgd: UpdateRule = {
  name: 'SGD',
  stateNames: ['momentum'],
  update(b, p, [hist], s) {
    b.sgdUpdate(p.blob.count, p.blob.data, p.blob.diff, hist, s.lr, s.momentum, s.decay, s.regularization);
  },
};
