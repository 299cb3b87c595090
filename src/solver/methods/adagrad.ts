/**
 * AdaGrad (Caffe's AdaGradSolver), per element:
 *   g = ∇w + decay · reg(w)
 *   h = h + g²
 *   w = w - lr · g / (sqrt(h) + delta)
 */
import { regularize, type UpdateRule } from './update-rule.js';

export const adagrad: UpdateRule = {
  name: 'AdaGrad',
  stateNames: ['history'],
  scratch: 1,
  update(b, p, [h], s, [tmp]) {
    const n = p.blob.count;
    const g = p.blob.diff;
    regularize(b, p, s, tmp);
    b.mul(n, g, g, tmp);
    b.add(n, h, tmp, h);
    b.powx(n, h, 0.5, tmp);
    b.addScalar(n, s.delta, tmp);
    b.div(n, g, tmp, tmp);
    b.axpy(n, -s.lr, tmp, p.blob.data);
  },
};
