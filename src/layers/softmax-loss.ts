/**
 * SoftmaxLoss: multinomial logistic loss of the softmax of the scores (Caffe's SoftmaxWithLoss,
 * Mocha's SoftmaxLossLayer), fused for numerical stability.
 *
 * Shapes: bottoms [scores, label]; scores seen as [outer, C, inner] around `axis`, label holds
 * outer × inner class indices (any shape with that count, e.g. [N], [N, 1] or [N, H, W]);
 * top [1], the loss. The top may be left out: it is then named after the layer.
 *   forward   p = softmax(scores);  loss = -Σ_{valid (o,i)} log p[o, label[o,i], i] / normalizer
 *   backward  dscores = lossWeight (p - onehot(label)) / normalizer, 0 where the label is ignored;
 *             no gradient for the label.
 * The normalizer is the number of labels not ignored ('valid'), outer ('batch'), outer × inner
 * ('full') or 1 ('none'). The top holds the plain loss; the gradient is scaled by this layer's
 * `lossWeight`, so backward does not read the top's diff.
 */
import type { Buf, ClassGeom, LossNormalization } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { checkLabels, classGeom, defaultTop } from './shapes.js';

export interface SoftmaxLossConfig extends BaseConfig {
  /** The class axis of the scores (default 1). */
  axis: number;
  /** Weight of the loss in the net's objective (default 1). */
  lossWeight: number;
  /** A label value whose positions add no loss and no gradient (default none). */
  ignoreLabel: number | null;
  /** How the summed loss is divided: 'valid' (default), 'batch', 'full' or 'none'. */
  normalization: LossNormalization;
}

export class SoftmaxLossLayer extends Layer<SoftmaxLossConfig> {
  private geom!: ClassGeom;
  private prob!: Buf;

  override get lossWeight(): number {
    return this.config.lossWeight;
  }

  override propagatesTo(i: number): boolean {
    return i === 0;
  }

  setup(bottoms: Blob[]): Shape[] {
    this.geom = classGeom(this.config, bottoms[0], this.config.axis);
    checkLabels(this.config, this.geom, bottoms[0], bottoms[1]);
    this.prob = this.ctx.buffer(bottoms[0].count);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    b.softmaxForward(this.geom, bottoms[0].data, this.prob);
    b.softmaxLossForward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const c = this.config;
    if (propagateDown[0]) {
      this.ctx.backend.softmaxLossBackward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, c.lossWeight, bottoms[0].diff);
    }
  }
}

export const SoftmaxLoss: LayerType<SoftmaxLossConfig> = {
  type: 'SoftmaxLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return {
      ...base,
      tops: defaultTop(base),
      axis: r.int('axis', 1, { min: 0 }),
      lossWeight: r.number('lossWeight', 1, { min: 0 }),
      ignoreLabel: r.has('ignoreLabel') ? r.int('ignoreLabel') : (r.accept('ignoreLabel'), null),
      normalization: r.oneOf('normalization', ['valid', 'batch', 'full', 'none'] as const, 'valid'),
    };
  },
  create: (c) => new SoftmaxLossLayer(c),
};
