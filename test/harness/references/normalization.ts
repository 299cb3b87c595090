/** Forward references of Softmax, LogSoftmax, BatchNorm and LRN (Caffe's formulas). */
import { around, axisOf, count, field, type ForwardReference } from './common.js';

/** Softmax over `axis` (default 1): y[o, c, i] = e^x[o, c, i] / Σ_c' e^x[o, c', i]. */
export const softmax: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[(o * C + c) * inner + i]);
    for (let c = 0; c < C; c++) y[(o * C + c) * inner + i] = Math.exp(x[(o * C + c) * inner + i]) / z;
  }
  return [y];
};

/** LogSoftmax over `axis` (default 1): y[o, c, i] = x[o, c, i] - log Σ_c' e^x[o, c', i]. */
export const logSoftmax: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[(o * C + c) * inner + i]);
    for (let c = 0; c < C; c++) y[(o * C + c) * inner + i] = x[(o * C + c) * inner + i] - Math.log(z);
  }
  return [y];
};

/**
 * BatchNorm: y = (x - μ_c) / sqrt(σ²_c + eps) (eps default 1e-5) per channel c of [N, C, S]; μ, σ²
 * the batch's mean and biased variance in training, the stored mean / scaleFactor and
 * variance / scaleFactor (0 when scaleFactor is 0) with global statistics (the test phase's default).
 */
export const batchNorm: ForwardReference = ([x], p, row) => {
  const shape = row.shapes[0];
  const [N, C, S] = [shape[0], shape[1], count(shape.slice(2))];
  const eps = field(row, 'eps', 1e-5);
  const global = field(row, 'useGlobalStats', row.phase === 'test');
  const y = new Float64Array(x.length);
  const at = (n: number, c: number, s: number) => (n * C + c) * S + s;
  for (let c = 0; c < C; c++) {
    let mu = 0;
    let v = 0;
    if (global) {
      const sf = p.scaleFactor[0];
      [mu, v] = sf === 0 ? [0, 0] : [p.mean[c] / sf, p.variance[c] / sf];
    } else {
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) mu += x[at(n, c, s)] / (N * S);
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) v += (x[at(n, c, s)] - mu) ** 2 / (N * S);
    }
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) y[at(n, c, s)] = (x[at(n, c, s)] - mu) / Math.sqrt(v + eps);
  }
  return [y];
};

/**
 * LRN: y = x s^-beta with s = k + alpha / n Σ x² over the n channels centred on c
 * (ACROSS_CHANNELS, the default) or k + alpha / n² Σ x² over the n × n window centred on (h, w)
 * (WITHIN_CHANNEL), zero outside. Defaults n = 5, alpha 1, beta 0.75, k 1.
 */
export const lrn: ForwardReference = ([x], _p, row) => {
  const [N, C, H, W] = row.shapes[0];
  const n = field(row, 'localSize', 5);
  const [alpha, beta, k] = [field(row, 'alpha', 1), field(row, 'beta', 0.75), field(row, 'k', 1)];
  const across = field(row, 'normRegion', 'ACROSS_CHANNELS') === 'ACROSS_CHANNELS';
  const r = (n - 1) / 2;
  const at = (b: number, c: number, h: number, w: number) => ((b * C + c) * H + h) * W + w;
  const sq = (b: number, c: number, h: number, w: number) => (c < 0 || c >= C || h < 0 || h >= H || w < 0 || w >= W ? 0 : x[at(b, c, h, w)] ** 2);
  const y = new Float64Array(x.length);
  for (let b = 0; b < N; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    let sum = 0;
    if (across) for (let d = -r; d <= r; d++) sum += sq(b, c + d, h, w);
    else for (let dh = -r; dh <= r; dh++) for (let dw = -r; dw <= r; dw++) sum += sq(b, c, h + dh, w + dw);
    const s = k + (alpha / (across ? n : n * n)) * sum;
    y[at(b, c, h, w)] = x[at(b, c, h, w)] * s ** -beta;
  }
  return [y];
};

/**
 * LayerNorm: each row of x seen as [rows, D] (D the product of the axes from `axis`, default -1)
 * becomes (x - μ) / sqrt(σ² + eps) (biased variance, eps default 1e-5), then times `scale` plus
 * `bias`, elementwise over D, when affine (the default).
 */
export const layerNorm: ForwardReference = ([x], p, row) => {
  const shape = row.shapes[0];
  const axisField = field(row, 'axis', -1);
  const axis = axisField < 0 ? axisField + shape.length : axisField;
  const D = count(shape.slice(axis));
  const eps = field(row, 'eps', 1e-5);
  const affine = field(row, 'affine', true);
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let mu = 0, v = 0;
    for (let d = 0; d < D; d++) mu += x[r * D + d] / D;
    for (let d = 0; d < D; d++) v += (x[r * D + d] - mu) ** 2 / D;
    for (let d = 0; d < D; d++) {
      const xhat = (x[r * D + d] - mu) / Math.sqrt(v + eps);
      y[r * D + d] = affine ? p.scale[d] * xhat + p.bias[d] : xhat;
    }
  }
  return [y];
};
