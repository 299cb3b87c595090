/**
 * Softmax and LogSoftmax over one axis (default 1, the channels).
 *
 * Shapes: bottom x seen as [outer, C, inner] around `axis`; top y the same shape as x.
 *   Softmax     forward   y[o, c, i] = exp(x[o, c, i]) / Σ_c' exp(x[o, c', i])
 *               backward  dx = y ⊙ (dy - Σ_c (dy ⊙ y))
 *   LogSoftmax  forward   y[o, c, i] = x[o, c, i] - log Σ_c' exp(x[o, c', i])  (PyTorch's LogSoftmax,
 *                         computed about the max, so finite wherever x is)
 *               backward  dx = dy - exp(y) ⊙ Σ_c dy
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
  private readonly log: boolean;

  constructor(config: SoftmaxConfig, log = false) {
    super(config);
    this.log = log;
  }

  setup(bottoms: Blob[]): Shape[] {
    this.geom = classGeom(this.config, bottoms[0], this.config.axis);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    if (this.log) b.logSoftmaxForward(this.geom, bottoms[0].data, tops[0].data);
    else b.softmaxForward(this.geom, bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    if (this.log) b.logSoftmaxBackward(this.geom, tops[0].data, tops[0].diff, bottoms[0].diff);
    else b.softmaxBackward(this.geom, tops[0].data, tops[0].diff, bottoms[0].diff);
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

export const LogSoftmax: LayerType<SoftmaxConfig> = {
  type: 'LogSoftmax',
  parse: Softmax.parse,
  create: (c) => new SoftmaxLayer(c, true),
};
