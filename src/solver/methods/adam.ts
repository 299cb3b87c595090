/**
 * Adam (Caffe's AdamSolver), with t the number of this update (Caffe's iter + 1, less the
 * iterations that dynamic loss scaling skipped, as with PyTorch's GradScaler):
 *   g = ∇w + decay · reg(w)
 *   m = β1 · m + (1 - β1) · g
 *   v = β2 · v + (1 - β2) · g²
 *   w = w - lr · sqrt(1 - β2^t) / (1 - β1^t) · m / (sqrt(v) + ε)
 * As in Caffe, ε is added after the bias correction of the numerator only.
 */
import { regularize, type UpdateRule } from './update-rule.js';

export const adam: UpdateRule = {
  name: 'Adam',
  stateNames: ['m', 'v'],
  scratch: 1,
  update(b, p, [m, v], s, [tmp]) {
    const n = p.blob.count;
    const g = p.blob.diff;
    regularize(b, p, s, tmp);
    b.axpby(n, 1 - s.beta1, g, s.beta1, m);
    b.mul(n, g, g, tmp);
    b.axpby(n, 1 - s.beta2, tmp, s.beta2, v);
    const t = s.applied + 1;
    const correction = Math.sqrt(1 - Math.pow(s.beta2, t)) / (1 - Math.pow(s.beta1, t));
    b.powx(n, v, 0.5, tmp);
    b.addScalar(n, s.epsilon, tmp);
    b.div(n, m, tmp, tmp);
    b.axpy(n, -s.lr * correction, tmp, p.blob.data);
  },
};
