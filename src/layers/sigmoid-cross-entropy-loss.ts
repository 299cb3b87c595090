/**
 * SigmoidCrossEntropyLoss (Caffe's SigmoidCrossEntropyLossLayer): cross-entropy of the sigmoid of
 * logits against targets in [0, 1], computed from the logits in the numerically stable form.
 *
 * Shapes: bottoms [x (logits), t (targets)] with the same count; top [1], the loss (named after
 * the layer when `tops` is left out).
 *   forward   ℓ_i = max(x_i, 0) - x_i t_i + log(1 + exp(-|x_i|))     (= -t log σ(x) - (1-t) log(1-σ(x)))
 *             loss = Σ_{i valid} ℓ_i / normalizer
 *   backward  dx = lossWeight (σ(x) - t) / normalizer, 0 where t equals ignoreLabel; no gradient
 *             for the targets (Caffe refuses one too).
 * The normalizer follows Caffe: 'batch' by default (the first axis of x, Caffe's choice for this
 * layer), 'valid' the number of targets not ignored, 'full' the count, 'none' 1; at least 1.
 * Every step is a Backend primitive, so the layer runs on every backend as is, and the loss and
 * the count of valid targets stay on the device.
 */
import type { Buf, LossNormalization } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import {
  checkSameCount, type LossConfig, LossLayer, normalizerOf, numOf, readIgnoreLabel, readLossWeight, readNormalization,
} from './loss-util.js';
import { defaultTop } from './shapes.js';

export interface SigmoidCrossEntropyLossConfig extends LossConfig {
  /** A target value whose elements add no loss and no gradient (default none). */
  ignoreLabel: number | null;
  /** How the summed loss is divided: 'batch' (default, as Caffe), 'valid', 'full' or 'none'. */
  normalization: LossNormalization;
}

export class SigmoidCrossEntropyLossLayer extends LossLayer<SigmoidCrossEntropyLossConfig> {
  private elem!: Buf;
  private tmp!: Buf;
  /** 1 where the target counts, 0 where it equals ignoreLabel. */
  private mask!: Buf;
  /** The normalizer when it does not depend on the targets. */
  private normalizer = 1;
  /**
   * With 'valid' normalization and an ignoreLabel: max(1, the count of valid targets) in element
   * 0, computed on the backend each forward, and a zero index to broadcast it with `gather`.
   */
  private validCount: Buf | null = null;
  private zeroIndex: Buf | null = null;

  setup(bottoms: Blob[]): Shape[] {
    checkSameCount(this.config, bottoms, 'the logits');
    const n = bottoms[0].count;
    this.elem = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    this.mask = this.ctx.buffer(n);
    this.normalizer = normalizerOf(this.config.normalization, n, numOf(bottoms[0]), n);
    if (this.config.normalization === 'valid' && this.config.ignoreLabel !== null) {
      this.validCount = this.ctx.buffer(1);
      this.zeroIndex = this.ctx.buffer(n);
    }
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    const n = bottoms[0].count;
    const x = bottoms[0].data;
    const t = bottoms[1].data;
    const { elem, tmp, mask } = this;
    // log(1 + exp(-|x|)): the exponent is never positive, so nothing overflows
    b.abs(n, x, elem);
    b.scal(n, -1, elem);
    b.exp(n, elem, elem);
    b.addScalar(n, 1, elem);
    b.log(n, elem, elem);
    b.clamp(n, 0, Infinity, x, tmp);
    b.axpy(n, 1, tmp, elem);
    b.mul(n, x, t, tmp);
    b.sub(n, elem, tmp, elem);
    if (c.ignoreLabel === null) {
      b.set(n, 1, mask);
    } else {
      // sign(|t - ignoreLabel|) is 0 exactly at the ignored targets and 1 elsewhere
      b.copy(n, t, mask);
      b.addScalar(n, -c.ignoreLabel, mask);
      b.abs(n, mask, mask);
      b.sign(n, mask, mask);
    }
    const count = this.validCount;
    if (count) {
      b.dotInto(n, mask, mask, 1, 0, count);
      b.clamp(1, 1, Infinity, count, count);
      b.dotInto(n, elem, mask, 1, 0, tops[0].data);
      b.div(1, tops[0].data, count, tops[0].data);
    } else {
      b.dotInto(n, elem, mask, 1 / this.normalizer, 0, tops[0].data);
    }
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.neuronForward('sigmoid', n, bottoms[0].data, dx, 0);
    b.sub(n, dx, bottoms[1].data, dx);
    b.mul(n, dx, this.mask, dx);
    if (this.validCount && this.zeroIndex) {
      b.scal(n, this.config.lossWeight, dx);
      b.gather(n, 1, this.validCount, this.zeroIndex, 1, this.tmp);
      b.div(n, dx, this.tmp, dx);
    } else {
      b.scal(n, this.config.lossWeight / this.normalizer, dx);
    }
  }
}

export const SigmoidCrossEntropyLoss: LayerType<SigmoidCrossEntropyLossConfig> = {
  type: 'SigmoidCrossEntropyLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return {
      ...base,
      tops: defaultTop(base),
      lossWeight: readLossWeight(r),
      ignoreLabel: readIgnoreLabel(r),
      normalization: readNormalization(r, 'batch'),
    };
  },
  create: (c) => new SigmoidCrossEntropyLossLayer(c),
};
