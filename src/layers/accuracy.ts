/**
 * Accuracy: the fraction of positions whose label is among the topK highest scores.
 *
 * Shapes: bottoms [scores, label] as for SoftmaxLoss (scores [outer, C, inner] around `axis`,
 * outer × inner labels); top [1]. The top may be left out: it is then named after the layer.
 *   forward   acc = |{(o, i) valid : label[o, i] among the topK of scores[o, :, i]}| / |valid|
 *             (a score tied with the label's counts against it, as in Caffe)
 *   backward  none: no gradient flows to either bottom.
 */
import type { ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { checkLabels, classGeom, defaultTop, where } from './shapes.js';
import { readIgnoreLabel } from './loss-util.js';

export interface AccuracyConfig extends BaseConfig {
  /** The class axis of the scores (default 1). */
  axis: number;
  /** A prediction is right when the label is among the topK scores (default 1). */
  topK: number;
  /** A label value whose positions are not counted (default none). */
  ignoreLabel: number | null;
}

export class AccuracyLayer extends Layer<AccuracyConfig> {
  override get isMetric(): boolean {
    return true;
  }

  private geom!: ClassGeom;

  override propagatesTo(): boolean {
    return false;
  }

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.geom = classGeom(c, bottoms[0], c.axis);
    checkLabels(c, this.geom, bottoms[0], bottoms[1]);
    if (c.topK > this.geom.classes) {
      throw new ShapeError(`${where(c)}: field "topK" is ${c.topK} but scores "${bottoms[0].name}" have only ${this.geom.classes} classes`);
    }
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const c = this.config;
    this.ctx.backend.accuracyForward(this.geom, bottoms[0].data, bottoms[1].data, c.topK, c.ignoreLabel, tops[0].data);
  }
}

export const Accuracy: LayerType<AccuracyConfig> = {
  type: 'Accuracy',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return {
      ...base,
      tops: defaultTop(base),
      axis: r.int('axis', 1, { min: 0 }),
      topK: r.int('topK', 1, { min: 1 }),
      ignoreLabel: readIgnoreLabel(r),
    };
  },
  create: (c) => new AccuracyLayer(c),
};
