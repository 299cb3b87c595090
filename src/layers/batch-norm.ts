/**
 * BatchNorm (Caffe's): normalizes each channel to zero mean and unit variance. No scale or shift
 * of its own (follow it with a learned affine layer for that, as in Caffe).
 *
 * Shapes: bottom x [N, C, ...] seen as [N, C, S] (S the product of the axes after 1, 1 for 2-d
 * bottoms); top y the same shape; m = N S values per channel.
 * Three parameters hold the statistics, as Caffe keeps them, and are never learned (lrMult 0,
 * decayMult 0) yet saved in snapshots: `mean` Σ_t λ^t μ_t, `variance` Σ_t λ^t σ²_t m / (m - 1)
 * and `scaleFactor` [1] = Σ_t λ^t, with λ = movingAverageFraction.
 *   train forward   μ_c, σ²_c = mean and (biased) variance of x over n and s;
 *                   y = (x - μ_c) / sqrt(σ²_c + eps); then the statistics are decayed by λ and
 *                   the batch's added (scaleFactor = λ scaleFactor + 1)
 *   train backward  dx = (dy - mean_c(dy) - y ⊙ mean_c(dy ⊙ y)) / sqrt(σ²_c + eps)
 *   global forward  μ = mean / scaleFactor, σ² = variance / scaleFactor (0 when scaleFactor is 0);
 *                   y = (x - μ_c) / sqrt(σ²_c + eps)
 *   global backward dx = dy / sqrt(σ²_c + eps)
 * Per-channel sums and broadcasts are products with vectors of ones (gemv, gemm), so the layer
 * runs on every backend.
 */
import type { Backend, Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant } from '../initializers/initializer.js';
import { where } from './shapes.js';

export interface BatchNormConfig extends BaseConfig {
  // `params` is ignored: the three statistics always get lrMult 0 and decayMult 0.
  /** Normalize with the stored statistics instead of the batch's (default: true in the test phase, false in train). */
  useGlobalStats?: boolean;
  /** Decay λ of the moving averages, in [0, 1] (default 0.999). */
  movingAverageFraction: number;
  /** Added to the variance before the square root, > 0 (default 1e-5). */
  eps: number;
}

