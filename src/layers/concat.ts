/**
 * Concat: joins its bottoms along `axis` (Caffe's Concat).
 *
 * Shapes: bottoms agree on every axis but `axis`; top has Σ_k bottom_k.shape[axis] there.
 * Seen as [outer, size_k × inner] blocks:
 *   forward   top[o, off_k : off_k + size_k, :] = x_k[o]
 *   backward  dx_k[o] = dtop[o, off_k : off_k + size_k, :]
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';
import { where } from './shapes.js';

export interface ConcatConfig extends BaseConfig {
  /** Axis to join along (default 1, the channels); negative counts from the end. */
  axis: number;
}

export class ConcatLayer extends Layer<ConcatConfig> {
  private axis = 0;
  private outer = 0;
  private inner = 0;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const first = bottoms[0];
    this.axis = canonicalAxis(c, first, c.axis);
    const shape = [...first.shape];
    for (const x of bottoms.slice(1)) {
      const same = x.shape.length === shape.length && x.shape.every((d, i) => i === this.axis || d === shape[i]);
      if (!same) {
        throw new ShapeError(`${where(c)}: bottom "${x.name}" ${shapeStr(x.shape)} must match bottom "${first.name}" ${shapeStr(first.shape)} on every axis but ${this.axis}`);
      }
      shape[this.axis] += x.shape[this.axis];
    }
    this.outer = countOf(shape.slice(0, this.axis));
    this.inner = countOf(shape.slice(this.axis + 1));
    return [shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const row = tops[0].shape[this.axis] * this.inner;
    let off = 0;
    for (const x of bottoms) {
      const n = x.shape[this.axis] * this.inner;
      copyRows(this.ctx.backend, this.outer, n, x.data, 0, n, tops[0].data, off, row);
      off += n;
    }
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const row = tops[0].shape[this.axis] * this.inner;
    let off = 0;
    bottoms.forEach((x, k) => {
      const n = x.shape[this.axis] * this.inner;
      if (propagateDown[k]) copyRows(this.ctx.backend, this.outer, n, tops[0].diff, off, row, x.diff, 0, n);
      off += n;
    });
  }
}

export const Concat: LayerType<ConcatConfig> = {
  type: 'Concat',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], 1);
    return { ...base, axis: r.int('axis', 1) };
  },
  create: (c) => new ConcatLayer(c),
};
