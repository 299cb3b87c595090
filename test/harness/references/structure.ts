/**
 * Forward references of the structural layers (Caffe's Concat, Slice, Crop, Tile, Reduction, Reverse,
 * ArgMax; SSD Caffe's Permute; Mocha's Index2Onehot): where each top value comes from, by index arithmetic.
 */
import { around, axisOf, count, field, type ForwardReference } from './common.js';

/** Concat along `axis` (default 1): top[o, off_k + j, i] = x_k[o, j, i]. */
export const concat: ForwardReference = (xs, _p, row) => {
  const axis = axisOf(field(row, 'axis', 1), row.shapes[0].length);
  const sizes = row.shapes.map((s) => s[axis]);
  const total = sizes.reduce((a, b) => a + b, 0);
  const [outer, , inner] = around(row.shapes[0], axis);
  const y = new Float64Array(outer * total * inner);
  let off = 0;
  xs.forEach((x, k) => {
    for (let o = 0; o < outer; o++) for (let j = 0; j < sizes[k]; j++) for (let i = 0; i < inner; i++) y[(o * total + off + j) * inner + i] = x[(o * sizes[k] + j) * inner + i];
    off += sizes[k];
  });
  return [y];
};

/** Slice along `axis` (default 1) at slicePoints, or into equal parts: y_k[o, j, i] = x[o, p_k + j, i]. */
export const slice: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const axis = axisOf(field(row, 'axis', 1), shape.length);
  const [outer, size, inner] = around(shape, axis);
  const K = (row.config.tops ?? []).length;
  const points = [0, ...field<number[] | null>(row, 'slicePoints', null) ?? Array.from({ length: K - 1 }, (_, k) => ((k + 1) * size) / K), size];
  return points.slice(0, -1).map((start, k) => {
    const len = points[k + 1] - start;
    const y = new Float64Array(outer * len * inner);
    for (let o = 0; o < outer; o++) for (let j = 0; j < len; j++) for (let i = 0; i < inner; i++) y[(o * len + j) * inner + i] = x[(o * size + start + j) * inner + i];
    return y;
  });
};

/** Crop x to the reference's shape from `axis` (default 2) on: y[i] = x[i + offset] (one offset for all axes, or one each). */
export const crop: ForwardReference = ([x], _p, row) => {
  const [xs, rs] = row.shapes;
  const axis = axisOf(field(row, 'axis', 2), xs.length);
  const given = field<number[]>(row, 'offset', [0]);
  const outShape = xs.map((d, a) => (a < axis ? d : rs[a]));
  const offset = xs.map((_, a) => (a < axis ? 0 : given.length === 1 ? given[0] : given[a - axis]));
  const y = new Float64Array(count(outShape));
  for (let k = 0; k < y.length; k++) {
    let rest = k;
    let src = 0;
    let stride = 1;
    for (let a = xs.length - 1; a >= 0; a--) {
      const idx = rest % outShape[a];
      rest = Math.floor(rest / outShape[a]);
      src += (idx + offset[a]) * stride;
      stride *= xs[a];
    }
    y[k] = x[src];
  }
  return [y];
};

/** Permute: top axis i is bottom axis order[i] (the axes `order` leaves out follow in order); each top value's bottom position by strides. */
export const permute: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const given = field<number[]>(row, 'order', []);
  const order = [...given, ...shape.map((_, a) => a).filter((a) => !given.includes(a))];
  const strides = shape.map((_, a) => count(shape.slice(a + 1)));
  const top = order.map((a) => shape[a]);
  const y = new Float64Array(count(shape));
  for (let k = 0; k < y.length; k++) {
    let rest = k, src = 0;
    for (let i = top.length - 1; i >= 0; i--) {
      src += (rest % top[i]) * strides[order[i]];
      rest = Math.floor(rest / top[i]);
    }
    y[k] = x[src];
  }
  return [y];
};

/** Tile: y[o, t] = x[o], x seen as [outer, inner] with inner the count from `axis` (default 1). */
export const tile: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const axis = axisOf(field(row, 'axis', 1), shape.length);
  const tiles = field(row, 'tiles', 1);
  const inner = count(shape.slice(axis));
  const outer = count(shape.slice(0, axis));
  const y = new Float64Array(outer * tiles * inner);
  for (let o = 0; o < outer; o++) for (let t = 0; t < tiles; t++) for (let i = 0; i < inner; i++) y[(o * tiles + t) * inner + i] = x[o * inner + i];
  return [y];
};

/**
 * Upsample: y[n, c, i_2, ..., i_k] = x[n, c, floor(i_2 / s_2), ..., floor(i_k / s_k)], `scale` one
 * factor for every spatial axis or one per axis; each output position's index taken apart digit by digit.
 */
export const upsample: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const given = field<number | number[]>(row, 'scale', 1);
  const list = typeof given === 'number' ? [given] : given;
  const s = shape.map((_, a) => (a < 2 ? 1 : list[list.length === 1 ? 0 : a - 2]));
  const out = shape.map((d, a) => d * s[a]);
  const y = new Float64Array(count(out));
  for (let k = 0; k < y.length; k++) {
    let rest = k, src = 0, stride = 1;
    for (let a = shape.length - 1; a >= 0; a--) {
      const i = rest % out[a];
      rest = Math.floor(rest / out[a]);
      src += Math.floor(i / s[a]) * stride;
      stride *= shape[a];
    }
    y[k] = x[src];
  }
  return [y];
};

