/**
 * GaussianKLLoss (Mocha's GaussianKLLossLayer): the Kullback-Leibler divergence from the diagonal
 * Gaussian N(mu, diag(sigma²)) to the standard normal N(0, I), as in a variational auto-encoder.
 *
 * Shapes: bottoms [mu, sigma] with the same count (sigma > 0, a standard deviation, not a
 * variance); top [1], the loss (named after the layer when `tops` is left out).
 *   forward   loss = Σ_i (mu_i² + sigma_i² - 2 log sigma_i - 1) / 2N,   N = the first axis of mu
 *   backward  dmu = lossWeight mu / N;  dsigma = lossWeight (sigma - 1/sigma) / N
 * Mocha's normalisation (by the minibatch size). Composed of Backend primitives.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { checkSameCount, type LossConfig, LossLayer, numOf, readLossWeight } from './loss-util.js';
import { defaultTop } from './shapes.js';

/** No fields besides `lossWeight` (default 1). */
export type GaussianKLLossConfig = LossConfig;

export class GaussianKLLossLayer extends LossLayer<GaussianKLLossConfig> {
  private ones!: Buf;
  private tmp!: Buf;
  private num = 1;

  /** Both bottoms receive a gradient (mu and sigma). */
  override propagatesTo(): boolean {
    return true;
  }

  setup(bottoms: Blob[]): Shape[] {
    checkSameCount(this.config, bottoms, 'mu');
    const n = bottoms[0].count;
    this.num = numOf(bottoms[0]);
    this.ones = this.ctx.buffer(n);
    this.ctx.backend.set(n, 1, this.ones);
    this.tmp = this.ctx.buffer(n);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const mu = bottoms[0].data;
    const sigma = bottoms[1].data;
    b.log(n, sigma, this.tmp);
    const top = tops[0].data;
    const scale = 1 / (2 * this.num);
    b.dotInto(n, mu, mu, scale, 0, top);
    b.dotInto(n, sigma, sigma, scale, 1, top);
    b.dotInto(n, this.tmp, this.ones, -2 * scale, 1, top);
    b.addScalar(1, -n * scale, top);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const scale = this.config.lossWeight / this.num;
    if (propagateDown[0]) b.axpby(n, scale, bottoms[0].data, 0, bottoms[0].diff);
    if (propagateDown[1]) {
      const dsigma = bottoms[1].diff;
      b.div(n, this.ones, bottoms[1].data, this.tmp);
      b.sub(n, bottoms[1].data, this.tmp, dsigma);
      b.scal(n, scale, dsigma);
    }
  }
}

export const GaussianKLLoss: LayerType<GaussianKLLossConfig> = {
  type: 'GaussianKLLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return { ...base, tops: defaultTop(base), lossWeight: readLossWeight(r) };
  },
  create: (c) => new GaussianKLLossLayer(c),
};
