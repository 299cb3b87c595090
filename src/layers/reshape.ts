/**
 * Reshape: the same values under another shape (Caffe's Reshape). The top aliases the bottom's
 * data (`sharesData`), so forward copies nothing; backward copies the diff.
 *
 * Shapes: the bottom axes [axis, axis + numAxes) are replaced by `shape`, where 0 copies the
 * bottom's size at the same position (axis + i) and one -1 is inferred so that counts agree.
 *   forward   y = x (aliased)
 *   backward  dx = dy
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export interface ReshapeConfig extends BaseConfig {
  /** The new sizes; 0 copies the bottom's size, -1 (at most once) is inferred. Required. */
  shape: number[];
  /** First bottom axis replaced (default 0); negative counts from the end (-1: after the last). */
  axis: number;
  /** How many bottom axes are replaced (default -1: all from `axis`). */
  numAxes: number;
}

/** Base of the layers whose top is the bottom's data seen under another shape (Reshape, Flatten, Identity). */
export abstract class AliasLayer<C extends BaseConfig> extends Layer<C> {
  /** The net then creates the top over the bottom's data buffer (the first bottom's: see Identity). */
  override get sharesData(): boolean {
    return true;
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    tops.forEach((t, k) => { if (t.data !== bottoms[k].data) this.ctx.backend.copy(t.count, bottoms[k].data, t.data); });
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    tops.forEach((t, k) => { if (propagateDown[k]) this.ctx.backend.copy(t.count, t.diff, bottoms[k].diff); });
  }
}

export class ReshapeLayer extends AliasLayer<ReshapeConfig> {
  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const n = x.shape.length;
    const start = c.axis < 0 ? c.axis + n + 1 : c.axis;
    const end = c.numAxes === -1 ? n : start + c.numAxes;
    if (start < 0 || start > n || end > n) {
      throw new ShapeError(`${where(c)}: fields "axis" ${c.axis} and "numAxes" ${c.numAxes} select axes [${start}, ${end}) outside bottom "${x.name}" ${shapeStr(x.shape)}`);
    }
    const mid = c.shape.map((d, i) => {
      if (d !== 0) return d;
      if (start + i >= n) throw new ShapeError(`${where(c)}: field "shape" ${shapeStr(c.shape)} has 0 at position ${i}, but bottom "${x.name}" ${shapeStr(x.shape)} has no axis ${start + i} to copy`);
      return x.shape[start + i];
    });
    const shape = [...x.shape.slice(0, start), ...mid, ...x.shape.slice(end)];
    const known = countOf(shape.filter((d) => d !== -1));
    const infer = shape.indexOf(-1);
    if (infer >= 0) {
      if (known === 0 || x.count % known !== 0) {
        throw new ShapeError(`${where(c)}: cannot infer the -1 in ${shapeStr(shape)}: bottom "${x.name}" ${shapeStr(x.shape)} has ${x.count} values, not a multiple of ${known}`);
      }
      shape[infer] = x.count / known;
    }
    if (countOf(shape) !== x.count) {
      throw new ShapeError(`${where(c)}: new shape ${shapeStr(shape)} holds ${countOf(shape)} values but bottom "${x.name}" ${shapeStr(x.shape)} holds ${x.count}`);
    }
    return [shape];
  }
}

export const Reshape: LayerType<ReshapeConfig> = {
  type: 'Reshape',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const shape = r.numbers('shape', undefined, { min: -1 });
    if (shape.some((d) => !Number.isInteger(d)) || shape.filter((d) => d === -1).length > 1) {
      r.fail('shape', 'a list of integers >= -1 with at most one -1', shape);
    }
    return { ...base, shape, axis: r.int('axis', 0), numAxes: r.int('numAxes', -1, { min: -1 }) };
  },
  create: (c) => new ReshapeLayer(c),
};
