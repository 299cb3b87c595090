/**
 * Slice: cuts its bottom along `axis` into several tops (Caffe's Slice), the inverse of Concat.
 *
 * Shapes: with slicePoints p_1 < ... < p_{K-1} (strictly inside the axis), top k spans
 * [p_k, p_{k+1}) of the axis (p_0 = 0, p_K = the axis size). Without slicePoints the axis is
 * split evenly into as many parts as there are tops.
 *   forward   y_k[o] = x[o, p_k : p_{k+1}, :]
 *   backward  dx[o, p_k : p_{k+1}, :] = dy_k[o]
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';
import { where } from './shapes.js';

export interface SliceConfig extends BaseConfig {
  /** Axis to cut (default 1, the channels); negative counts from the end. */
  axis: number;
  /** Cut positions, increasing, one fewer than the tops; default: equal parts. */
  slicePoints: number[] | null;
}

export class SliceLayer extends Layer<SliceConfig> {
  private axis = 0;
  private outer = 0;
  private inner = 0;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    this.axis = canonicalAxis(c, x, c.axis);
    const size = x.shape[this.axis];
    const k = c.tops.length;
    let points = c.slicePoints;
    if (!points) {
      if (size % k !== 0) {
        throw new ShapeError(`${where(c)}: axis ${this.axis} of bottom "${x.name}" ${shapeStr(x.shape)} has size ${size}, which does not split evenly into ${k} tops; give "slicePoints"`);
      }
      points = Array.from({ length: k - 1 }, (_, i) => ((i + 1) * size) / k);
    }
    const bounds = [0, ...points, size];
    for (let i = 1; i < bounds.length; i++) {
      if (bounds[i] <= bounds[i - 1]) {
        throw new ShapeError(`${where(c)}: field "slicePoints" ${shapeStr(points)} must increase strictly inside (0, ${size}), the size of axis ${this.axis} of bottom "${x.name}" ${shapeStr(x.shape)}`);
      }
    }
    this.outer = countOf(x.shape.slice(0, this.axis));
    this.inner = countOf(x.shape.slice(this.axis + 1));
    return bounds.slice(1).map((end, i) => x.shape.map((d, a) => (a === this.axis ? end - bounds[i] : d)));
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const row = bottoms[0].shape[this.axis] * this.inner;
    let off = 0;
    for (const y of tops) {
      const n = y.shape[this.axis] * this.inner;
      copyRows(this.ctx.backend, this.outer, n, bottoms[0].data, off, row, y.data, 0, n);
      off += n;
    }
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const row = bottoms[0].shape[this.axis] * this.inner;
    let off = 0;
    for (const y of tops) {
      const n = y.shape[this.axis] * this.inner;
      copyRows(this.ctx.backend, this.outer, n, y.diff, 0, n, bottoms[0].diff, off, row);
      off += n;
    }
  }
}

export const Slice: LayerType<SliceConfig> = {
  type: 'Slice',
  parse(r, base) {
    expectBlobs(r, base, 1, [1, Infinity]);
    const slicePoints = r.has('slicePoints') ? r.numbers('slicePoints', undefined, { min: 1 }) : (r.accept('slicePoints'), null);
    if (slicePoints && (slicePoints.length !== base.tops.length - 1 || slicePoints.some((p) => !Number.isInteger(p)))) {
      r.fail('slicePoints', `a list of ${base.tops.length - 1} integers (one fewer than the tops)`, slicePoints);
    }
    return { ...base, axis: r.int('axis', 1), slicePoints };
  },
  create: (c) => new SliceLayer(c),
};
