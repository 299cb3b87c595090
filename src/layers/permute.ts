/**
 * Permute: the bottom with its axes reordered (the Permute of Caffe's SSD branch; ONNX's
 * Transpose). `order` lists bottom axes: top axis i is bottom axis order[i]; the axes it leaves out
 * follow in their own order.
 *
 * Shapes: top[i] = bottom[order[i]]. The axes at the end that keep their place form rows moved
 * whole (of `inner` values, 1 when the last axis moves): with P the permutation of the other axes,
 *   forward   y[r] = x[P(r)]          (a row gather)
 *   backward  dx[r] = dy[P⁻¹(r)]      (a row gather by the inverse: no accumulation)
 * Row numbers travel as float32 indices, so a permutation of more than 2^24 rows is refused.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export interface PermuteConfig extends BaseConfig {
  /** Bottom axes in top order (required); axes left out follow in their order. */
  order: number[];
}

/** The full permutation of `rank` axes that `order` names (the missing axes appended). */
export function fullOrder(order: readonly number[], rank: number): number[] {
  return [...order, ...Array.from({ length: rank }, (_, a) => a).filter((a) => !order.includes(a))];
}

export class PermuteLayer extends Layer<PermuteConfig> {
  private rows = 0;
  private inner = 1;
  private forwardIndex!: Buf;
  private backwardIndex!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const rank = x.shape.length;
    const bad = c.order.find((a) => a >= rank);
    if (bad !== undefined) throw new ShapeError(`${where(c)}: "order" names axis ${bad}, but bottom "${x.name}" ${shapeStr(x.shape)} has ${rank} axes`);
    const order = fullOrder(c.order, rank);
    // Trailing axes in place move as whole rows.
    let kept = rank;
    while (kept > 0 && order[kept - 1] === kept - 1) kept--;
    this.inner = countOf(x.shape.slice(kept));
    const outer = x.shape.slice(0, kept);
    this.rows = countOf(outer);
    if (this.rows > 2 ** 24) throw new ShapeError(`${where(c)}: ${this.rows} rows to move exceed the 2^24 positions a float index can name`);
    // Source row of each top row: walk the top's row multi-index, accumulating bottom strides.
    const stride = new Array<number>(kept).fill(1);
    for (let a = kept - 2; a >= 0; a--) stride[a] = stride[a + 1]! * outer[a + 1]!;
    const topDims = order.slice(0, kept).map((a) => outer[a]!);
    const forward = new Float32Array(this.rows);
    const backward = new Float32Array(this.rows);
    const idx = new Array<number>(kept).fill(0);
    for (let r = 0; r < this.rows; r++) {
      let src = 0;
      for (let i = 0; i < kept; i++) src += idx[i]! * stride[order[i]!]!;
      forward[r] = src;
      backward[src] = r;
      for (let i = kept - 1; i >= 0; i--) {
        if (++idx[i]! < topDims[i]!) break;
        idx[i] = 0;
      }
    }
    const b = this.ctx.backend;
    this.forwardIndex = this.ctx.buffer(this.rows);
    this.backwardIndex = this.ctx.buffer(this.rows);
    b.upload(this.forwardIndex, forward);
    b.upload(this.backwardIndex, backward);
    return [order.map((a) => x.shape[a]!)];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.gather(this.rows, this.inner, bottoms[0].data, this.forwardIndex, 1, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (propagateDown[0]) this.ctx.backend.gather(this.rows, this.inner, tops[0].diff, this.backwardIndex, 1, bottoms[0].diff);
  }
}

export const Permute: LayerType<PermuteConfig> = {
  type: 'Permute',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const order = r.numbers('order', undefined, { min: 0 });
    if (order.length === 0 || order.some((a) => !Number.isInteger(a)) || new Set(order).size !== order.length) {
      r.fail('order', 'a non-empty list of distinct axes (integers >= 0)', order);
    }
    return { ...base, order };
  },
  create: (c) => new PermuteLayer(c),
};
