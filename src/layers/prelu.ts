/**
 * PReLU, the parametric ReLU with a learned negative slope per channel (Caffe's PReLU).
 *
 * Shapes: bottom [num, channels, ...] (at least 2 axes), top the same; slope a [channels], or [1]
 * when `channelShared`. The top must not be the bottom blob (backward reads x).
 *   forward   y = max(x, 0) + a_c min(x, 0)
 *   backward  dx = (x > 0 ? 1 : a_c) dy;  da_c += Σ_{n,i} dy min(x, 0)
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, type Initializer } from '../initializers/initializer.js';
import { where } from './shapes.js';

export interface PReLUConfig extends BaseConfig {
  /** One slope for all channels (default false: one per channel). */
  channelShared: boolean;
  /** Slope initializer (default Constant 0.25). */
  slopeInit: Initializer;
}

export class PReLULayer extends Layer<PReLUConfig> {
  private slope!: Param;
  private outer = 0;
  private channels = 0;
  private inner = 0;
  /** The slopes broadcast to the shape of x. */
  private expanded!: Buf;
  private tmp!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    if (x.shape.length < 2) {
      throw new ShapeError(`${where(c)}: bottom "${x.name}" must have at least 2 axes [num, channels, ...], found ${shapeStr(x.shape)}`);
    }
    const n = x.count;
    [this.outer, this.channels, this.inner] = c.channelShared ? [1, 1, n] : [x.shape[0], x.shape[1], x.countFrom(2)];
    this.slope = this.param('slope', [this.channels], c.slopeInit);
    this.expanded = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    return [x.shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const x = bottoms[0].data, y = tops[0].data;
    b.set(n, 0, this.expanded);
    b.biasForward(this.outer, this.channels, this.inner, this.slope.blob.data, this.expanded);
    b.mul(n, x, this.expanded, y);
    b.where(n, -Infinity, 0, x, y, x, y);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const x = bottoms[0].data, dy = tops[0].diff;
    if (!this.frozen) {
      b.clamp(n, -Infinity, 0, x, this.tmp);
      b.mul(n, dy, this.tmp, this.tmp);
      b.biasBackward(this.outer, this.channels, this.inner, this.tmp, this.slope.blob.diff);
    }
    if (!propagateDown[0]) return;
    const dx = bottoms[0].diff;
    b.mul(n, dy, this.expanded, dx);
    b.where(n, -Infinity, 0, x, dx, dy, dx);
  }
}

export const PReLU: LayerType<PReLUConfig> = {
  type: 'PReLU',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const config: PReLUConfig = {
      ...base,
      channelShared: r.bool('channelShared', false),
      slopeInit: readInitializer(r, 'slopeInit', constant(0.25)),
    };
    return config;
  },
  create: (c) => new PReLULayer(c),
};
