/**
 * Embed (Caffe's): a lookup table, the InnerProduct of a one-hot vector without building it.
 *
 * Shapes: bottom x of any shape, M values in total, each an index in [0, inputDim) stored as a
 * float; weight W [inputDim, numOutput]; bias b [numOutput]; top y [...x.shape, numOutput].
 *   forward   y[m, :] = W[x[m], :] + b
 *   backward  dW[x[m], :] += dy[m, :];  db += Σ_m dy[m, :];  no gradient for the indices
 * The backward is the backend's row scatter-add, the transpose of the row gather of the forward.
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, xavier, type Initializer } from '../initializers/initializer.js';

export interface EmbedConfig extends BaseConfig {
  /** Number of rows of the table, the indices' range [0, inputDim) (required). */
  inputDim: number;
  /** Length of each embedding vector (required). */
  numOutput: number;
  /** Whether to add a learned bias (default true). */
  bias: boolean;
  /** Weight initializer (default Xavier). */
  weightInit: Initializer;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
}

export class EmbedLayer extends Layer<EmbedConfig> {
  private weight!: Param;
  private biasParam?: Param;
  private M = 0;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.M = bottoms[0].count;
    this.weight = this.param('weight', [c.inputDim, c.numOutput], c.weightInit);
    if (c.bias) this.biasParam = this.param('bias', [c.numOutput], c.biasInit);
    return [[...bottoms[0].shape, c.numOutput]];
  }

  override propagatesTo(_i: number): boolean {
    return false;
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const N = this.config.numOutput;
    b.gather(this.M, N, this.weight.blob.data, bottoms[0].data, 1, tops[0].data);
    if (this.biasParam) b.biasForward(this.M, N, 1, this.biasParam.blob.data, tops[0].data);
  }

  override backward(tops: Blob[], _propagateDown: boolean[], bottoms: Blob[]): void {
    if (this.frozen) return;
    const b = this.ctx.backend;
    const N = this.config.numOutput;
    b.scatterAdd(this.M, N, tops[0].diff, bottoms[0].data, 1, this.weight.blob.diff);
    if (this.biasParam) b.biasBackward(this.M, N, 1, tops[0].diff, this.biasParam.blob.diff);
  }
}

export const Embed: LayerType<EmbedConfig> = {
  type: 'Embed',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const config: EmbedConfig = {
      ...base,
      inputDim: r.int('inputDim', undefined, { min: 1 }),
      numOutput: r.int('numOutput', undefined, { min: 1 }),
      bias: r.bool('bias', true),
      weightInit: readInitializer(r, 'weightInit', xavier()),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
    };
    return config;
  },
  create: (c) => new EmbedLayer(c),
};
