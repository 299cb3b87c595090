/**
 * Deconvolution (transposed convolution, Caffe's): the backward-data pass of a convolution used as
 * the forward, so it runs on the backend's convolution kernels with the roles of input and output
 * swapped.
 *
 * Shapes: bottom x [N, C, H, W]; weight W [C, numOutput / group, kh, kw] (Caffe's layout); bias b
 * [numOutput]; top y [N, numOutput, outH, outW] with
 *   outH = strideH (H - 1) + dilationH (kh - 1) + 1 - 2 padH      (outW likewise).
 * Seen as a convolution from y's shape to x's shape (`geometry` below), run by ConvolutionBase:
 *   forward   y = f(conv_transpose(x, W) + b)
 *   backward  g = f'(y) ⊙ dy;  dW += corr(g, x);  db += Σ_{n,h,w} g;  dx = conv(g, W)
 * A `weightCons` (L2Cons) constrains the rows of W along its first axis, the input channels.
 */
import type { ConvGeom } from '../backend/backend.js';
import type { Blob } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import type { LayerType } from '../core/layer.js';
import { Convolution, ConvolutionBase, type ConvolutionConfig } from './convolution.js';
import { where } from './shapes.js';

/** The same fields as Convolution, with the same defaults; `group` must divide both channel counts. */
export type DeconvolutionConfig = ConvolutionConfig;

export class DeconvolutionLayer extends ConvolutionBase {
  protected readonly transposed = true;

  /** The convolution that maps the top's shape to the bottom's shape. */
  protected geometry(bottom: Blob, num: number, channels: number, height: number, width: number): ConvGeom {
    const c = this.config;
    const outH = c.stride[0] * (height - 1) + c.dilation[0] * (c.kernel[0] - 1) + 1 - 2 * c.pad[0];
    const outW = c.stride[1] * (width - 1) + c.dilation[1] * (c.kernel[1] - 1) + 1 - 2 * c.pad[1];
    if (outH < 1 || outW < 1) {
      throw new ShapeError(`${where(c)}: pad [${c.pad}] is too large for bottom "${bottom.name}" ${height}×${width} with kernel [${c.kernel}], stride [${c.stride}], dilation [${c.dilation}]; the output would be ${outH}×${outW}`);
    }
    return {
      num, channels: c.numOutput, height: outH, width: outW, numOutput: channels, group: c.group,
      kernelH: c.kernel[0], kernelW: c.kernel[1], strideH: c.stride[0], strideW: c.stride[1],
      padH: c.pad[0], padW: c.pad[1], dilationH: c.dilation[0], dilationW: c.dilation[1], outH: height, outW: width,
    };
  }
}

export const Deconvolution: LayerType<DeconvolutionConfig> = {
  type: 'Deconvolution',
  parse: (r, base) => Convolution.parse(r, base),
  create: (c) => new DeconvolutionLayer(c),
};
