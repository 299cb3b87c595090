/**
 * WassersteinLoss (Mocha's WassersteinLossLayer): the entropy-smoothed optimal transport cost
 * between predicted and target histograms, by Sinkhorn iterations (Frogner et al., "Learning with
 * a Wasserstein Loss", 2015).
 *
 * Shapes: bottoms [a (pred), b (target)] seen as [N, P] and [N, Q] (each flattened after the first
 * axis); `M` is the P × Q ground cost; top [1], the loss (named after the layer when `tops` is left
 * out). With K = exp(-lambda M), per sample (row) and u₀ = 1/P:
 *   repeat sinkhornIter times:  u = a ./ (K (b ./ (Kᵀ u)))
 *   v = b ./ (Kᵀ u);   loss = Σ_samples uᵀ ((K ⊙ M) v) / N
 *   backward  da = lossWeight log(u) / (lambda N);  no gradient for the target
 * As in Mocha, the gradient is the Sinkhorn dual potential (not centred), the paper's gradient of
 * the smoothed transport problem, not the derivative of the iterated loss above; a finite
 * difference of the loss does not reproduce it. a and b should be positive histograms (a softmax
 * output, normalized targets): a zero in a gives log 0 in the gradient. The iterations are GEMMs
 * and elementwise divisions, so the layer runs on every backend.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { type LossConfig, LossLayer, numOf, readLossWeight } from './loss-util.js';
import { defaultTop, where } from './shapes.js';

export interface WassersteinLossConfig extends LossConfig {
  /** The ground cost, P rows (prediction bins) of Q numbers (target bins) (required). */
  M: number[][];
  /** Entropic smoothing: K = exp(-lambda M); larger is closer to the exact cost (required, > 0). */
  lambda: number;
  /** Sinkhorn iterations (default 50). */
  sinkhornIter: number;
}

export class WassersteinLossLayer extends LossLayer<WassersteinLossConfig> {
  private N = 1;
  private P = 0;
  private Q = 0;
  private K!: Buf;
  private KM!: Buf;
  private u!: Buf;
  private v!: Buf;
  private tmpP!: Buf;
  /** log(u) from the last forward. */
  private logU!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [a, b] = bottoms;
    const N = numOf(a);
    const P = c.M.length;
    const Q = c.M[0].length;
    if (numOf(b) !== N) {
      throw new ShapeError(`${where(c)}: target "${b.name}" ${shapeStr(b.shape)} must have as many samples as "${a.name}" ${shapeStr(a.shape)} (${N}), found ${numOf(b)}`);
    }
    if (a.count !== N * P || b.count !== N * Q) {
      throw new ShapeError(`${where(c)}: field "M" is ${P} × ${Q}, so "${a.name}" must hold ${P} values per sample and "${b.name}" ${Q}; found ${a.count / N} and ${b.count / N} (shapes ${shapeStr(a.shape)}, ${shapeStr(b.shape)})`);
    }
    Object.assign(this, { N, P, Q });
    const backend = this.ctx.backend;
    const cost = c.M.flat();
    this.K = this.ctx.buffer(P * Q);
    this.KM = this.ctx.buffer(P * Q);
    backend.upload(this.K, cost.map((m) => Math.exp(-c.lambda * m)));
    backend.upload(this.KM, cost.map((m) => m * Math.exp(-c.lambda * m)));
    this.u = this.ctx.buffer(N * P);
    this.v = this.ctx.buffer(N * Q);
    this.tmpP = this.ctx.buffer(N * P);
    this.logU = this.ctx.buffer(N * P);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { N, P, Q, K, KM, u, v, tmpP } = this;
    const A = bottoms[0].data;
    const B = bottoms[1].data;
    b.set(N * P, 1 / P, u);
    // samples are rows: Kᵀu for every sample is the row-major product U K
    for (let it = 0; it < this.config.sinkhornIter; it++) {
      b.gemm(false, false, N, Q, P, 1, u, K, 0, v);
      b.div(N * Q, B, v, v);
      b.gemm(false, true, N, P, Q, 1, v, K, 0, tmpP);
      b.div(N * P, A, tmpP, u);
    }
    b.gemm(false, false, N, Q, P, 1, u, K, 0, v);
    b.div(N * Q, B, v, v);
    b.gemm(false, true, N, P, Q, 1, v, KM, 0, tmpP);
    b.log(N * P, u, this.logU);
    b.dotInto(N * P, u, tmpP, 1 / N, 0, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const c = this.config;
    this.ctx.backend.axpby(this.N * this.P, c.lossWeight / (c.lambda * this.N), this.logU, 0, bottoms[0].diff);
  }
}

export const WassersteinLoss: LayerType<WassersteinLossConfig> = {
  type: 'WassersteinLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    const M = r.raw.M;
    r.accept('M');
    const rows = Array.isArray(M) ? M : [];
    const Q = Array.isArray(rows[0]) ? rows[0].length : 0;
    const ok = rows.length > 0 && Q > 0 && rows.every((row) => Array.isArray(row) && row.length === Q &&
      row.every((m) => typeof m === 'number' && Number.isFinite(m) && m >= 0));
    if (!ok) r.fail('M', 'a non-empty list of rows of equal length holding finite costs >= 0', M);
    return {
      ...base,
      tops: defaultTop(base),
      M: (rows as number[][]).map((row) => [...row]),
      lambda: r.number('lambda', undefined, { above: 0 }),
      sinkhornIter: r.int('sinkhornIter', 50, { min: 1 }),
      lossWeight: readLossWeight(r),
    };
  },
  create: (c) => new WassersteinLossLayer(c),
};
