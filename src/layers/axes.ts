/**
 * Helpers shared by the structural layers (Concat, Slice, Crop, Tile, Scale...): Caffe-style axis
 * indices (negative counts from the end), strided row copies, and the broadcast geometry of
 * Scale and Bias.
 */
import type { Backend, Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import type { BaseConfig } from '../core/layer.js';
import { where } from './shapes.js';

/** `axis` resolved against `bottom` (-1 is the last axis); fails naming the layer and field. */
export function canonicalAxis(c: BaseConfig, bottom: Blob, axis: number, field = 'axis'): number {
  const n = bottom.shape.length;
  if (axis < -n || axis >= n) {
    throw new ShapeError(`${where(c)}: field "${field}" is ${axis} but bottom "${bottom.name}" ${shapeStr(bottom.shape)} has ${n} axes; expected ${-n} to ${n - 1}`);
  }
  return axis < 0 ? axis + n : axis;
}

/**
 * Copies `rows` blocks of `cols` elements: dst[dstOff + r dstStride + j] = src[srcOff + r srcStride + j]
 * (or += when `accumulate`), as one `copy2d` over views at the offsets.
 */
export function copyRows(b: Backend, rows: number, cols: number, src: Buf, srcOff: number, srcStride: number,
  dst: Buf, dstOff: number, dstStride: number, accumulate = false): void {
  if (rows === 0 || cols === 0) return;
  const s = b.view(src, srcOff, (rows - 1) * srcStride + cols);
  const d = b.view(dst, dstOff, (rows - 1) * dstStride + cols);
  b.copy2d(rows, cols, s, srcStride, d, dstStride, accumulate);
}

/** y [outer, tiles, inner] = x [outer, inner], repeated along the middle axis: a strided copy per tile. */
export function tileRows(b: Backend, outer: number, inner: number, tiles: number, x: Buf, y: Buf): void {
  for (let t = 0; t < tiles; t++) copyRows(b, outer, inner, x, 0, inner, y, t * inner, tiles * inner);
}

/** dx [outer, inner] = Σ_t dy [outer, tiles, inner], tileRows' gradient: the copies summed, one call per tile. */
export function untileRows(b: Backend, outer: number, inner: number, tiles: number, dy: Buf, dx: Buf): void {
  for (let t = 0; t < tiles; t++) copyRows(b, outer, inner, dy, t * inner, tiles * inner, dx, 0, inner, t > 0);
}

/** x seen as [outer, channels, inner] around the axes a Scale or Bias operand covers. */
export interface BroadcastGeom {
  outer: number;
  channels: number;
  inner: number;
  /** Shape of the operand: x.shape[axis, axis + numAxes). */
  shape: Shape;
}

/**
 * Where an operand of Scale or Bias lines up with x: from the second bottom's shape (it must equal
 * x.shape[axis, axis + its axes)) or, for a parameter, from `numAxes` (-1: all axes from `axis`).
 */
export function broadcastGeom(c: BaseConfig, x: Blob, axisField: number, numAxes: number, operand?: Blob): BroadcastGeom {
  const axis = operand && operand.shape.length === 0 ? 0 : canonicalAxis(c, x, axisField);
  const n = operand ? operand.shape.length : numAxes === -1 ? x.shape.length - axis : numAxes;
  const shape = x.shape.slice(axis, axis + n);
  if (axis + n > x.shape.length) {
    throw new ShapeError(`${where(c)}: field "numAxes" is ${numAxes} but bottom "${x.name}" ${shapeStr(x.shape)} has only ${x.shape.length - axis} axes from axis ${axis}`);
  }
  if (operand && shapeStr(operand.shape) !== shapeStr(shape)) {
    throw new ShapeError(`${where(c)}: bottom "${operand.name}" ${shapeStr(operand.shape)} must equal the axes ${axis} to ${axis + n - 1} of bottom "${x.name}" ${shapeStr(x.shape)}, that is ${shapeStr(shape)}`);
  }
  return { outer: countOf(x.shape.slice(0, axis)), channels: countOf(shape), inner: countOf(x.shape.slice(axis + n)), shape };
}