export class BatchNormLayer extends Layer<BatchNormConfig> {
  private stats!: Param[];
  private N = 0;
  private C = 0;
  private S = 0;
  private global = false;
  private xhat!: Buf;
  private tmp!: Buf;
  private full!: Buf;
  private sumsNC!: Buf;
  private onesN!: Buf;
  private onesS!: Buf;
  private mean!: Buf;
  private variance!: Buf;
  private invStd!: Buf;
  /** Global statistics: scaleFactor broadcast to [C], and constant vectors of C ones and zeros. */
  private sfC!: Buf;
  private onesC!: Buf;
  private zerosC!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const shape = bottoms[0].shape;
    if (shape.length < 2) {
      throw new ShapeError(`${where(c)}: bottom "${bottoms[0].name}" must have at least 2 axes [num, channels, ...], found ${shapeStr(shape)}`);
    }
    this.N = shape[0];
    this.C = shape[1];
    this.S = bottoms[0].countFrom(2);
    this.global = c.useGlobalStats ?? this.ctx.phase === 'test';
    if (!this.global && this.N * this.S < 2) {
      throw new ShapeError(`${where(c)}: batch statistics need at least 2 values per channel, but bottom "${bottoms[0].name}" ${shapeStr(shape)} has ${this.N * this.S}`);
    }
    this.stats = [
      this.param('mean', [this.C], constant(0)),
      this.param('variance', [this.C], constant(0)),
      this.param('scaleFactor', [1], constant(0)),
    ];
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    this.xhat = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    this.full = this.ctx.buffer(n);
    this.sumsNC = this.ctx.buffer(this.N * this.C);
    this.onesN = this.ctx.buffer(this.N);
    this.onesS = this.ctx.buffer(this.S);
    b.set(this.N, 1, this.onesN);
    b.set(this.S, 1, this.onesS);
    this.mean = this.ctx.buffer(this.C);
    this.variance = this.ctx.buffer(this.C);
    this.invStd = this.ctx.buffer(this.C);
    if (this.global) {
      this.sfC = this.ctx.buffer(this.C);
      this.onesC = this.ctx.buffer(this.C);
      this.zerosC = this.ctx.buffer(this.C);
      b.set(this.C, 1, this.onesC);
    }
    return [shape];
  }

  /** out[c] = alpha Σ_{n,s} x[n, c, s]. */
  private channelSum(b: Backend, x: Buf, alpha: number, out: Buf): void {
    b.gemv(false, this.N * this.C, this.S, 1, x, this.onesS, 0, this.sumsNC);
    b.gemv(true, this.N, this.C, alpha, this.sumsNC, this.onesN, 0, out);
  }

  /** out[n, c, s] = v[c]. */
  private broadcast(b: Backend, v: Buf, out: Buf): void {
    b.gemm(false, false, this.N, this.C, 1, 1, this.onesN, v, 0, this.sumsNC);
    b.gemm(false, false, this.N * this.C, this.S, 1, 1, this.sumsNC, this.onesS, 0, out);
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { C } = this;
    const n = bottoms[0].count;
    const m = this.N * this.S;
    const [meanP, varP, sfP] = this.stats.map((p) => p.blob.data);
    if (this.global) {
      // mean / scaleFactor and variance / scaleFactor, 0 where scaleFactor is 0, on the backend
      // (no read of scaleFactor, so a device never waits here).
      b.gemm(false, false, C, 1, 1, 1, this.onesC, sfP, 0, this.sfC);
      b.div(C, meanP, this.sfC, this.mean);
      b.div(C, varP, this.sfC, this.variance);
      b.where(C, 0, 0, this.sfC, this.zerosC, this.mean, this.mean);
      b.where(C, 0, 0, this.sfC, this.zerosC, this.variance, this.variance);
    } else {
      this.channelSum(b, bottoms[0].data, 1 / m, this.mean);
    }
    b.copy(n, bottoms[0].data, this.xhat);
    b.axpby(C, -1, this.mean, 0, this.invStd);
    b.biasForward(this.N, C, this.S, this.invStd, this.xhat);
    if (!this.global) {
      b.mul(n, this.xhat, this.xhat, this.tmp);
      this.channelSum(b, this.tmp, 1 / m, this.variance);
      const lambda = this.config.movingAverageFraction;
      b.axpby(C, 1, this.mean, lambda, meanP);
      b.axpby(C, m / (m - 1), this.variance, lambda, varP);
      b.scal(1, lambda, sfP);
      b.addScalar(1, 1, sfP);
    }
    b.copy(C, this.variance, this.invStd);
    b.addScalar(C, this.config.eps, this.invStd);
    b.powx(C, this.invStd, -0.5, this.invStd);
    this.broadcast(b, this.invStd, this.full);
    b.mul(n, this.xhat, this.full, this.xhat);
    b.copy(n, this.xhat, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    const dx = bottoms[0].diff;
    // `full` still holds the broadcast 1 / sqrt(σ² + eps) from forward.
    if (this.global) {
      b.mul(n, dy, this.full, dx);
      return;
    }
    const m = this.N * this.S;
    b.mul(n, dy, this.xhat, this.tmp);
    this.channelSum(b, this.tmp, 1 / m, this.variance);
    this.broadcast(b, this.variance, this.tmp);
    b.mul(n, this.tmp, this.xhat, this.tmp);
    b.sub(n, dy, this.tmp, this.tmp);
    this.channelSum(b, dy, -1 / m, this.mean);
    b.biasForward(this.N, this.C, this.S, this.mean, this.tmp);
    b.mul(n, this.tmp, this.full, dx);
  }
}

export const BatchNorm: LayerType<BatchNormConfig> = {
  type: 'BatchNorm',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return {
      ...base,
      // Caffe forces these too: the statistics are computed, never learned or decayed.
      params: [0, 1, 2].map(() => ({ lrMult: 0, decayMult: 0 })),
      useGlobalStats: r.has('useGlobalStats') ? r.bool('useGlobalStats', false) : (r.accept('useGlobalStats'), undefined),
      movingAverageFraction: r.number('movingAverageFraction', 0.999, { min: 0, max: 1 }),
      eps: r.number('eps', 1e-5, { above: 0 }),
    };
  },
  create: (c) => new BatchNormLayer(c),
};
