/**
 * What the float64 forward references share: the row they are asked about, the reading of its
 * config with the documented defaults, and the index arithmetic of "x seen as [outer, C, inner]".
 *
 * A reference is written from the layer's documented formula (its top comment and Caffe's or
 * Mocha's definition) with plain loops over Float64Arrays. It never calls the layer, the backend
 * or src/ helpers, so that a mistake there cannot hide in the reference too.
 */
import type { Shape } from '../../../src/core/blob.js';
import type { LayerConfig, Phase } from '../../../src/core/layer.js';

/** The row a reference is asked about: the bottoms' shapes, its raw config, its phase. */
export interface ReferenceRow {
  shapes: Shape[];
  config: LayerConfig;
  phase: Phase;
}

/**
 * An independent float64 forward: the tops' values from the bottoms' values, the parameters by
 * name (as the layer declares them: weight, bias, slope, mean, W_xc, ...) and the row.
 */
export type ForwardReference = (inputs: Float64Array[], params: Record<string, Float64Array>, row: ReferenceRow) => Float64Array[];

export const count = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** A field of the raw config, or its documented default. */
export function field<T>(row: ReferenceRow, key: string, fallback: T): T {
  const v = row.config[key];
  return v === undefined ? fallback : (v as T);
}

/** A [h, w] field given as one number or a pair. */
export function pair(row: ReferenceRow, key: string, fallback: number): [number, number] {
  const v = field<number | number[]>(row, key, fallback);
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** A possibly negative axis of a shape of `rank` axes. */
export const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** [outer, size of `axis`, inner] of a shape. */
export function around(shape: Shape, axis: number): [number, number, number] {
  return [count(shape.slice(0, axis)), shape[axis], count(shape.slice(axis + 1))];
}

/** The activation named by a `neuron` field (src/neurons/neuron.ts lists them), as a scalar function. */
export function neuron(def: unknown): (v: number) => number {
  if (def === undefined) return (v) => v;
  const d = (typeof def === 'string' ? { type: def } : def) as { type: string; slope?: number };
  switch (d.type) {
    case 'Identity': return (v) => v;
    case 'ReLU': return (v) => Math.max(v, 0);
    case 'LReLU': return (v) => (v > 0 ? v : (d.slope ?? 0.01) * v);
    case 'Sigmoid': return (v) => 1 / (1 + Math.exp(-v));
    case 'Tanh': return (v) => Math.tanh(v);
    case 'Exponential': return (v) => Math.exp(v);
    default: throw new Error(`reference: unknown neuron ${d.type}`);
  }
}

/** The smallest positive normal float32, the floor before a log (Caffe's FLT_MIN). */
export const FLT_MIN = 1.17549435e-38;

/** Class weights rescaled to sum to the class count (Mocha's normalize = :local), or all 1. */
export function classWeights(row: ReferenceRow, classes: number): number[] {
  const w = field<number[] | null>(row, 'weights', null);
  if (!w) return Array(classes).fill(1);
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => (v * classes) / sum);
}

/** Applies `f` to every value: the elementwise layers. */
export const map = (x: Float64Array, f: (v: number, i: number) => number): Float64Array => Float64Array.from(x, f);
