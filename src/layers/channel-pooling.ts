/**
 * ChannelPooling: max or mean pooling across channels at each position (Mocha's ChannelPooling),
 * run as 2-d pooling of the bottom seen as [outer, 1, channels, inner] with a kernel × 1 window.
 *
 * Shapes: bottom x with C = x.shape[axis]; top as x with C replaced by
 *   outC = ceil((C + 2 pad - kernel) / stride) + 1, minus 1 when pad > 0 and the last window would
 *   start inside the padding (Pooling's rule).
 *   forward   y[o, k, i] = max or mean of x[o, c, i] over the channels c of window k
 *   backward  max: dy goes to the winning channel; mean: dy / window size to each channel of the
 *             window (the window clipped to the padded channels, as Pooling)
 */
import type { Buf, PoolGeom, PoolMethod } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis } from './axes.js';
import { pooledSize, readPoolMethod } from './pooling.js';
import { where } from './shapes.js';

export interface ChannelPoolingConfig extends BaseConfig {
  /** 'max' (default) or 'mean' ('MAX' and 'AVE' accepted). */
  method: PoolMethod;
  /** Window size over the channels (required). */
  kernel: number;
  /** Step between windows (default 1). */
  stride: number;
  /** Implicit channels added on both sides (default 0, below the kernel). */
  pad: number;
  /** The channel axis (default 1); negative counts from the end. */
  axis: number;
}

export class ChannelPoolingLayer extends Layer<ChannelPoolingConfig> {
  private geom!: PoolGeom;
  private mask!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const axis = canonicalAxis(c, x, c.axis);
    const channels = x.shape[axis];
    if (channels + 2 * c.pad < c.kernel) {
      throw new ShapeError(`${where(c)}: field "kernel" ${c.kernel} is larger than the ${channels} channels (axis ${axis}) of bottom "${x.name}" ${shapeStr(x.shape)} plus padding ${c.pad} on each side`);
    }
    const out = pooledSize(channels, c.kernel, c.stride, c.pad);
    this.geom = {
      num: countOf(x.shape.slice(0, axis)), channels: 1, height: channels, width: x.countFrom(axis + 1),
      kernelH: c.kernel, kernelW: 1, strideH: c.stride, strideW: 1, padH: c.pad, padW: 0, outH: out, outW: x.countFrom(axis + 1),
    };
    const shape = x.shape.map((d, a) => (a === axis ? out : d));
    this.mask = this.ctx.buffer(c.method === 'max' ? countOf(shape) : 1);
    return [shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.poolForward(this.geom, this.config.method, bottoms[0].data, tops[0].data, this.mask);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    this.ctx.backend.poolBackward(this.geom, this.config.method, tops[0].diff, this.mask, bottoms[0].diff);
  }
}

export const ChannelPooling: LayerType<ChannelPoolingConfig> = {
  type: 'ChannelPooling',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const method = readPoolMethod(r);
    const kernel = r.int('kernel', undefined, { min: 1 });
    const pad = r.int('pad', 0, { min: 0 });
    if (pad >= kernel) r.fail('pad', `smaller than the kernel (${kernel})`, pad);
    return { ...base, method, kernel, stride: r.int('stride', 1, { min: 1 }), pad, axis: r.int('axis', 1) };
  },
  create: (c) => new ChannelPoolingLayer(c),
};
