/**
 * HingeLoss. With `labels: 'index'` (default) Caffe's HingeLossLayer: the one-versus-all hinge
 * loss of a multi-class classifier, labels as class indices. With `labels: 'sign'` Mocha's
 * HingeLossLayer: a binary loss with one ±1 label per score (the label blob has the scores' count),
 *   m = max(0, 1 - y ŷ),  loss = Σ m / N (L1) or Σ m² / N (L2),  dŷ = -y (L1) or -2 y m (L2), × lossWeight / N.
 *
 * Shapes: bottoms [scores, label]; scores [N, ...] flattened to N × C (C = count / N), label holds
 * N class indices; top [1], the loss (named after the layer when `tops` is left out).
 *   m[n, c] = max(0, 1 + δ[n, c] scores[n, c]),   δ = -1 for the labelled class, +1 otherwise
 *   forward   'L1': loss = Σ m / N;   'L2': loss = Σ m² / N
 *   backward  'L1': dscores = lossWeight δ sign(m) / N;   'L2': dscores = 2 lossWeight δ m / N
 * No gradient for the label. The loss and its gradient are computed on the backend
 * (`hingeLossForward`/`hingeLossBackward`), so a device never waits for the host here. A label
 * that is not a class index is a DataError on the CPU backends; on a device it makes the loss NaN,
 * and the next read from the device reports it.
 */
import type { ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { type LossConfig, LossLayer, numOf, readLossWeight } from './loss-util.js';
import { checkLabels, defaultTop, where } from './shapes.js';
import { ShapeError } from '../core/errors.js';

export interface HingeLossConfig extends LossConfig {
  /** 'L1' (default) sums the margins, 'L2' their squares (Caffe's HingeLossParameter.norm). */
  norm: 'L1' | 'L2';
  /** 'index' (default): class indices, Caffe's loss; 'sign': ±1 per score, Mocha's binary loss. */
  labels: 'index' | 'sign';
}

export class HingeLossLayer extends LossLayer<HingeLossConfig> {
  private geom!: ClassGeom;

  setup(bottoms: Blob[]): Shape[] {
    const num = numOf(bottoms[0]);
    this.geom = { outer: num, classes: bottoms[0].count / num, inner: 1 };
    if (this.config.labels === 'index') checkLabels(this.config, this.geom, bottoms[0], bottoms[1]);
    else if (bottoms[1].count !== bottoms[0].count) {
      throw new ShapeError(`${where(this.config)}: with labels 'sign' the label blob "${bottoms[1].name}" needs one ±1 per score (${bottoms[0].count}), found ${bottoms[1].count}`);
    }
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const c = this.config;
    this.ctx.backend.hingeLossForward(this.geom, bottoms[0].data, bottoms[1].data, c.labels, c.norm, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const c = this.config;
    this.ctx.backend.hingeLossBackward(this.geom, bottoms[0].data, bottoms[1].data, c.labels, c.norm, c.lossWeight, bottoms[0].diff);
  }
}

export const HingeLoss: LayerType<HingeLossConfig> = {
  type: 'HingeLoss',
  parse(r, base) {
    expectBlobs(r, base, 2, [0, 1]);
    return {
      ...base,
      tops: defaultTop(base),
      norm: r.oneOf('norm', ['L1', 'L2'] as const, 'L1'),
      labels: r.oneOf('labels', ['index', 'sign'] as const, 'index'),
      lossWeight: readLossWeight(r),
    };
  },
  create: (c) => new HingeLossLayer(c),
};
