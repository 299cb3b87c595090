/**
 * Clip: y = min(max(x, min), max) elementwise (Caffe's Clip).
 *
 * Shapes: top the shape of the bottom (may be the same blob).
 *   forward   y = x - relu(x - max) + relu(min - x)      (exactly x inside the range)
 *   backward  dx = dy where min <= x <= max, else 0      (Caffe's choice at the bounds)
 * The two relu terms are kept from forward, so backward does not read x.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface ClipConfig extends BaseConfig {
  /** Lower bound (required). */
  min: number;
  /** Upper bound (required, >= min). */
  max: number;
}

export class ClipLayer extends Layer<ClipConfig> {
  private above!: Buf;
  private below!: Buf;
  private tmp!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const n = bottoms[0].count;
    this.above = this.ctx.buffer(n);
    this.below = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const x = bottoms[0].data;
    b.axpby(n, 1, x, 0, this.above);
    b.addScalar(n, -this.config.max, this.above);
    b.neuronForward('relu', n, this.above, this.above, 0);
    b.axpby(n, -1, x, 0, this.below);
    b.addScalar(n, this.config.min, this.below);
    b.neuronForward('relu', n, this.below, this.below, 0);
    b.sub(n, x, this.above, tops[0].data);
    b.add(n, tops[0].data, this.below, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    const dx = bottoms[0].diff;
    b.neuronBackward('relu', n, this.above, dy, this.tmp, 0);
    b.sub(n, dy, this.tmp, dx);
    b.neuronBackward('relu', n, this.below, dy, this.tmp, 0);
    b.sub(n, dx, this.tmp, dx);
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
