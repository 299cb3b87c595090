/**
 * ELU, the exponential linear unit (Caffe's ELU).
 *
 * Shapes: top the shape of the bottom; the top must not be the bottom blob (backward reads x).
 *   forward   y = x > 0 ? x : alpha (exp(x) - 1)   with e = exp(min(x, 0)) kept for backward
 *   backward  dx = x > 0 ? dy : alpha e dy
 * At x = 0 the negative side's slope alpha is taken, as Caffe does.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface ELUConfig extends BaseConfig {
  /** Scale of the negative part (default 1). */
  alpha: number;
}

export class ELULayer extends Layer<ELUConfig> {
  private e!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    this.e = this.ctx.buffer(bottoms[0].count);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const { alpha } = this.config;
    const x = bottoms[0].data, y = tops[0].data;
    b.clamp(n, -Infinity, 0, x, this.e);
    b.exp(n, this.e, this.e);
    b.axpby(n, alpha, this.e, 0, y);
    b.addScalar(n, -alpha, y);
    b.where(n, -Infinity, 0, x, y, x, y);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff, dx = bottoms[0].diff;
    b.mul(n, dy, this.e, dx);
    b.scal(n, this.config.alpha, dx);
    b.where(n, -Infinity, 0, bottoms[0].data, dx, dy, dx);
  }
}

export const ELU: LayerType<ELUConfig> = {
  type: 'ELU',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, alpha: r.number('alpha', 1) };
  },
  create: (c) => new ELULayer(c),
};
