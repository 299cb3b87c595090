/**
 * AbsVal: y = |x| elementwise (Caffe's AbsVal).
 *
 * Shapes: top the shape of the bottom.
 *   forward   y = |x|
 *   backward  dx = sign(x) dy
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export class AbsValLayer extends Layer<BaseConfig> {
  setup(bottoms: Blob[]): Shape[] {
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.abs(bottoms[0].count, bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const x = bottoms[0];
    b.sign(x.count, x.data, x.diff);
    b.mul(x.count, x.diff, tops[0].diff, x.diff);
  }
}

export const AbsVal: LayerType<BaseConfig> = {
  type: 'AbsVal',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return base;
  },
  create: (c) => new AbsValLayer(c),
};
