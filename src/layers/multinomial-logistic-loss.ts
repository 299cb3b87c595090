/**
 * MultinomialLogisticLoss (Caffe's MultinomialLogisticLossLayer, Mocha's with class weights):
 * negative log-likelihood of the labelled class, on probabilities (the output of a Softmax layer).
 * For scores prefer SoftmaxLoss, which fuses the two stably.
 *
 * Shapes: bottoms [prob, label]; prob seen as [outer, C, inner] around `axis`, label holds
 * outer × inner class indices; top [1], the loss (named after the layer when `tops` is left out).
 * With w the class weights (all 1 when `weights` is not given) and p̂ = max(p, FLT_MIN):
 *   forward   loss = -Σ_{valid (o,i)} w[l] log p̂[o, l, i] / normalizer,   l = label[o, i]
 *   backward  dprob[o, l, i] = -lossWeight w[l] / (p̂[o, l, i] normalizer), 0 elsewhere and at
 *             ignored positions; no gradient for the label.
 * The normalizer is as in SoftmaxLoss ('valid' by default, which for a label per sample is Caffe's
 * division by the batch). Caffe's floor here is 1e-20; Cortado uses FLT_MIN for every log floor.
 * Like Caffe's, this layer reads the probabilities and labels on the host (one download of each
 * per pass): it is a cheap final layer, and it then runs on every backend without a kernel.
 */
import type { ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType } from '../core/layer.js';
import {
  FLT_MIN, checkClassWeights, type ClassLossConfig, LossLayer, normalizerOf, parseClassLoss, readLabels, setScalar,
} from './loss-util.js';
import { checkLabels, classGeom } from './shapes.js';

/** The settings: ClassLossConfig's fields (loss-util.ts). */
export type MultinomialLogisticLossConfig = ClassLossConfig;

export class MultinomialLogisticLossLayer extends LossLayer<MultinomialLogisticLossConfig> {
  private geom!: ClassGeom;
  private grad!: Float64Array;
  private normalizer = 1;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.geom = classGeom(c, bottoms[0], c.axis);
    checkLabels(c, this.geom, bottoms[0], bottoms[1]);
    checkClassWeights(c, c.weights, this.geom, bottoms[0]);
    this.grad = new Float64Array(bottoms[0].count);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const c = this.config;
    const { outer, classes: C, inner } = this.geom;
    const prob = b.download(bottoms[0].data, undefined, bottoms[0].count);
    const labels = readLabels(c, b, this.geom, bottoms[1], c.ignoreLabel);
    const grad = this.grad;
    grad.fill(0);
    let sum = 0;
    let valid = 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const l = labels[o * inner + i];
        if (l < 0) continue;
        const at = (o * C + l) * inner + i;
        const w = c.weights ? c.weights[l] : 1;
        const p = Math.max(prob[at], FLT_MIN);
        sum -= w * Math.log(p);
        grad[at] = -w / p;
        valid++;
      }
    }
    this.normalizer = normalizerOf(c.normalization, valid, outer, outer * inner);
    setScalar(b, sum / this.normalizer, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const scale = this.config.lossWeight / this.normalizer;
    this.ctx.backend.upload(bottoms[0].diff, this.grad.map((v) => v * scale));
  }
}

export const MultinomialLogisticLoss: LayerType<MultinomialLogisticLossConfig> = {
  type: 'MultinomialLogisticLoss',
  parse: parseClassLoss,
  create: (c) => new MultinomialLogisticLossLayer(c),
};
