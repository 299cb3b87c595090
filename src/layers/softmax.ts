/**
 * Softmax over one axis (default 1, the channels).
 *
 * Shapes: bottom x seen as [outer, C, inner] around `axis`; top y the same shape as x.
 *   forward   y[o, c, i] = exp(x[o, c, i]) / Σ_c' exp(x[o, c', i])
 *   backward  dx = y ⊙ (dy - Σ_c (dy ⊙ y))
 */
import type { ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { classGeom } from './shapes.js';

export interface SoftmaxConfig extends BaseConfig {
  /** The class axis normalized over (default 1). */
  axis: number;
}

export class SoftmaxLayer extends Layer<SoftmaxConfig> {
  private geom!: ClassGeom;

  setup(bottoms: Blob[]): Shape[] {
    this.geom = classGeom(this.config, bottoms[0], this.config.axis);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.softmaxForward(this.geom, bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (propagateDown[0]) this.ctx.backend.softmaxBackward(this.geom, tops[0].data, tops[0].diff, bottoms[0].diff);
  }
}

export const Softmax: LayerType<SoftmaxConfig> = {
  type: 'Softmax',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, axis: r.int('axis', 1, { min: 0 }) };
  },
  create: (c) => new SoftmaxLayer(c),
};
