/**
 * AdaDelta (Caffe's AdaDeltaSolver), with ρ = momentum:
 *   g = ∇w + decay · reg(w)
 *   h = ρ · h + (1 - ρ) · g²
 *   Δ = sqrt((u + delta) / (h + delta)) · g
 *   u = ρ · u + (1 - ρ) · Δ²
 *   w = w - lr · Δ
 * (Zeiler's paper has no learning rate: use baseLr 1 for it.)
 */
import { regularize, type UpdateRule } from './update-rule.js';

export const adadelta: UpdateRule = {
  name: 'AdaDelta',
  stateNames: ['history', 'updateHistory'],
  scratch: 2,
  update(b, p, [h, u], s, [t1, t2]) {
    const n = p.blob.count;
    const g = p.blob.diff;
    const rho = s.momentum;
    regularize(b, p, s, t1);
    b.mul(n, g, g, t1);
    b.axpby(n, 1 - rho, t1, rho, h);
    b.copy(n, h, t2);
    b.addScalar(n, s.delta, t2);
    b.copy(n, u, t1);
    b.addScalar(n, s.delta, t1);
    b.div(n, t1, t2, t1);
    b.powx(n, t1, 0.5, t1);
    b.mul(n, g, t1, t1);
    b.mul(n, t1, t1, t2);
    b.axpby(n, 1 - rho, t2, rho, u);
    b.axpy(n, -s.lr, t1, p.blob.data);
  },
};
