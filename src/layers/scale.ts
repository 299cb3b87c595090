/**
 * Scale: multiplies x by a scale broadcast over the axes it does not cover, and optionally adds a
 * learned bias (Caffe's Scale). The scale is the second bottom or, with one bottom, a learned
 * parameter of shape x.shape[axis, axis + numAxes).
 *
 * Shapes: x seen as [outer, channels, inner], scale s [channels], top the shape of x.
 *   forward   y[o, c, i] = s[c] x[o, c, i] (+ bias[c])
 *   backward  dx = s ⊙ dy;  ds[c] (+)= Σ_{o,i} dy x;  dbias[c] += Σ_{o,i} dy
 * (ds accumulates for the parameter, overwrites the second bottom's diff.) Backward reads x, so
 * the top must not be the bottom blob (no in-place).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, type Initializer } from '../initializers/initializer.js';
import { broadcastGeom, type BroadcastGeom } from './axes.js';

export interface ScaleConfig extends BaseConfig {
  /** First axis of x the scale covers (default 1); negative counts from the end. */
  axis: number;
  /** Axes the learned scale covers (default 1; -1: all from `axis`; 0: one scalar). Unused with two bottoms. */
  numAxes: number;
  /** Scale initializer (default Constant 1). */
  scaleInit: Initializer;
  /** Whether to add a learned bias of the scale's shape (default false). */
  bias: boolean;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
}

export class ScaleLayer extends Layer<ScaleConfig> {
  private g!: BroadcastGeom;
  private scaleParam?: Param;
  private biasParam?: Param;
  /** The scale broadcast to the shape of x, then scratch for dy ⊙ x. */
  private expanded!: Buf;
  private tmp!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    this.g = broadcastGeom(c, x, c.axis, c.numAxes, bottoms[1]);
    if (!bottoms[1]) this.scaleParam = this.param('scale', this.g.shape, c.scaleInit);
    if (c.bias) this.biasParam = this.param('bias', this.g.shape, c.biasInit);
    this.expanded = this.ctx.buffer(x.count);
    this.tmp = this.ctx.buffer(x.count);
    return [x.shape];
  }

  private scale(bottoms: Blob[]): Blob {
    return this.scaleParam ? this.scaleParam.blob : bottoms[1];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { outer, channels, inner } = this.g;
    const n = bottoms[0].count;
    b.set(n, 0, this.expanded);
    b.biasForward(outer, channels, inner, this.scale(bottoms).data, this.expanded);
    b.mul(n, bottoms[0].data, this.expanded, tops[0].data);
    if (this.biasParam) b.biasForward(outer, channels, inner, this.biasParam.blob.data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { outer, channels, inner } = this.g;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    const s = this.scale(bottoms);
    const learnScale = this.scaleParam ? !this.frozen : propagateDown[1];
    if (learnScale) {
      if (!this.scaleParam) b.set(s.count, 0, s.diff);
      b.mul(n, dy, bottoms[0].data, this.tmp);
      b.biasBackward(outer, channels, inner, this.tmp, s.diff);
    }
    if (this.biasParam && !this.frozen) b.biasBackward(outer, channels, inner, dy, this.biasParam.blob.diff);
    if (propagateDown[0]) b.mul(n, dy, this.expanded, bottoms[0].diff);
  }
}

export const Scale: LayerType<ScaleConfig> = {
  type: 'Scale',
  parse(r, base) {
    expectBlobs(r, base, [1, 2], 1);
    const config: ScaleConfig = {
      ...base,
      axis: r.int('axis', 1),
      numAxes: r.int('numAxes', 1, { min: -1 }),
      scaleInit: readInitializer(r, 'scaleInit', constant(1)),
      bias: r.bool('bias', false),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
    };
    if (base.bottoms.length === 2 && r.has('scaleInit')) r.fail('scaleInit', 'left out: the scale is the second bottom', r.raw.scaleInit);
    return config;
  },
  create: (c) => new ScaleLayer(c),
};
