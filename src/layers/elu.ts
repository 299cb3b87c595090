/**
 * ELU, the exponential linear unit (Caffe's ELU).
 *
 * Shapes: top the shape of the bottom (may be the same blob).
 *   forward   y = x > 0 ? x : alpha (exp(x) - 1)   computed as relu(x) + alpha (exp(min(x, 0)) - 1)
 *   backward  dx = x > 0 ? dy : alpha exp(x) dy
 * relu(x) and exp(min(x, 0)) are kept from forward, so backward does not read x.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface ELUConfig extends BaseConfig {
  /** Scale of the negative part (default 1). */
  alpha: number;
}

export class ELULayer extends Layer<ELUConfig> {
  private pos!: Buf;
  private expNeg!: Buf;
  private tmp!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const n = bottoms[0].count;
    this.pos = this.ctx.buffer(n);
    this.expNeg = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const { alpha } = this.config;
    b.neuronForward('relu', n, bottoms[0].data, this.pos, 0);
    b.sub(n, bottoms[0].data, this.pos, this.expNeg);
    b.exp(n, this.expNeg, this.expNeg);
    b.axpby(n, alpha, this.expNeg, 0, tops[0].data);
    b.addScalar(n, -alpha, tops[0].data);
    b.add(n, tops[0].data, this.pos, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    const dx = bottoms[0].diff;
    // dx = [x > 0] dy + alpha exp(min(x, 0)) (dy - [x > 0] dy)
    b.neuronBackward('relu', n, this.pos, dy, this.tmp, 0);
    b.sub(n, dy, this.tmp, dx);
    b.mul(n, dx, this.expNeg, dx);
    b.axpby(n, 1, this.tmp, this.config.alpha, dx);
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
