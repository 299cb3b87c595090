/**
 * Forward references of the activations and elementwise layers (Caffe's and Mocha's formulas):
 * one value of the top from the values at the same position of the bottoms.
 */
import { axisOf, count, field, map, type ForwardReference, type ReferenceRow } from './common.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** ReLU: y = x > 0 ? x : negativeSlope x (negativeSlope default 0). */
export const relu: ForwardReference = ([x], _p, row) => {
  const slope = field(row, 'negativeSlope', 0);
  return [map(x, (v) => (v > 0 ? v : slope * v))];
};

/** Sigmoid: y = 1 / (1 + e^-x). */
export const sigmoidLayer: ForwardReference = ([x]) => [map(x, sigmoid)];

/** TanH: y = tanh x. */
export const tanh: ForwardReference = ([x]) => [map(x, Math.tanh)];

/** ELU: y = x > 0 ? x : alpha (e^x - 1) (alpha default 1). */
export const elu: ForwardReference = ([x], _p, row) => {
  const alpha = field(row, 'alpha', 1);
  return [map(x, (v) => (v > 0 ? v : alpha * (Math.exp(v) - 1)))];
};

/** AbsVal: y = |x|. */
export const absVal: ForwardReference = ([x]) => [map(x, Math.abs)];

/** Clip: y = min(max(x, min), max). */
export const clip: ForwardReference = ([x], _p, row) => {
  const lo = field(row, 'min', NaN);
  const hi = field(row, 'max', NaN);
  return [map(x, (v) => Math.min(Math.max(v, lo), hi))];
};

/** Power: y = (shift + scale x)^power (defaults 0, 1, 1). */
export const power: ForwardReference = ([x], _p, row) => {
  const [pw, scale, shift] = [field(row, 'power', 1), field(row, 'scale', 1), field(row, 'shift', 0)];
  return [map(x, (v) => (shift + scale * v) ** pw)];
};

/** Exp: y = base^(shift + scale x), base -1 meaning e. */
export const exp: ForwardReference = ([x], _p, row) => {
  const [base, scale, shift] = [field(row, 'base', -1), field(row, 'scale', 1), field(row, 'shift', 0)];
  return [map(x, (v) => (base === -1 ? Math.E : base) ** (shift + scale * v))];
};

/** Log: y = log_base(shift + scale x), base -1 meaning e. */
export const log: ForwardReference = ([x], _p, row) => {
  const [base, scale, shift] = [field(row, 'base', -1), field(row, 'scale', 1), field(row, 'shift', 0)];
  return [map(x, (v) => Math.log(shift + scale * v) / (base === -1 ? 1 : Math.log(base)))];
};

/** Softplus: y = log(1 + e^(beta x)) / beta. */
export const softplus: ForwardReference = ([x], _p, row) => {
  const beta = field(row, 'beta', 1);
  return [map(x, (v) => Math.log(1 + Math.exp(beta * v)) / beta)];
};

/** PReLU: y = max(x, 0) + a_c min(x, 0), c the channel (axis 1), one slope for all when channelShared. */
export const prelu: ForwardReference = ([x], p, row) => {
  const shape = row.shapes[0];
  const [, C, inner] = [shape[0], shape[1], count(shape.slice(2))];
  const shared = field(row, 'channelShared', false);
  return [map(x, (v, i) => {
    const a = p.slope[shared ? 0 : Math.floor(i / inner) % C];
    return Math.max(v, 0) + a * Math.min(v, 0);
  })];
};

/** Every top a copy of the bottom of the same index (or of the only bottom): Identity, Split, Reshape, Flatten, test-phase Dropout and RandomMask. */
export const copies: ForwardReference = (inputs, _p, row) =>
  (row.config.tops ?? []).map((_, k) => Float64Array.from(inputs[Math.min(k, inputs.length - 1)]));

/** Eltwise: SUM Σ_k c_k x_k (coeff default all 1), PROD Π_k x_k, MAX max_k x_k. */
export const eltwise: ForwardReference = (xs, _p, row) => {
  const op = field(row, 'operation', 'SUM').toUpperCase();
  const coeff = field<number[]>(row, 'coeff', xs.map(() => 1));
  return [map(xs[0], (_, i) => {
    const vals = xs.map((x) => x[i]);
    if (op === 'PROD') return vals.reduce((a, b) => a * b, 1);
    if (op === 'MAX') return Math.max(...vals);
    return vals.reduce((a, v, k) => a + coeff[k] * v, 0);
  })];
};

/** ElementWise: a + b, a - b, a b or a / b. */
export const elementWise: ForwardReference = ([a, b], _p, row) => {
  const op = field(row, 'operation', '');
  const f: Record<string, (u: number, v: number) => number> = {
    add: (u, v) => u + v, subtract: (u, v) => u - v, multiply: (u, v) => u * v, divide: (u, v) => u / v,
  };
  return [map(a, (u, i) => f[op](u, b[i]))];
};

/**
 * The broadcast factor of Scale and Bias: x seen as [outer, channels, inner] where channels spans
 * x.shape[axis, axis + n), n the second bottom's axis count or the parameter's `numAxes`
 * (default 1; -1: all from axis). Returns the channel of every position of x.
 */
function channelOf(row: ReferenceRow): (i: number) => number {
  const shape = row.shapes[0];
  const axis = axisOf(field(row, 'axis', 1), shape.length);
  let n = row.shapes.length > 1 ? row.shapes[1].length : field(row, 'numAxes', 1);
  if (n < 0) n = shape.length - axis;
  const channels = count(shape.slice(axis, axis + n));
  const inner = count(shape.slice(axis + n));
  return (i) => Math.floor(i / inner) % channels;
}

/** Scale: y[o, c, i] = s[c] x[o, c, i] (+ bias[c]); s the second bottom or the `scale` parameter. */
export const scale: ForwardReference = ([x, s], p, row) => {
  const c = channelOf(row);
  const factor = s ?? p.scale;
  return [map(x, (v, i) => factor[c(i)] * v + (p.bias ? p.bias[c(i)] : 0))];
};

/** Bias: y[o, c, i] = x[o, c, i] + b[c]; b the second bottom or the `bias` parameter. */
export const bias: ForwardReference = ([x, b], p, row) => {
  const c = channelOf(row);
  const add = b ?? p.bias;
  return [map(x, (v, i) => v + add[c(i)])];
};

/**
 * erf(x) = 2/√π ∫₀ˣ e^(-t²) dt by composite Simpson's rule on 4,000 intervals (error far below
 * 1e-13 for |x| <= 6), independent of the backend's series and continued fraction.
 */
export function erfBySimpson(x: number): number {
  const n = 4000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * Math.exp(-((k * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
}

/** Erf: y = erf(x). */
export const erfLayer: ForwardReference = ([x]) => [map(x, erfBySimpson)];

/** GELU: y = x (1 + erf(x/√2)) / 2, or with approximate 'tanh' x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2. */
export const gelu: ForwardReference = ([x], _p, row) => field<string>(row, 'approximate', 'none') === 'tanh'
  ? [map(x, (v) => (v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))) / 2)]
  : [map(x, (v) => (v * (1 + erfBySimpson(v / Math.SQRT2))) / 2)];
