/**
 * TiedInnerProduct (Mocha's): an InnerProduct that uses the transpose of another InnerProduct's
 * weight, as the decoder of an auto-encoder with tied weights; its bias is its own.
 *
 * Shapes: the tied InnerProduct (paramKey `tiedParamKey`) has weight W [H, K]; bottom x [M, ...]
 * flattened from `axis` to H features; bias b [numOutput]; top y [..., numOutput] with
 * numOutput = K.
 *   forward   y = f(x W + b)                 (f is the optional neuron)
 *   backward  g = f'(y) ⊙ dy;  dW += xᵀ g;  db += Σ_rows g;  dx = g Wᵀ
 * W's gradient adds to the tied layer's, so the solver updates the shared weight once with both.
 */
import type { Blob, Shape } from '../core/blob.js';
import { matrixAt } from './shapes.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, xavier, type Initializer } from '../initializers/initializer.js';
import { neuronBackward, neuronForward, readNeuron, type Neuron } from '../neurons/neuron.js';

export interface TiedInnerProductConfig extends BaseConfig {
  /** The paramKey (by default the name) of the InnerProduct whose weight is used (required). */
  tiedParamKey: string;
  /** Number of outputs, the tied InnerProduct's input features K (required). */
  numOutput: number;
  /** Whether to add a learned bias of this layer's own (default true). */
  bias: boolean;
  /** First axis flattened into the feature vector (default 1). */
  axis: number;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
  /** Activation applied in place to the top (default Identity). */
  neuron: Neuron;
}

export class TiedInnerProductLayer extends Layer<TiedInnerProductConfig> {
  private weight!: Param;
  private biasParam?: Param;
  private M = 0;
  private H = 0;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const shape = bottoms[0].shape;
    [this.M, this.H] = matrixAt(c, bottoms[0], c.axis);
    // The initializer is used only outside a net (a test context), where nothing else declares W.
    this.weight = this.param('weight', [this.H, c.numOutput], xavier(), { tiedKey: `${c.tiedParamKey}___weight` });
    if (c.bias) this.biasParam = this.param('bias', [c.numOutput], c.biasInit);
    return [[...shape.slice(0, c.axis), c.numOutput]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const N = this.config.numOutput;
    b.gemm(false, false, this.M, N, this.H, 1, bottoms[0].data, this.weight.blob.data, 0, tops[0].data);
    if (this.biasParam) b.biasForward(this.M, N, 1, this.biasParam.blob.data, tops[0].data);
    neuronForward(b, this.config.neuron, tops[0]);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const N = this.config.numOutput;
    const top = tops[0];
    neuronBackward(b, this.config.neuron, top);
    if (!this.frozen) {
      b.gemm(true, false, this.H, N, this.M, 1, bottoms[0].data, top.diff, 1, this.weight.blob.diff);
      if (this.biasParam) b.biasBackward(this.M, N, 1, top.diff, this.biasParam.blob.diff);
    }
    if (propagateDown[0]) b.gemm(false, true, this.M, this.H, N, 1, top.diff, this.weight.blob.data, 0, bottoms[0].diff);
  }
}

export const TiedInnerProduct: LayerType<TiedInnerProductConfig> = {
  type: 'TiedInnerProduct',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const config: TiedInnerProductConfig = {
      ...base,
      tiedParamKey: r.string('tiedParamKey'),
      numOutput: r.int('numOutput', undefined, { min: 1 }),
      bias: r.bool('bias', true),
      axis: r.int('axis', 1, { min: 1 }),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
      neuron: readNeuron(r),
    };
    return config;
  },
  create: (c) => new TiedInnerProductLayer(c),
};
