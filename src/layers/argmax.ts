/**
 * ArgMax: the indices (or values) of the topK largest entries (Caffe's ArgMax). No backward.
 *
 * Shapes: with `axis`, top as the bottom with shape[axis] = topK, holding the indices along the
 * axis, or the values when `outMaxVal`. Without `axis`, each sample x[n] is seen as one vector of
 * dim = count from axis 1 and the top is [N, 1, topK] (indices), or [N, 2, topK] (indices, then
 * values) when `outMaxVal`, padded with 1s to the bottom's axis count.
 *   forward   y = top-k (decreasing, ties to the lower index; Caffe puts the higher one first)
 */
import type { Buf, ClassGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';
import { where } from './shapes.js';

export interface ArgMaxConfig extends BaseConfig {
  /** How many of the largest entries (default 1). */
  topK: number;
  /** Output the values too (without axis) or instead of the indices (with axis); default false. */
  outMaxVal: boolean;
  /** Axis to search along; null (default) searches each sample's whole vector. */
  axis: number | null;
}

export class ArgMaxLayer extends Layer<ArgMaxConfig> {
  private g!: ClassGeom;
  private indices!: Buf;
  private values!: Buf;

  override propagatesTo(): boolean {
    return false;
  }

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const axis = c.axis === null ? null : canonicalAxis(c, x, c.axis);
    this.g = axis === null
      ? { outer: x.shape[0] ?? 1, classes: x.countFrom(1), inner: 1 }
      : { outer: countOf(x.shape.slice(0, axis)), classes: x.shape[axis], inner: x.countFrom(axis + 1) };
    if (c.topK > this.g.classes) {
      throw new ShapeError(`${where(c)}: field "topK" is ${c.topK} but bottom "${x.name}" ${shapeStr(x.shape)} has only ${this.g.classes} entries ${axis === null ? 'per sample' : `along axis ${axis}`}`);
    }
    const n = this.g.outer * c.topK * this.g.inner;
    this.indices = this.ctx.buffer(n);
    this.values = this.ctx.buffer(n);
    if (axis !== null) return [x.shape.map((d, a) => (a === axis ? c.topK : d))];
    const shape = [this.g.outer, c.outMaxVal ? 2 : 1, c.topK];
    while (shape.length < x.shape.length) shape.push(1);
    return [shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { topK, outMaxVal, axis } = this.config;
    b.topK(this.g, topK, bottoms[0].data, this.indices, this.values);
    const y = tops[0].data;
    const n = this.g.outer * topK * this.g.inner;
    if (axis !== null || !outMaxVal) {
      b.copy(n, axis !== null && outMaxVal ? this.values : this.indices, y);
    } else {
      copyRows(b, this.g.outer, topK, this.indices, 0, topK, y, 0, 2 * topK);
      copyRows(b, this.g.outer, topK, this.values, 0, topK, y, topK, 2 * topK);
    }
  }
}

export const ArgMax: LayerType<ArgMaxConfig> = {
  type: 'ArgMax',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const axis = r.has('axis') ? r.int('axis') : (r.accept('axis'), null);
    return { ...base, topK: r.int('topK', 1, { min: 1 }), outMaxVal: r.bool('outMaxVal', false), axis };
  },
  create: (c) => new ArgMaxLayer(c),
};
