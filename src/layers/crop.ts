/**
 * Crop: cuts bottom 0 down to the size of bottom 1 on the axes from `axis` on (Caffe's Crop).
 *
 * Shapes: x (bottom 0), reference r (bottom 1, only its shape is read); top
 * [x.shape[0, axis), r.shape[axis, ...)], starting at `offset` on each cropped axis.
 *   forward   y[i] = x[i + offset]          (offset 0 on the axes before `axis`)
 *   backward  dx = dy at the cropped positions, 0 elsewhere; r gets no gradient
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';
import { where } from './shapes.js';

export interface CropConfig extends BaseConfig {
  /** First axis cropped (default 2, the height of images); negative counts from the end. */
  axis: number;
  /** Start on each cropped axis: one number for all, or one per axis from `axis` (default [0]). */
  offset: number[];
}

export class CropLayer extends Layer<CropConfig> {
  /** Offset on every axis of x (0 before `axis`). */
  private offsets: number[] = [];

  override propagatesTo(i: number): boolean {
    return i === 0;
  }

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [x, ref] = bottoms;
    if (ref.shape.length !== x.shape.length) {
      throw new ShapeError(`${where(c)}: reference bottom "${ref.name}" ${shapeStr(ref.shape)} must have as many axes as bottom "${x.name}" ${shapeStr(x.shape)}`);
    }
    const axis = canonicalAxis(c, x, c.axis);
    const cropped = x.shape.length - axis;
    if (c.offset.length !== 1 && c.offset.length !== cropped) {
      throw new ShapeError(`${where(c)}: field "offset" ${shapeStr(c.offset)} must hold 1 or ${cropped} numbers (one per axis from ${axis} of bottom "${x.name}" ${shapeStr(x.shape)})`);
    }
    this.offsets = x.shape.map((_, a) => (a < axis ? 0 : c.offset.length === 1 ? c.offset[0] : c.offset[a - axis]));
    const shape = x.shape.map((d, a) => (a < axis ? d : ref.shape[a]));
    shape.forEach((d, a) => {
      if (this.offsets[a] + d > x.shape[a]) {
        throw new ShapeError(`${where(c)}: on axis ${a}, offset ${this.offsets[a]} plus the reference size ${d} (bottom "${ref.name}" ${shapeStr(ref.shape)}) exceeds the size ${x.shape[a]} of bottom "${x.name}" ${shapeStr(x.shape)}`);
      }
    });
    return [shape];
  }

  /** Calls `rows(xOffset, yOffset)` for each block over the last two axes, which copyRows moves. */
  private blocks(x: Shape, y: Shape, visit: (xOff: number, yOff: number, rows: number, cols: number, xStride: number) => void): void {
    const n = x.length;
    const cols = y[n - 1];
    const rows = n >= 2 ? y[n - 2] : 1;
    const xStride = n >= 2 ? x[n - 1] : 0;
    const lead = n - 2;
    const idx = new Array<number>(Math.max(lead, 0)).fill(0);
    const total = countOf(y.slice(0, Math.max(lead, 0)));
    for (let k = 0; k < total; k++) {
      let xOff = 0;
      let yOff = 0;
      for (let a = 0; a < lead; a++) {
        xOff = xOff * x[a] + idx[a] + this.offsets[a];
        yOff = yOff * y[a] + idx[a];
      }
      if (n >= 2) {
        xOff = (xOff * x[n - 2] + this.offsets[n - 2]) * x[n - 1];
        yOff *= rows * cols;
      }
      visit(xOff + this.offsets[n - 1], yOff, rows, cols, xStride);
      for (let a = lead - 1; a >= 0; a--) {
        if (++idx[a] < y[a]) break;
        idx[a] = 0;
      }
    }
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const [x, y] = [bottoms[0], tops[0]];
    this.blocks(x.shape, y.shape, (xOff, yOff, rows, cols, xStride) => copyRows(b, rows, cols, x.data, xOff, xStride, y.data, yOff, cols));
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const [x, y] = [bottoms[0], tops[0]];
    b.set(x.count, 0, x.diff);
    this.blocks(x.shape, y.shape, (xOff, yOff, rows, cols, xStride) => copyRows(b, rows, cols, y.diff, yOff, cols, x.diff, xOff, xStride));
  }
}

export const Crop: LayerType<CropConfig> = {
  type: 'Crop',
  parse(r, base) {
    expectBlobs(r, base, 2, 1);
    const offset = r.numbers('offset', [0], { min: 0 });
    if (offset.length === 0 || offset.some((o) => !Number.isInteger(o))) r.fail('offset', 'a list of one or more integers >= 0', offset);
    return { ...base, axis: r.int('axis', 2), offset };
  },
  create: (c) => new CropLayer(c),
};
