/**
 * BinaryCrossEntropyLoss (Mocha's BinaryCrossEntropyLossLayer): cross-entropy of probabilities
 * (e.g. the output of a Sigmoid layer) against targets in [0, 1]. For logits prefer
 * SigmoidCrossEntropyLoss, which is stable where this one has to clamp.
 *
 * Shapes: bottoms [p (probabilities), t (targets)] with the same count; top [1], the loss (named
 * after the layer when `tops` is left out). With p̂ = max(p, FLT_MIN), q̂ = max(1 - p, FLT_MIN)
 * (Caffe's floor before a log; Mocha takes the plain log):
 *   forward   loss = -Σ_i (t_i log p̂_i + (1 - t_i) log q̂_i) / N,   N = the first axis of p
 *   backward  dp = -lossWeight (t / p̂ - (1 - t) / q̂) / N;  dt = -lossWeight (log p̂ - log q̂) / N
 * Both bottoms receive a gradient, as in Mocha. Composed of Backend primitives.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { FLT_MIN, checkSameCount, type LossConfig, LossLayer, numOf, readLossWeight } from './loss-util.js';
import { defaultTop } from './shapes.js';

/** No fields besides `lossWeight` (default 1). */
export type BinaryCrossEntropyLossConfig = LossConfig;

export class BinaryCrossEntropyLossLayer extends LossLayer<BinaryCrossEntropyLossConfig> {
  /** p̂, q̂, log p̂, log q̂, 1 - t and a scratch buffer, each of the bottoms' count. */
  private p!: Buf;
  private q!: Buf;
  private logP!: Buf;
  private logQ!: Buf;
  private notT!: Buf;
  private tmp!: Buf;
  private num = 1;

  /** Both bottoms receive a gradient (the targets too, as in Mocha). */
  override propagatesTo(): boolean {
    return true;
  }

  setup(bottoms: Blob[]): Shape[] {
    checkSameCount(this.config, bottoms);
    const n = bottoms[0].count;
    this.num = numOf(bottoms[0]);
    [this.p, this.q, this.logP, this.logQ, this.notT, this.tmp] = Array.from({ length: 6 }, () => this.ctx.buffer(n));
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const { p, q, logP, logQ, notT } = this;
    b.clamp(n, FLT_MIN, Infinity, bottoms[0].data, p);
    b.copy(n, bottoms[0].data, q);
    b.scal(n, -1, q);
    b.addScalar(n, 1, q);
    b.clamp(n, FLT_MIN, Infinity, q, q);
    b.log(n, p, logP);
    b.log(n, q, logQ);
    b.copy(n, bottoms[1].data, notT);
    b.scal(n, -1, notT);
    b.addScalar(n, 1, notT);
    b.dotInto(n, bottoms[1].data, logP, -1 / this.num, 0, tops[0].data);
    b.dotInto(n, notT, logQ, -1 / this.num, 1, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const scale = -this.config.lossWeight / this.num;
    if (propagateDown[0]) {
      const dp = bottoms[0].diff;
      b.div(n, bottoms[1].data, this.p, dp);
      b.div(n, this.notT, this.q, this.tmp);
      b.sub(n, dp, this.tmp, dp);
      b.scal(n, scale, dp);
    }
    if (propagateDown[1]) {
      const dt = bottoms[1].diff;
      b.sub(n, this.logP, this.logQ, dt);
      b.scal(n, scale, dt);
    }
  }
}

export const BinaryCrossEntropyLoss: LayerType<BinaryCrossEntropyLossConfig> = {
  type: 'BinaryCrossEntropyLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return { ...base, tops: defaultTop(base), lossWeight: readLossWeight(r) };
  },
  create: (c) => new BinaryCrossEntropyLossLayer(c),
};
