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
 * The forward is SoftmaxLoss's loss on probabilities (`softmaxLossForward`) and the backward
 * `nllBackward`, both on the backend: a device never waits for the host here.
 */
import type { Buf, ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType } from '../core/layer.js';
import { checkClassWeights, type ClassLossConfig, LossLayer, classWeightsBuffer, parseClassLoss } from './loss-util.js';
import { checkLabels, classGeom } from './shapes.js';

/** The settings: ClassLossConfig's fields (loss-util.ts). */
export type MultinomialLogisticLossConfig = ClassLossConfig;

export class MultinomialLogisticLossLayer extends LossLayer<MultinomialLogisticLossConfig> {
  private geom!: ClassGeom;
  private weights: Buf | null = null;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.geom = classGeom(c, bottoms[0], c.axis);
    checkLabels(c, this.geom, bottoms[0], bottoms[1]);
    checkClassWeights(c, c.weights, this.geom, bottoms[0]);
    this.weights = classWeightsBuffer(this.ctx, c.weights);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const c = this.config;
    this.ctx.backend.softmaxLossForward(this.geom, bottoms[0].data, bottoms[1].data, c.ignoreLabel, c.normalization, tops[0].data, this.weights);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const c = this.config;
    this.ctx.backend.nllBackward(this.geom, bottoms[0].data, bottoms[1].data, c.ignoreLabel, c.normalization, c.lossWeight,
      bottoms[0].diff, this.weights);
  }
}

export const MultinomialLogisticLoss: LayerType<MultinomialLogisticLossConfig> = {
  type: 'MultinomialLogisticLoss',
  parse: parseClassLoss,
  create: (c) => new MultinomialLogisticLossLayer(c),
};
