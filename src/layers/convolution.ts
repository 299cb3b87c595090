/**
 * Convolution (2-d, cross-correlation as in Caffe), with groups, dilation and an optional neuron.
 *
 * Shapes: bottom x [N, C, H, W]; weight W [numOutput, C / group, kh, kw]; bias b [numOutput];
 * top y [N, numOutput, outH, outW] with outH = floor((H + 2 padH - (dilationH (kh - 1) + 1)) / strideH) + 1
 * (outW likewise). Channels and numOutput split into `group` equal groups; output group g sees
 * only input group g.
 *   forward   y = f(conv(x, W) + b)           (f is the optional neuron, applied in place)
 *   backward  g = f'(y) ⊙ dy;  dW += corr(x, g);  db += Σ_{n,h,w} g;  dx = conv_transpose(g, W)
 */
import type { Buf, ConvGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, xavier, type Initializer } from '../initializers/initializer.js';
import { neuronBackward, neuronForward, readNeuron, type Neuron } from '../neurons/neuron.js';
import { readConstraint, type Constraint } from '../constraints/constraint.js';
import { checkWindowIndexing, image4d, where } from './shapes.js';

export interface ConvolutionConfig extends BaseConfig {
  /** Number of output channels (filters); required, a multiple of `group`. */
  numOutput: number;
  /** Kernel size [kh, kw], given as one number or [h, w]; required. */
  kernel: [number, number];
  /** Step between windows [h, w] (default 1). */
  stride: [number, number];
  /** Zero padding added on each side [h, w] (default 0). */
  pad: [number, number];
  /** Spacing between kernel taps [h, w] (default 1, no dilation). */
  dilation: [number, number];
  /** Number of channel groups (default 1); channels and numOutput must both divide by it. */
  group: number;
  /** Whether to add a learned bias per output channel (default true). */
  bias: boolean;
  /** Weight initializer (default Xavier). */
  weightInit: Initializer;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
  /** Activation applied in place to the top (default Identity). */
  neuron: Neuron;
  /** Constraint the solver applies to the weight after each update, e.g. { type: 'L2Cons', threshold: 4.5 } (default none). */
  weightCons?: Constraint;
  /** Constraint the solver applies to the bias after each update (default none). */
  biasCons?: Constraint;
}

/**
 * What Convolution and Deconvolution share. `geom` is the convolution between the bottom's and
 * the top's shapes: from the bottom to the top for Convolution, from the top to the bottom for
 * Deconvolution (`transposed`), which runs the same three kernels with the roles of forward and
 * backward-data swapped. In `geom`'s terms both keep the weight as [numOutput, channels / group,
 * kh, kw] (for Deconvolution, Caffe's [C, numOutput / group, kh, kw]).
 */
export abstract class ConvolutionBase extends Layer<ConvolutionConfig> {
  private weight!: Param;
  private biasParam?: Param;
  private geom!: ConvGeom;
  private workspace!: Buf;
  /** Values per channel of the top. */
  private topSize = 0;

  /** Whether the top is on the input side of `geom` (Deconvolution) rather than its output side. */
  protected abstract readonly transposed: boolean;

