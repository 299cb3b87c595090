/**
 * Nesterov's accelerated gradient (Caffe's NesterovSolver):
 *   g = ∇w + decay · reg(w)
 *   v' = momentum · v + lr · g
 *   w = w - ((1 + momentum) · v' - momentum · v)
 */
import { regularize, type UpdateRule } from './update-rule.js';

export const nesterov: UpdateRule = {
  name: 'Nesterov',
  stateNames: ['momentum'],
  scratch: 1,
  update(b, p, [hist], s, [tmp]) {
    const n = p.blob.count;
    const g = p.blob.diff;
    regularize(b, p, s, tmp);
    b.copy(n, hist, tmp);
    b.axpby(n, s.lr, g, s.momentum, hist);
    b.axpby(n, 1 + s.momentum, hist, -s.momentum, tmp);
    b.axpy(n, -1, tmp, p.blob.data);
  },
};
