/**
 * Reduction: reduces all axes from `axis` to the end to one number per leading position (Caffe's
 * Reduction).
 *
 * Shapes: bottom seen as [outer, inner] with outer = count before `axis`; top x.shape[0, axis)
 * (shape [] for axis 0, one value).
 *   SUM    y[o] = coeff Σ_i x[o, i]          dx = coeff dy[o]
 *   ASUM   y[o] = coeff Σ_i |x[o, i]|        dx = coeff sign(x) dy[o]
 *   SUMSQ  y[o] = coeff Σ_i x[o, i]²         dx = 2 coeff x dy[o]
 *   MEAN   y[o] = coeff / inner Σ_i x[o, i]  dx = coeff / inner dy[o]
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis } from './axes.js';

export type ReductionOp = 'SUM' | 'ASUM' | 'SUMSQ' | 'MEAN';

export interface ReductionConfig extends BaseConfig {
  /** 'SUM' (default), 'ASUM', 'SUMSQ' or 'MEAN' (lower case accepted). */
  operation: ReductionOp;
  /** First axis reduced (default 0: everything); negative counts from the end. */
  axis: number;
  /** Multiplier of the result (default 1). */
  coeff: number;
}

export class ReductionLayer extends Layer<ReductionConfig> {
  private outer = 0;
  private inner = 0;
  private ones!: Buf;
  private tmp!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const x = bottoms[0];
    const axis = canonicalAxis(this.config, x, this.config.axis);
    this.outer = countOf(x.shape.slice(0, axis));
    this.inner = x.countFrom(axis);
    this.ones = this.ctx.buffer(this.inner);
    this.ctx.backend.set(this.inner, 1, this.ones);
    this.tmp = this.ctx.buffer(x.count);
    return [x.shape.slice(0, axis)];
  }

  private get factor(): number {
    return this.config.operation === 'MEAN' ? this.config.coeff / this.inner : this.config.coeff;
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const x = bottoms[0];
    let src = x.data;
    if (this.config.operation === 'ASUM') b.abs(x.count, x.data, (src = this.tmp));
    if (this.config.operation === 'SUMSQ') b.mul(x.count, x.data, x.data, (src = this.tmp));
    b.gemv(false, this.outer, this.inner, this.factor, src, this.ones, 0, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const x = bottoms[0];
    const op = this.config.operation;
    const k = op === 'SUMSQ' ? 2 * this.factor : this.factor;
    // dx[o, i] = k dy[o]: the outer product of dy with a row of ones
    b.gemm(false, false, this.outer, this.inner, 1, k, tops[0].diff, this.ones, 0, x.diff);
    if (op === 'ASUM') {
      b.sign(x.count, x.data, this.tmp);
      b.mul(x.count, x.diff, this.tmp, x.diff);
    } else if (op === 'SUMSQ') {
      b.mul(x.count, x.diff, x.data, x.diff);
    }
  }
}

export const Reduction: LayerType<ReductionConfig> = {
  type: 'Reduction',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const operation = r.oneOf('operation', ['SUM', 'ASUM', 'SUMSQ', 'MEAN', 'sum', 'asum', 'sumsq', 'mean'], 'SUM').toUpperCase() as ReductionOp;
    return { ...base, operation, axis: r.int('axis', 0), coeff: r.number('coeff', 1) };
  },
  create: (c) => new ReductionLayer(c),
};
