/**
 * Power: y = (shift + scale x)^power elementwise (Caffe's Power).
 *
 * Shapes: top the shape of the bottom (may be the same blob).
 *   forward   t = shift + scale x;  y = t^power
 *   backward  dx = power scale t^(power - 1) dy   (= scale dy when power is 1, 0 when power or scale is 0)
 * t is kept from forward, so backward does not read x (in place is safe).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface PowerConfig extends BaseConfig {
  /** Exponent (default 1). */
  power: number;
  /** Multiplier of x (default 1). */
  scale: number;
  /** Added after scaling (default 0). */
  shift: number;
}

export class PowerLayer extends Layer<PowerConfig> {
  private t!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    this.t = this.ctx.buffer(bottoms[0].count);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { power, scale, shift } = this.config;
    const n = bottoms[0].count;
    b.axpby(n, scale, bottoms[0].data, 0, this.t);
    if (shift !== 0) b.addScalar(n, shift, this.t);
    if (power === 1) b.copy(n, this.t, tops[0].data);
    else b.powx(n, this.t, power, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const { power, scale } = this.config;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    const k = power * scale;
    if (k === 0) {
      b.set(n, 0, dx);
    } else if (power === 1) {
      b.axpby(n, k, tops[0].diff, 0, dx);
    } else {
      b.powx(n, this.t, power - 1, this.t);
      b.mul(n, this.t, tops[0].diff, dx);
      b.scal(n, k, dx);
    }
  }
}

export const Power: LayerType<PowerConfig> = {
  type: 'Power',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, power: r.number('power', 1), scale: r.number('scale', 1), shift: r.number('shift', 0) };
  },
  create: (c) => new PowerLayer(c),
};
