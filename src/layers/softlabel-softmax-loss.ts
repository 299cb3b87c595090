/**
 * SoftlabelSoftmaxLoss (Mocha's SoftlabelSoftmaxLossLayer): softmax cross-entropy against soft
 * targets, a probability distribution over the classes at every position instead of a class index
 * (label smoothing, distillation).
 *
 * Shapes: bottoms [scores, target] of the same shape; both seen as [outer, C, inner] around
 * `axis`; top [1], the loss (named after the layer when `tops` is left out).
 *   forward   p = softmax(scores);  loss = -Σ_{o,c,i} t[o,c,i] log max(p[o,c,i], FLT_MIN) / (outer × inner)
 *   backward  dscores = lossWeight (p - t) / (outer × inner);  no gradient for the target
 * As in Mocha, the gradient assumes each target sums to 1 over the classes (the exact one is
 * p Σ_c t - t); targets that do not sum to 1 get Mocha's gradient, not the true one.
 * Composed of Backend primitives.
 */
import type { Buf, ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { FLT_MIN, type LossConfig, LossLayer, readLossWeight } from './loss-util.js';
import { classGeom, defaultTop, where } from './shapes.js';

export interface SoftlabelSoftmaxLossConfig extends LossConfig {
  /** The class axis (default 1). */
  axis: number;
}

export class SoftlabelSoftmaxLossLayer extends LossLayer<SoftlabelSoftmaxLossConfig> {
  private geom!: ClassGeom;
  private prob!: Buf;
  private logProb!: Buf;
  private positions = 1;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [scores, target] = bottoms;
    this.geom = classGeom(c, scores, c.axis);
    if (scores.shape.length !== target.shape.length || scores.shape.some((d, i) => d !== target.shape[i])) {
      throw new ShapeError(`${where(c)}: target "${target.name}" must have the shape of scores "${scores.name}" ${shapeStr(scores.shape)} (a distribution over the ${this.geom.classes} classes at every position), found ${shapeStr(target.shape)}`);
    }
    this.positions = Math.max(1, this.geom.outer * this.geom.inner);
    this.prob = this.ctx.buffer(scores.count);
    this.logProb = this.ctx.buffer(scores.count);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    b.softmaxForward(this.geom, bottoms[0].data, this.prob);
    b.clamp(n, FLT_MIN, Infinity, this.prob, this.logProb);
    b.log(n, this.logProb, this.logProb);
    b.dotInto(n, bottoms[1].data, this.logProb, -1 / this.positions, 0, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.sub(n, this.prob, bottoms[1].data, dx);
    b.scal(n, this.config.lossWeight / this.positions, dx);
  }
}

export const SoftlabelSoftmaxLoss: LayerType<SoftlabelSoftmaxLossConfig> = {
  type: 'SoftlabelSoftmaxLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return { ...base, tops: defaultTop(base), axis: r.int('axis', 1, { min: 0 }), lossWeight: readLossWeight(r) };
  },
  create: (c) => new SoftlabelSoftmaxLossLayer(c),
};
