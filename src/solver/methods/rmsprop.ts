/**
 * RMSProp (Caffe's RMSPropSolver), with ρ = rmsDecay:
 *   g = ∇w + decay · reg(w)
 *   h = ρ · h + (1 - ρ) · g²
 *   w = w - lr · g / (sqrt(h) + delta)
 */
import { regularize, type UpdateRule } from './update-rule.js';

export const rmsprop: UpdateRule = {
  name: 'RMSProp',
  stateNames: ['history'],
  scratch: 1,
  update(b, p, [h], s, [tmp]) {
    const n = p.blob.count;
    const g = p.blob.diff;
    regularize(b, p, s, tmp);
    b.mul(n, g, g, tmp);
    b.axpby(n, 1 - s.rmsDecay, tmp, s.rmsDecay, h);
    b.powx(n, h, 0.5, tmp);
    b.addScalar(n, s.delta, tmp);
    b.div(n, g, tmp, tmp);
    b.axpy(n, -s.lr, tmp, p.blob.data);
  },
};
