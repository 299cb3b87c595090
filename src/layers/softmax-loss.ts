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
 *
 * Class weights (Mocha's `weights`): with w[c] one weight per class, rescaled to sum to C as
 * Mocha's default `normalize: :local` does, each position's loss and gradient are multiplied by
 * w[label]; the normalizer is unchanged (positions, not weights, are counted). The weights live
 * on the backend, so the weighted loss runs there too.
 */
import type { Buf, ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType } from '../core/layer.js';
import { checkClassWeights, type ClassLossConfig, LossLayer, classWeightsBuffer, parseClassLoss } from './loss-util.js';
import { checkLabels, classGeom } from './shapes.js';

/** The settings: ClassLossConfig's fields (loss-util.ts). */
export type SoftmaxLossConfig = ClassLossConfig;

export class SoftmaxLossLayer extends LossLayer<SoftmaxLossConfig> {
  private geom!: ClassGeom;
  private prob!: Buf;
  private weights: Buf | null = null;

  setup(bottoms: Blob[]): Shape[] {
    this.geom = classGeom(this.config, bottoms[0], this.config.axis);
    checkLabels(this.config, this.geom, bottoms[0], bottoms[1]);
    checkClassWeights(this.config, this.config.weights, this.geom, bottoms[0]);
    this.prob = this.ctx.buffer(bottoms[0].count);
    this.weights = classWeightsBuffer(this.ctx, this.config.weights);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    b.softmaxForward(this.geom, bottoms[0].data, this.prob);
    b.softmaxLossForward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, tops[0].data, this.weights);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const c = this.config;
    if (!propagateDown[0]) return;
    this.ctx.backend.softmaxLossBackward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, c.lossWeight,
      bottoms[0].diff, this.weights);
  }
}

export const SoftmaxLoss: LayerType<SoftmaxLossConfig> = {
  type: 'SoftmaxLoss',
  parse: parseClassLoss,
  create: (c) => new SoftmaxLossLayer(c),
};