/** Reverse along `axis` (default 0): y[o, t, i] = x[o, T - 1 - t, i]. */
export const reverse: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const axis = axisOf(field(row, 'axis', 0), shape.length);
  const [outer, T, inner] = around(shape, axis);
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) for (let t = 0; t < T; t++) for (let i = 0; i < inner; i++) y[(o * T + t) * inner + i] = x[(o * T + T - 1 - t) * inner + i];
  return [y];
};

/** Reduction over the axes from `axis` (default 0): SUM, ASUM, SUMSQ or MEAN, times coeff (default 1). */
export const reduction: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const axis = axisOf(field(row, 'axis', 0), shape.length);
  const op = field(row, 'operation', 'SUM').toUpperCase();
  const coeff = field(row, 'coeff', 1);
  const [outer, inner] = [count(shape.slice(0, axis)), count(shape.slice(axis))];
  const y = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let i = 0; i < inner; i++) {
      const v = x[o * inner + i];
      s += op === 'ASUM' ? Math.abs(v) : op === 'SUMSQ' ? v * v : v;
    }
    y[o] = coeff * (op === 'MEAN' ? s / inner : s);
  }
  return [y];
};

/** Indices of `v` by decreasing value, ties to the lower index, the first k. */
function topK(v: number[], k: number): number[] {
  return v.map((_, i) => i).sort((a, b) => v[b] - v[a] || a - b).slice(0, k);
}

/**
 * ArgMax: without `axis`, per sample the topK indices over the whole sample ([N, 1, topK]), then
 * their values with outMaxVal ([N, 2, topK]); with `axis`, the topK indices along it, or their
 * values with outMaxVal.
 */
export const argMax: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const k = field(row, 'topK', 1);
  const withValues = field(row, 'outMaxVal', false);
  const axisField = field<number | null>(row, 'axis', null);
  if (axisField === null) {
    const N = shape[0];
    const dim = count(shape) / N;
    const y = new Float64Array(N * (withValues ? 2 : 1) * k);
    for (let n = 0; n < N; n++) {
      const v = Array.from(x.subarray(n * dim, (n + 1) * dim));
      topK(v, k).forEach((idx, j) => {
        if (withValues) {
          y[n * 2 * k + j] = idx;
          y[n * 2 * k + k + j] = v[idx];
        } else y[n * k + j] = idx;
      });
    }
    return [y];
  }
  const [outer, D, inner] = around(shape, axisOf(axisField, shape.length));
  const y = new Float64Array(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const v = Array.from({ length: D }, (_, d) => x[(o * D + d) * inner + i]);
      topK(v, k).forEach((idx, j) => { y[(o * k + j) * inner + i] = withValues ? v[idx] : idx; });
    }
  }
  return [y];
};

/** Index2Onehot: y[o, c, i] = x[o, i] == c, the classes at `axis` (default 1; appended when it equals the bottom's axis count). */
export const index2onehot: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const classes = field(row, 'classes', 0);
  const axis = field(row, 'axis', 1);
  const outer = count(shape.slice(0, axis));
  const inner = axis < shape.length ? count(shape.slice(axis + 1)) : 1;
  const y = new Float64Array(outer * classes * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) y[(o * classes + x[o * inner + i]) * inner + i] = 1;
  return [y];
};

/** Parameter: the top is the parameter `value`. */
export const parameter: ForwardReference = (_x, p) => [Float64Array.from(p.value)];

/** MatMul: y_i = a_i b_i (b_iᵀ with transposeB) over the last two axes, b shared when it has no batch axes. */
export const matMul: ForwardReference = ([a, b], _p, row) => {
  const [sa, sb] = row.shapes;
  const [M, K] = sa.slice(-2);
  const t = field(row, 'transposeB', false);
  const N = t ? sb[sb.length - 2] : sb[sb.length - 1];
  const batch = count(sa.slice(0, -2));
  const shared = sb.length === 2;
  const y = new Float64Array(batch * M * N);
  for (let i = 0; i < batch; i++) {
    const bo = shared ? 0 : i * K * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[i * M * K + m * K + k] * b[bo + (t ? n * K + k : k * N + n)];
        y[i * M * N + m * N + n] = s;
      }
    }
  }
  return [y];
};

/** Compare: 1 where x compares true with `value` (default 0), else 0. */
export const compare: ForwardReference = ([x], _p, row) => {
  const v = field(row, 'value', 0);
  const test: Record<string, (a: number) => boolean> = {
    equal: (a) => a === v, notEqual: (a) => a !== v, less: (a) => a < v,
    lessOrEqual: (a) => a <= v, greater: (a) => a > v, greaterOrEqual: (a) => a >= v,
  };
  const f = test[field(row, 'operation', '')]!;
  return [x.map((a) => (f(a) ? 1 : 0))];
};
