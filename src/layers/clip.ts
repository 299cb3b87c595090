/**
 * Clip: y = min(max(x, min), max) elementwise (Caffe's Clip).
 *
 * Shapes: top the shape of the bottom; the top must not be the bottom blob (backward reads x).
 *   forward   y = clamp(x, min, max)
 *   backward  dx = dy where min <= x <= max, else 0      (Caffe's choice at the bounds)
 * A NaN x gives a NaN y and a NaN dx.
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface ClipConfig extends BaseConfig {
  /** Lower bound (required). */
  min: number;
  /** Upper bound (required, >= min). */
  max: number;
}

export class ClipLayer extends Layer<ClipConfig> {
  setup(bottoms: Blob[]): Shape[] {
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.clamp(bottoms[0].count, this.config.min, this.config.max, bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.set(n, 0, dx);
    b.where(n, this.config.min, this.config.max, bottoms[0].data, tops[0].diff, dx, dx);
  }
}

export const Clip: LayerType<ClipConfig> = {
  type: 'Clip',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const min = r.number('min');
    const max = r.number('max');
    if (max < min) r.fail('max', `>= "min" (${min})`, max);
    return { ...base, min, max };
  },
  create: (c) => new ClipLayer(c),
};
