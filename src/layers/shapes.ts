/**
 * Shape helpers shared by the layers: views of a bottom as [num, channels, height, width] or as a
 * classifier's [outer, classes, inner], each failing with a ShapeError that names the layer.
 */
import type { ClassGeom } from '../backend/backend.js';
import type { Blob } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ConfigError, ShapeError, layerRef, shapeStr } from '../core/errors.js';
import { MAX_INT32 } from '../core/limits.js';
import type { BaseConfig } from '../core/layer.js';

/** `where` of a layer for messages: `layer "conv1" (Convolution)`. */
export function where(c: BaseConfig): string {
  return layerRef(c.name, c.type);
}

/** The bottom as [num, channels, height, width]; it must be 4-d. */
export function image4d(c: BaseConfig, bottom: Blob): [number, number, number, number] {
  if (bottom.shape.length !== 4) {
    throw new ShapeError(`${where(c)}: bottom "${bottom.name}" must be 4-d [num, channels, height, width], found ${shapeStr(bottom.shape)}`);
  }
  return [bottom.shape[0], bottom.shape[1], bottom.shape[2], bottom.shape[3]];
}

/**
 * Fails unless every index a windowed kernel (convolution, pooling) computes along one axis fits
 * the kernels' 32-bit integers: size + 2 pad + stride + kernel extent <= 2^31 - 1, the extent
 * being dilation (kernel - 1) + 1. Each field alone is already at most 2^31 - 1 (ConfigReader).
 */
export function checkWindowIndexing(c: BaseConfig, bottom: Blob, axis: 'height' | 'width', size: number, extent: number, stride: number, pad: number): void {
  const reach = size + 2 * pad + stride + extent;
  if (reach > MAX_INT32) {
    throw new ConfigError(`${where(c)}: along the ${axis} of bottom "${bottom.name}" ${shapeStr(bottom.shape)}, size ${size} + 2 × pad ${pad} + stride ${stride} + kernel extent ${extent} = ${reach} is above ${MAX_INT32} (2^31 - 1), beyond the kernels' 32-bit indexing; lower "pad", "stride" or "kernel"`);
  }
}

/** Fails unless `axis` is one of the bottom's axes. */
function checkAxis(c: BaseConfig, bottom: Blob, axis: number): void {
  if (axis >= bottom.shape.length) {
    throw new ShapeError(`${where(c)}: field "axis" is ${axis} but bottom "${bottom.name}" ${shapeStr(bottom.shape)} has only ${bottom.shape.length} axes; axis must be below ${bottom.shape.length}`);
  }
}

/** The bottom as a matrix [rows, features], flattened at `axis` (the fully connected layers' view). */
export function matrixAt(c: BaseConfig, bottom: Blob, axis: number): [number, number] {
  checkAxis(c, bottom, axis);
  return [countOf(bottom.shape.slice(0, axis)), countOf(bottom.shape.slice(axis))];
}

/** [outer, classes, inner] around `axis`: for [N, C, H, W] and axis 1, outer N, classes C, inner H W. */
export function classGeom(c: BaseConfig, bottom: Blob, axis: number): ClassGeom {
  checkAxis(c, bottom, axis);
  return {
    outer: countOf(bottom.shape.slice(0, axis)),
    classes: bottom.shape[axis],
    inner: countOf(bottom.shape.slice(axis + 1)),
  };
}

/** Checks that a label blob holds one label per [outer, inner] position. */
export function checkLabels(c: BaseConfig, g: ClassGeom, scores: Blob, label: Blob): void {
  if (label.count !== g.outer * g.inner) {
    throw new ShapeError(`${where(c)}: label blob "${label.name}" ${shapeStr(label.shape)} must hold one label per position of scores "${scores.name}" ${shapeStr(scores.shape)}, that is ${g.outer * g.inner} values (outer ${g.outer} × inner ${g.inner}), found ${label.count}`);
  }
}

/** The tops of a layer whose single top may be left out, named after the layer (losses, accuracy). */
export function defaultTop(base: BaseConfig): string[] {
  return base.tops.length > 0 ? base.tops : [base.name];
}
