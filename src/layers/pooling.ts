/**
 * Pooling (2-d max or mean), with an optional neuron.
 *
 * Shapes: bottom x [N, C, H, W]; top y [N, C, outH, outW] with Caffe's rounding-up rule
 *   outH = ceil((H + 2 padH - kh) / strideH) + 1, minus 1 when the layer pads (padH or padW > 0:
 *   Caffe's test covers both axes) and the last window would start at or past H + padH (entirely in
 *   the bottom padding); outW likewise. Without padding and with stride > kernel, the last window
 *   may miss the image altogether: its output is 0 and it passes no gradient.
 *   forward   max:  y = f(max over the window of x), the argmax kept in a mask
 *             mean: y = f(Σ window x / |window clipped to the padded input|)   (padding counts as 0)
 *   backward  g = f'(y) ⊙ dy;  max: dx[argmax] += g;  mean: dx[window] += g / |window|
 * Stride defaults to 1 as in both Caffe and Mocha (set stride = kernel for the usual
 * non-overlapping pooling).
 */
import type { Buf, PoolGeom, PoolMethod } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { ConfigReader } from '../core/config.js';
import { ShapeError } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { neuronBackward, neuronForward, readNeuron, type Neuron } from '../neurons/neuron.js';
import { checkWindowIndexing, image4d, where } from './shapes.js';

export interface PoolingConfig extends BaseConfig {
  /** 'max' or 'mean' (default 'max'); Caffe's 'MAX' and 'AVE' are accepted too. */
  method: PoolMethod;
  /** Window size [kh, kw], one number or [h, w]; required. */
  kernel: [number, number];
  /** Step between windows [h, w] (default 1). */
  stride: [number, number];
  /** Implicit padding on each side [h, w] (default 0); must be smaller than the kernel. */
  pad: [number, number];
  /** Activation applied in place to the top (default Identity). */
  neuron: Neuron;
}

/**
 * Output size along one axis by Caffe's rule (see the top comment); `padded` says whether the
 * layer pads at all, on any axis (Caffe drops a last window in the padding on every axis then).
 */
export function pooledSize(size: number, kernel: number, stride: number, pad: number, padded = pad > 0): number {
  let out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
  if (padded && (out - 1) * stride >= size + pad) out--;
  return out;
}

const METHODS: Record<string, PoolMethod> = { max: 'max', mean: 'mean', MAX: 'max', AVE: 'mean' };

/** `method`: 'max' (default) or 'mean', Caffe's 'MAX' and 'AVE' accepted (Pooling and ChannelPooling). */
export function readPoolMethod(r: ConfigReader): PoolMethod {
  return METHODS[r.oneOf('method', Object.keys(METHODS), 'max')];
}

export class PoolingLayer extends Layer<PoolingConfig> {
  private geom!: PoolGeom;
  private mask!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [num, channels, height, width] = image4d(c, bottoms[0]);
    checkWindowIndexing(c, bottoms[0], 'height', height, c.kernel[0], c.stride[0], c.pad[0]);
    checkWindowIndexing(c, bottoms[0], 'width', width, c.kernel[1], c.stride[1], c.pad[1]);
    if (height + 2 * c.pad[0] < c.kernel[0] || width + 2 * c.pad[1] < c.kernel[1]) {
      throw new ShapeError(`${where(c)}: kernel [${c.kernel}] is larger than the padded input ${height + 2 * c.pad[0]}×${width + 2 * c.pad[1]} of bottom "${bottoms[0].name}"`);
    }
    const padded = c.pad[0] > 0 || c.pad[1] > 0;
    const outH = pooledSize(height, c.kernel[0], c.stride[0], c.pad[0], padded);
    const outW = pooledSize(width, c.kernel[1], c.stride[1], c.pad[1], padded);
    this.geom = {
      num, channels, height, width, kernelH: c.kernel[0], kernelW: c.kernel[1],
      strideH: c.stride[0], strideW: c.stride[1], padH: c.pad[0], padW: c.pad[1], outH, outW,
    };
    // Mean pooling never reads the mask, but the kernels take one.
    this.mask = this.ctx.buffer(c.method === 'max' ? num * channels * outH * outW : 1);
    return [[num, channels, outH, outW]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    b.poolForward(this.geom, this.config.method, bottoms[0].data, tops[0].data, this.mask);
    neuronForward(b, this.config.neuron, tops[0]);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    neuronBackward(b, this.config.neuron, tops[0]);
    b.poolBackward(this.geom, this.config.method, tops[0].diff, this.mask, bottoms[0].diff);
  }
}

export const Pooling: LayerType<PoolingConfig> = {
  type: 'Pooling',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const method = readPoolMethod(r);
    const kernel = r.pair('kernel', undefined, { min: 1 });
    const stride = r.pair('stride', 1, { min: 1 });
    const pad = r.pair('pad', 0, { min: 0 });
    if (pad[0] >= kernel[0] || pad[1] >= kernel[1]) r.fail('pad', `smaller than the kernel [${kernel}]`, r.raw.pad);
    const config: PoolingConfig = { ...base, method, kernel, stride, pad, neuron: readNeuron(r) };
    return config;
  },
  create: (c) => new PoolingLayer(c),
};
