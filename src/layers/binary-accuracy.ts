/**
 * BinaryAccuracy (Mocha's BinaryAccuracyLayer): the fraction of predictions on the same side of a
 * threshold as their target.
 *
 * Shapes: bottoms [pred, label] with the same count; top [1] (named after the layer when `tops`
 * is left out).
 *   forward   acc = |{i : (pred_i > threshold) = (label_i > threshold)}| / count
 *   backward  none: no gradient flows to either bottom.
 * The threshold is 0 by default, as in Mocha: for scores (logits) with labels in {-1, 1} or
 * {0, 1}. For probabilities (a Sigmoid's output) with labels in {0, 1}, set `threshold` to 0.5.
 * The values are compared on the backend (`binaryAccuracy`).
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { checkSameCount } from './loss-util.js';
import { defaultTop } from './shapes.js';

export interface BinaryAccuracyConfig extends BaseConfig {
  /** The decision threshold (default 0). */
  threshold: number;
}

export class BinaryAccuracyLayer extends Layer<BinaryAccuracyConfig> {
  override get isMetric(): boolean {
    return true;
  }

  override propagatesTo(): boolean {
    return false;
  }

  setup(bottoms: Blob[]): Shape[] {
    checkSameCount(this.config, bottoms);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.binaryAccuracy(bottoms[0].count, bottoms[0].data, bottoms[1].data, this.config.threshold, tops[0].data);
  }
}

export const BinaryAccuracy: LayerType<BinaryAccuracyConfig> = {
  type: 'BinaryAccuracy',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return { ...base, tops: defaultTop(base), threshold: r.number('threshold', 0) };
  },
  create: (c) => new BinaryAccuracyLayer(c),
};