  /** `geom` for a bottom [num, channels, height, width], whose channels divide by `group`; throws when the top would be empty. */
  protected abstract geometry(bottom: Blob, num: number, channels: number, height: number, width: number): ConvGeom;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [num, channels, height, width] = image4d(c, bottoms[0]);
    if (channels % c.group !== 0) {
      throw new ShapeError(`${where(c)}: bottom "${bottoms[0].name}" has ${channels} channels, not a multiple of group ${c.group}`);
    }
    const g = (this.geom = this.geometry(bottoms[0], num, channels, height, width));
    // g.height and g.width are the input side's (the top's for Deconvolution).
    checkWindowIndexing(c, bottoms[0], 'height', g.height, c.dilation[0] * (c.kernel[0] - 1) + 1, c.stride[0], c.pad[0]);
    checkWindowIndexing(c, bottoms[0], 'width', g.width, c.dilation[1] * (c.kernel[1] - 1) + 1, c.stride[1], c.pad[1]);
    const [topH, topW] = this.transposed ? [g.height, g.width] : [g.outH, g.outW];
    this.topSize = topH * topW;
    this.weight = this.param('weight', [g.numOutput, g.channels / g.group, g.kernelH, g.kernelW], c.weightInit, { constraint: c.weightCons });
    if (c.bias) this.biasParam = this.param('bias', [c.numOutput], c.biasInit, { constraint: c.biasCons });
    this.workspace = this.ctx.buffer(this.ctx.backend.convWorkspaceSize(g));
    return [[num, c.numOutput, topH, topW]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const g = this.geom;
    const [x, w, y] = [bottoms[0].data, this.weight.blob.data, tops[0].data];
    if (this.transposed) b.convBackwardData(g, x, w, y, this.workspace);
    else b.convForward(g, x, w, y, this.workspace);
    if (this.biasParam) b.biasForward(g.num, this.config.numOutput, this.topSize, this.biasParam.blob.data, y);
    neuronForward(b, this.config.neuron, tops[0]);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const g = this.geom;
    const top = tops[0];
    const x = bottoms[0];
    neuronBackward(b, this.config.neuron, top);
    // The bottom and the weights are what forward read, and the top's diff is final before the
    // first call: the calls may reuse what forward and each other left in the workspace
    // (`unchanged`). The filter gradient goes first, so that x's copy from forward is still there.
    if (!this.frozen) {
      if (this.transposed) b.convBackwardFilter(g, top.diff, x.data, this.weight.blob.diff, this.workspace, true);
      else b.convBackwardFilter(g, x.data, top.diff, this.weight.blob.diff, this.workspace, true);
      if (this.biasParam) b.biasBackward(g.num, this.config.numOutput, this.topSize, top.diff, this.biasParam.blob.diff);
    }
    if (!propagateDown[0]) return;
    if (this.transposed) b.convForward(g, top.diff, this.weight.blob.data, x.diff, this.workspace, true);
    else b.convBackwardData(g, top.diff, this.weight.blob.data, x.diff, this.workspace, true);
  }
}

export class ConvolutionLayer extends ConvolutionBase {
  protected readonly transposed = false;

  protected geometry(_bottom: Blob, num: number, channels: number, height: number, width: number): ConvGeom {
    const c = this.config;
    const outH = Math.floor((height + 2 * c.pad[0] - (c.dilation[0] * (c.kernel[0] - 1) + 1)) / c.stride[0]) + 1;
    const outW = Math.floor((width + 2 * c.pad[1] - (c.dilation[1] * (c.kernel[1] - 1) + 1)) / c.stride[1]) + 1;
    if (outH < 1 || outW < 1) {
      throw new ShapeError(`${where(c)}: the dilated kernel [${c.kernel}] (dilation [${c.dilation}]) does not fit the padded input ${height}×${width} (pad [${c.pad}]); the output would be ${outH}×${outW}`);
    }
    return {
      num, channels, height, width, numOutput: c.numOutput, group: c.group,
      kernelH: c.kernel[0], kernelW: c.kernel[1], strideH: c.stride[0], strideW: c.stride[1],
      padH: c.pad[0], padW: c.pad[1], dilationH: c.dilation[0], dilationW: c.dilation[1], outH, outW,
    };
  }
}

export const Convolution: LayerType<ConvolutionConfig> = {
  type: 'Convolution',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const group = r.int('group', 1, { min: 1 });
    const numOutput = r.int('numOutput', undefined, { min: 1 });
    if (numOutput % group !== 0) r.fail('numOutput', `a multiple of group ${group}`, numOutput);
    const config: ConvolutionConfig = {
      ...base,
      numOutput,
      kernel: r.pair('kernel', undefined, { min: 1 }),
      stride: r.pair('stride', 1, { min: 1 }),
      pad: r.pair('pad', 0, { min: 0 }),
      dilation: r.pair('dilation', 1, { min: 1 }),
      group,
      bias: r.bool('bias', true),
      weightInit: readInitializer(r, 'weightInit', xavier()),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
      neuron: readNeuron(r),
      weightCons: readConstraint(r, 'weightCons'),
      biasCons: readConstraint(r, 'biasCons'),
    };
    return config;
  },
  create: (c) => new ConvolutionLayer(c),
};
