/**
 * Deconvolution (transposed convolution, Caffe's): the backward-data pass of a convolution used as
 * the forward, so it runs on the backend's convolution kernels with the roles of input and output
 * swapped.
 *
 * Shapes: bottom x [N, C, H, W]; weight W [C, numOutput / group, kh, kw] (Caffe's layout); bias b
 * [numOutput]; top y [N, numOutput, outH, outW] with
 *   outH = strideH (H - 1) + dilationH (kh - 1) + 1 - 2 padH      (outW likewise).
 * Seen as a convolution from y's shape to x's shape (the geometry `g` below):
 *   forward   y = f(conv_transpose(x, W) + b)
 *   backward  g = f'(y) ⊙ dy;  dW += corr(g, x);  db += Σ_{n,h,w} g;  dx = conv(g, W)
 * A `weightCons` (L2Cons) constrains the rows of W along its first axis, the input channels.
 */
import type { Buf, ConvGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import { Layer, type LayerType, type Param } from '../core/layer.js';
import { neuronBackward, neuronForward } from '../neurons/neuron.js';
import { Convolution, type ConvolutionConfig } from './convolution.js';
import { image4d, where } from './shapes.js';

/** The same fields as Convolution, with the same defaults; `group` must divide both channel counts. */
export type DeconvolutionConfig = ConvolutionConfig;

export class DeconvolutionLayer extends Layer<DeconvolutionConfig> {
  private weight!: Param;
  private biasParam?: Param;
  /** The convolution that maps the top's shape to the bottom's shape. */
  private geom!: ConvGeom;
  private workspace!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [num, channels, height, width] = image4d(c, bottoms[0]);
    if (channels % c.group !== 0) {
      throw new ShapeError(`${where(c)}: bottom "${bottoms[0].name}" has ${channels} channels, not a multiple of group ${c.group}`);
    }
    const outH = c.stride[0] * (height - 1) + c.dilation[0] * (c.kernel[0] - 1) + 1 - 2 * c.pad[0];
    const outW = c.stride[1] * (width - 1) + c.dilation[1] * (c.kernel[1] - 1) + 1 - 2 * c.pad[1];
    if (outH < 1 || outW < 1) {
      throw new ShapeError(`${where(c)}: pad [${c.pad}] is too large for bottom "${bottoms[0].name}" ${height}×${width} with kernel [${c.kernel}], stride [${c.stride}], dilation [${c.dilation}]; the output would be ${outH}×${outW}`);
    }
    this.geom = {
      num, channels: c.numOutput, height: outH, width: outW, numOutput: channels, group: c.group,
      kernelH: c.kernel[0], kernelW: c.kernel[1], strideH: c.stride[0], strideW: c.stride[1],
      padH: c.pad[0], padW: c.pad[1], dilationH: c.dilation[0], dilationW: c.dilation[1], outH: height, outW: width,
    };
    this.weight = this.param('weight', [channels, c.numOutput / c.group, c.kernel[0], c.kernel[1]], c.weightInit, { constraint: c.weightCons });
    if (c.bias) this.biasParam = this.param('bias', [c.numOutput], c.biasInit, { constraint: c.biasCons });
    this.workspace = this.ctx.buffer(this.ctx.backend.convWorkspaceSize(this.geom));
    return [[num, c.numOutput, outH, outW]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const g = this.geom;
    b.convBackwardData(g, bottoms[0].data, this.weight.blob.data, tops[0].data, this.workspace);
    if (this.biasParam) b.biasForward(g.num, g.channels, g.height * g.width, this.biasParam.blob.data, tops[0].data);
    neuronForward(b, this.config.neuron, tops[0]);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const g = this.geom;
    const top = tops[0];
    neuronBackward(b, this.config.neuron, top);
    if (!this.frozen) {
      b.convBackwardFilter(g, top.diff, bottoms[0].data, this.weight.blob.diff, this.workspace);
      if (this.biasParam) b.biasBackward(g.num, g.channels, g.height * g.width, top.diff, this.biasParam.blob.diff);
    }
    if (propagateDown[0]) b.convForward(g, top.diff, this.weight.blob.data, bottoms[0].diff, this.workspace);
  }
}

export const Deconvolution: LayerType<DeconvolutionConfig> = {
  type: 'Deconvolution',
  parse: (r, base) => Convolution.parse(r, base),
  create: (c) => new DeconvolutionLayer(c),
};
