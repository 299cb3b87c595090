/**
 * What AdaGrad and RMSProp share: each weight's step is its gradient divided by the root of a
 * running sum or average of the gradient's squares, per element:
 *   g = ∇w + decay · reg(w)
 *   h = keep · h + add · g²
 *   w = w - lr · g / (sqrt(h) + delta)
 */
import { regularize, type StepSettings, type UpdateRule } from './update-rule.js';

/** The rule named `name` whose `weights(settings)` gives [keep, add]. */
export function squareAverageRule(name: string, weights: (s: StepSettings) => [keep: number, add: number]): UpdateRule {
  return {
    name,
    stateNames: ['history'],
    scratch: 1,
    update(b, p, [h], s, [tmp]) {
      const n = p.blob.count;
      const g = p.blob.diff;
      const [keep, add] = weights(s);
      regularize(b, p, s, tmp);
      b.mul(n, g, g, tmp);
      b.axpby(n, add, tmp, keep, h);
      b.powx(n, h, 0.5, tmp);
      b.addScalar(n, s.delta, tmp);
      b.div(n, g, tmp, tmp);
      b.axpy(n, -s.lr, tmp, p.blob.data);
    },
  };
}
