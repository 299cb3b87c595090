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
 * w[label]; the normalizer is unchanged (positions, not weights, are counted). The weighted loss
 * and its gradient are computed on the host from the backend's softmax (one download of the
 * probabilities and labels per pass), as Caffe computes its label-indexed losses.
 */
import type { Buf, ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType } from '../core/layer.js';
import {
  FLT_MIN, checkClassWeights, type ClassLossConfig, LossLayer, normalizerOf, parseClassLoss, readLabels,
} from './loss-util.js';
import { checkLabels, classGeom } from './shapes.js';

/** The settings: ClassLossConfig's fields (loss-util.ts). */
export type SoftmaxLossConfig = ClassLossConfig;

export class SoftmaxLossLayer extends LossLayer<SoftmaxLossConfig> {
  private geom!: ClassGeom;
  private prob!: Buf;
  /** With class weights: w[label] (p - onehot(label)) / normalizer from the last forward. */
  private weightedGrad?: Float64Array;

  setup(bottoms: Blob[]): Shape[] {
    this.geom = classGeom(this.config, bottoms[0], this.config.axis);
    checkLabels(this.config, this.geom, bottoms[0], bottoms[1]);
    checkClassWeights(this.config, this.config.weights, this.geom, bottoms[0]);
    this.prob = this.ctx.buffer(bottoms[0].count);
    if (this.config.weights) this.weightedGrad = new Float64Array(bottoms[0].count);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    b.softmaxForward(this.geom, bottoms[0].data, this.prob);
    if (this.weightedGrad) {
      b.set(1, this.weightedForward(bottoms[1]), tops[0].data);
      return;
    }
    b.softmaxLossForward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const c = this.config;
    if (!propagateDown[0]) return;
    if (this.weightedGrad) {
      this.ctx.backend.upload(bottoms[0].diff, this.weightedGrad.map((v) => v * c.lossWeight));
    } else {
      this.ctx.backend.softmaxLossBackward(this.geom, this.prob, bottoms[1].data, c.ignoreLabel, c.normalization, c.lossWeight, bottoms[0].diff);
    }
  }

  /** The class-weighted loss, computed on the host; keeps its gradient (without lossWeight) for backward. */
  private weightedForward(label: Blob): number {
    const b = this.ctx.backend;
    const c = this.config;
    const w = c.weights!;
    const grad = this.weightedGrad!;
    const { outer, classes: C, inner } = this.geom;
    const prob = b.download(this.prob, undefined, grad.length);
    const labels = readLabels(c, b, this.geom, label, c.ignoreLabel);
    let sum = 0;
    let valid = 0;
    grad.fill(0);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const l = labels[o * inner + i];
        if (l < 0) continue;
        const base = o * C * inner + i;
        sum -= w[l] * Math.log(Math.max(prob[base + l * inner], FLT_MIN));
        for (let k = 0; k < C; k++) grad[base + k * inner] = w[l] * prob[base + k * inner];
        grad[base + l * inner] -= w[l];
        valid++;
      }
    }
    const normalizer = normalizerOf(c.normalization, valid, outer, outer * inner);
    for (let k = 0; k < grad.length; k++) grad[k] /= normalizer;
    return sum / normalizer;
  }
}

export const SoftmaxLoss: LayerType<SoftmaxLossConfig> = {
  type: 'SoftmaxLoss',
  parse: parseClassLoss,
  create: (c) => new SoftmaxLossLayer(c),
};
