/**
 * Helpers shared by the loss layers: their base class, the common config fields, the check that
 * two bottoms hold the same number of values, and the class weights of the losses that pick one
 * class per position.
 */
import type { Buf, ClassGeom, LossNormalization } from '../backend/backend.js';
import type { Blob } from '../core/blob.js';
import type { ConfigReader } from '../core/config.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerContext } from '../core/layer.js';
import { defaultTop, where } from './shapes.js';

/** The smallest positive normal float32: Caffe's floor on probabilities before the log. */
export const FLT_MIN = 1.17549435e-38;

/** The field every loss layer has. */
export interface LossConfig extends BaseConfig {
  /** Weight of the loss in the net's objective (default 1). */
  lossWeight: number;
}

/**
 * The base of the loss layers: the weight of the loss in the net's objective comes from the
 * config, and only the first bottom (the prediction) receives a gradient, as in Caffe's LossLayer:
 * labels and targets get none. A loss that differentiates its other bottoms too overrides
 * `propagatesTo`.
 */
export abstract class LossLayer<C extends LossConfig = LossConfig> extends Layer<C> {
  override get lossWeight(): number {
    return this.config.lossWeight;
  }

  override propagatesTo(i: number): boolean {
    return i === 0;
  }
}

/** The settings of a loss over class scores (or probabilities) and labels: SoftmaxLoss and MultinomialLogisticLoss. */
export interface ClassLossConfig extends LossConfig {
  /** The class axis of the scores (default 1). */
  axis: number;
  /** A label value whose positions add no loss and no gradient (default none). */
  ignoreLabel: number | null;
  /** How the summed loss is divided: 'valid' (default), 'batch', 'full' or 'none'. */
  normalization: LossNormalization;
  /** One weight per class, rescaled to sum to the class count as Mocha does (default none: all 1). */
  weights: number[] | null;
}

/** Reads a ClassLossConfig: bottoms scores and labels, one top (default: the layer's name). */
export function parseClassLoss(r: ConfigReader, base: BaseConfig): ClassLossConfig {
  expectBlobs(r, base, 2, [0, 1]);
  return {
    ...base,
    tops: defaultTop(base),
    axis: r.int('axis', 1, { min: 0 }),
    lossWeight: readLossWeight(r),
    ignoreLabel: readIgnoreLabel(r),
    normalization: readNormalization(r, 'valid'),
    weights: readClassWeights(r),
  };
}

/** `lossWeight` (default 1, at least 0). */
export function readLossWeight(r: ConfigReader): number {
  return r.number('lossWeight', 1, { min: 0 });
}

/** `normalization`, how a summed loss is divided (see normalizerOf). */
export function readNormalization(r: ConfigReader, fallback: LossNormalization): LossNormalization {
  return r.oneOf('normalization', ['valid', 'batch', 'full', 'none'] as const, fallback);
}

/** `ignoreLabel` (default none). */
export function readIgnoreLabel(r: ConfigReader): number | null {
  if (r.has('ignoreLabel')) return r.int('ignoreLabel');
  r.accept('ignoreLabel');
  return null;
}

/** Checks that bottoms 0 and 1 hold the same number of values (prediction and target). */
export function checkSameCount(c: BaseConfig, bottoms: Blob[], what = 'the prediction'): void {
  const [a, b] = bottoms;
  if (a.count !== b.count) {
    throw new ShapeError(`${where(c)}: bottom "${b.name}" ${shapeStr(b.shape)} must hold one value per value of ${what} "${a.name}" ${shapeStr(a.shape)}, that is ${a.count} values, found ${b.count}`);
  }
}

/** The first axis of a bottom (Caffe's num, Mocha's get_num), at least 1. */
export function numOf(bottom: Blob): number {
  return Math.max(1, bottom.shape.length > 0 ? bottom.shape[0] : 1);
}

/** Caffe's LossLayer::GetNormalizer for elementwise losses: at least 1 in every mode. */
export function normalizerOf(mode: LossNormalization, valid: number, num: number, count: number): number {
  switch (mode) {
    case 'valid': return Math.max(1, valid);
    case 'batch': return Math.max(1, num);
    case 'full': return Math.max(1, count);
    case 'none': return 1;
  }
}

/**
 * Per-class weights as Mocha applies them by default (normalize = :local): rescaled so that they
 * sum to the number of classes, so that equal weights change nothing. Null when none are given.
 */
export function readClassWeights(r: ConfigReader): number[] | null {
  if (!r.has('weights')) {
    r.accept('weights');
    return null;
  }
  const w = r.numbers('weights', undefined, { min: 0 });
  const sum = w.reduce((s, v) => s + v, 0);
  if (w.length === 0 || !(sum > 0)) r.fail('weights', 'a non-empty list of class weights >= 0 with a positive sum', w);
  return w.map((v) => (v * w.length) / sum);
}

/** The class weights as a buffer on the backend, uploaded once (null when none are given). */
export function classWeightsBuffer(ctx: LayerContext, weights: number[] | null): Buf | null {
  if (!weights) return null;
  const buf = ctx.buffer(weights.length);
  ctx.backend.upload(buf, weights);
  return buf;
}

/** Checks that a weights list has one entry per class. */
export function checkClassWeights(c: BaseConfig, weights: number[] | null, g: ClassGeom, scores: Blob): void {
  if (weights && weights.length !== g.classes) {
    throw new ShapeError(`${where(c)}: field "weights" has ${weights.length} entries but bottom "${scores.name}" ${shapeStr(scores.shape)} has ${g.classes} classes; give one weight per class`);
  }
}
