/**
 * InnerProduct (fully connected).
 *
 * Shapes: bottom [M, ...] flattened from `axis` to K features; weight [numOutput, K]; bias
 * [numOutput]; top [M, numOutput] (the axes before `axis` kept).
 *   forward   y = f(x Wᵀ + b)             (f is the optional neuron)
 *   backward  g = f'(y) ⊙ dy;  dW += gᵀ x;  db += Σ_rows g;  dx = g W
 */
import type { Blob, Shape } from '../core/blob.js';
import { matrixAt } from './shapes.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, xavier, type Initializer } from '../initializers/initializer.js';
import { neuronBackward, neuronForward, readNeuron, type Neuron } from '../neurons/neuron.js';
import { readConstraint, type Constraint } from '../constraints/constraint.js';

export interface InnerProductConfig extends BaseConfig {
  /** Number of outputs (required). */
  numOutput: number;
  /** Whether to add a learned bias (default true). */
  bias: boolean;
  /** First axis flattened into the feature vector (default 1); must be below the bottom's axis count. */
  axis: number;
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

export class InnerProductLayer extends Layer<InnerProductConfig> {
  private weight!: Param;
  private biasParam?: Param;
  private M = 0;
  private K = 0;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const shape = bottoms[0].shape;
    [this.M, this.K] = matrixAt(c, bottoms[0], c.axis);
    this.weight = this.param('weight', [c.numOutput, this.K], c.weightInit, { constraint: c.weightCons });
    if (c.bias) this.biasParam = this.param('bias', [c.numOutput], c.biasInit, { constraint: c.biasCons });
    return [[...shape.slice(0, c.axis), c.numOutput]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { numOutput: N } = this.config;
    b.gemm(false, true, this.M, N, this.K, 1, bottoms[0].data, this.weight.blob.data, 0, tops[0].data);
    if (this.biasParam) b.biasForward(this.M, N, 1, this.biasParam.blob.data, tops[0].data);
    neuronForward(b, this.config.neuron, tops[0]);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { numOutput: N } = this.config;
    const top = tops[0];
    neuronBackward(b, this.config.neuron, top);
    if (!this.frozen) {
      b.gemm(true, false, N, this.K, this.M, 1, top.diff, bottoms[0].data, 1, this.weight.blob.diff);
      if (this.biasParam) b.biasBackward(this.M, N, 1, top.diff, this.biasParam.blob.diff);
    }
    if (propagateDown[0]) b.gemm(false, false, this.M, this.K, N, 1, top.diff, this.weight.blob.data, 0, bottoms[0].diff);
  }
}

export const InnerProduct: LayerType<InnerProductConfig> = {
  type: 'InnerProduct',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const config: InnerProductConfig = {
      ...base,
      numOutput: r.int('numOutput', undefined, { min: 1 }),
      bias: r.bool('bias', true),
      axis: r.int('axis', 1, { min: 1 }),
      weightInit: readInitializer(r, 'weightInit', xavier()),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
      neuron: readNeuron(r),
      weightCons: readConstraint(r, 'weightCons'),
      biasCons: readConstraint(r, 'biasCons'),
    };
    return config;
  },
  create: (c) => new InnerProductLayer(c),
};
