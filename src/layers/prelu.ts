/**
 * PReLU, the parametric ReLU with a learned negative slope per channel (Caffe's PReLU).
 *
 * Shapes: bottom [num, channels, ...] (at least 2 axes), top the same; slope a [channels], or [1]
 * when `channelShared`.
 *   forward   y = max(x, 0) + a_c min(x, 0)
 *   backward  dx = (x > 0 ? 1 : a_c) dy;  da_c += Σ_{n,i} dy min(x, 0)
 * max(x, 0) and min(x, 0) are kept from forward, so backward does not read x (in place is safe).
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
  private pos!: Buf;
  private neg!: Buf;
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
    this.pos = this.ctx.buffer(n);
    this.neg = this.ctx.buffer(n);
    this.expanded = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    return [x.shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    b.neuronForward('relu', n, bottoms[0].data, this.pos, 0);
    b.sub(n, bottoms[0].data, this.pos, this.neg);
    b.set(n, 0, this.expanded);
    b.biasForward(this.outer, this.channels, this.inner, this.slope.blob.data, this.expanded);
    b.mul(n, this.neg, this.expanded, tops[0].data);
    b.add(n, tops[0].data, this.pos, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    if (!this.frozen) {
      b.mul(n, dy, this.neg, this.tmp);
      b.biasBackward(this.outer, this.channels, this.inner, this.tmp, this.slope.blob.diff);
    }
    if (!propagateDown[0]) return;
    const dx = bottoms[0].diff;
    // dx = [x > 0] dy + a (dy - [x > 0] dy)
    b.neuronBackward('relu', n, this.pos, dy, this.tmp, 0);
    b.sub(n, dy, this.tmp, dx);
    b.mul(n, dx, this.expanded, dx);
    b.add(n, dx, this.tmp, dx);
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
