/**
 * Bias: adds a bias broadcast over the axes it does not cover (Caffe's Bias). The bias is the
 * second bottom or, with one bottom, a learned parameter of shape x.shape[axis, axis + numAxes).
 *
 * Shapes: x seen as [outer, channels, inner], bias b [channels], top the shape of x.
 *   forward   y[o, c, i] = x[o, c, i] + b[c]
 *   backward  dx = dy;  db[c] (+)= Σ_{o,i} dy   (accumulates for the parameter, overwrites a bottom's diff)
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, type Initializer } from '../initializers/initializer.js';
import { broadcastGeom, type BroadcastGeom } from './axes.js';

export interface BiasConfig extends BaseConfig {
  /** First axis of x the bias covers (default 1); negative counts from the end. */
  axis: number;
  /** Axes the learned bias covers (default 1; -1: all from `axis`; 0: one scalar). Unused with two bottoms. */
  numAxes: number;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
}

export class BiasLayer extends Layer<BiasConfig> {
  private g!: BroadcastGeom;
  private biasParam?: Param;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.g = broadcastGeom(c, bottoms[0], c.axis, c.numAxes, bottoms[1]);
    if (!bottoms[1]) this.biasParam = this.param('bias', this.g.shape, c.biasInit);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { outer, channels, inner } = this.g;
    const bias = this.biasParam ? this.biasParam.blob : bottoms[1];
    if (tops[0].data !== bottoms[0].data) b.copy(bottoms[0].count, bottoms[0].data, tops[0].data);
    b.biasForward(outer, channels, inner, bias.data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { outer, channels, inner } = this.g;
    const dy = tops[0].diff;
    if (this.biasParam) {
      if (!this.frozen) b.biasBackward(outer, channels, inner, dy, this.biasParam.blob.diff);
    } else if (propagateDown[1]) {
      b.set(bottoms[1].count, 0, bottoms[1].diff);
      b.biasBackward(outer, channels, inner, dy, bottoms[1].diff);
    }
    if (propagateDown[0] && bottoms[0].diff !== dy) b.copy(bottoms[0].count, dy, bottoms[0].diff);
  }
}

export const Bias: LayerType<BiasConfig> = {
  type: 'Bias',
  parse(r, base) {
    expectBlobs(r, base, [1, 2], 1);
    const config: BiasConfig = {
      ...base,
      axis: r.int('axis', 1),
      numAxes: r.int('numAxes', 1, { min: -1 }),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
    };
    if (base.bottoms.length === 2 && r.has('biasInit')) r.fail('biasInit', 'left out: the bias is the second bottom', r.raw.biasInit);
    return config;
  },
  create: (c) => new BiasLayer(c),
};
