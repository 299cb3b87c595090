/**
 * Forward references of the losses and metrics (Caffe's and Mocha's definitions): each top is the
 * one number [loss] or [accuracy]. Labels picking a class are read at [outer, inner] positions of
 * scores seen as [outer, C, inner] around `axis`.
 */
import { FLT_MIN, around, axisOf, classWeights, count, field, type ForwardReference, type ReferenceRow } from './common.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Caffe's normalizer of a summed loss, at least 1: valid positions, batch (outer), full (every position) or none. */
function normalizer(mode: string, valid: number, batch: number, full: number): number {
  return mode === 'none' ? 1 : Math.max(1, mode === 'valid' ? valid : mode === 'batch' ? batch : full);
}

/** -Σ_valid w[l] log max(q(o, l, i), FLT_MIN) / normalizer, q the class probabilities (softmax of scores, or the bottom itself). */
function labelledNll(row: ReferenceRow, label: Float64Array, prob: (o: number, c: number, i: number) => number): number {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const ignore = field<number | null>(row, 'ignoreLabel', null);
  const w = classWeights(row, C);
  let sum = 0;
  let valid = 0;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const l = label[o * inner + i];
    if (l === ignore) continue;
    valid++;
    sum -= w[l] * Math.log(Math.max(prob(o, l, i), FLT_MIN));
  }
  return sum / normalizer(field(row, 'normalization', 'valid'), valid, outer, outer * inner);
}

/** SoftmaxLoss: the multinomial logistic loss of softmax(scores) over `axis` (default 1). */
export const softmaxLoss: ForwardReference = ([x, label], _p, row) => {
  const shape = row.shapes[0];
  const [, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const prob = (o: number, l: number, i: number) => {
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[(o * C + c) * inner + i]);
    return Math.exp(x[(o * C + l) * inner + i]) / z;
  };
  return [Float64Array.of(labelledNll(row, label, prob))];
};

/** MultinomialLogisticLoss: -Σ w[l] log max(p[o, l, i], FLT_MIN) / normalizer on probabilities. */
export const multinomialLogisticLoss: ForwardReference = ([p, label], _p, row) => {
  const shape = row.shapes[0];
  const [, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  return [Float64Array.of(labelledNll(row, label, (o, l, i) => p[(o * C + l) * inner + i]))];
};

/** Accuracy: the fraction of valid positions where fewer than topK classes score at least the label's. */
export const accuracy: ForwardReference = ([x, label], _p, row) => {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const k = field(row, 'topK', 1);
  const ignore = field<number | null>(row, 'ignoreLabel', null);
  let right = 0;
  let valid = 0;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const l = label[o * inner + i];
    if (l === ignore) continue;
    valid++;
    const mine = x[(o * C + l) * inner + i];
    let above = 0;
    for (let c = 0; c < C; c++) if (c !== l && x[(o * C + c) * inner + i] >= mine) above++;
    if (above < k) right++;
  }
  return [Float64Array.of(valid ? right / valid : 0)];
};

/** EuclideanLoss and SquareLoss: Σ (a - b)² / 2N, N the first axis of a. */
export const euclideanLoss: ForwardReference = ([a, b], _p, row) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return [Float64Array.of(s / (2 * row.shapes[0][0]))];
};

/** SigmoidCrossEntropyLoss: Σ_valid -t log σ(x) - (1 - t) log(1 - σ(x)) / normalizer ('batch' by default: the first axis). */
export const sigmoidCrossEntropyLoss: ForwardReference = ([x, t], _p, row) => {
  const ignore = field<number | null>(row, 'ignoreLabel', null);
  let s = 0;
  let valid = 0;
  for (let i = 0; i < x.length; i++) {
    if (t[i] === ignore) continue;
    valid++;
    s -= t[i] * Math.log(sigmoid(x[i])) + (1 - t[i]) * Math.log(1 - sigmoid(x[i]));
  }
  return [Float64Array.of(s / normalizer(field(row, 'normalization', 'batch'), valid, row.shapes[0][0], x.length))];
};

/** BinaryCrossEntropyLoss: -Σ t log p + (1 - t) log(1 - p) / N, N the first axis of p (each log floored at FLT_MIN). */
export const binaryCrossEntropyLoss: ForwardReference = ([p, t], _p, row) => {
  let s = 0;
  for (let i = 0; i < p.length; i++) s -= t[i] * Math.log(Math.max(p[i], FLT_MIN)) + (1 - t[i]) * Math.log(Math.max(1 - p[i], FLT_MIN));
  return [Float64Array.of(s / row.shapes[0][0])];
};

/** GaussianKLLoss: KL(N(mu, sigma²) ‖ N(0, 1)) = Σ (mu² + sigma² - 2 log sigma - 1) / 2N. */
export const gaussianKLLoss: ForwardReference = ([mu, sigma], _p, row) => {
  let s = 0;
  for (let i = 0; i < mu.length; i++) s += mu[i] ** 2 + sigma[i] ** 2 - 2 * Math.log(sigma[i]) - 1;
  return [Float64Array.of(s / (2 * row.shapes[0][0]))];
};

/** SoftlabelSoftmaxLoss: -Σ t log max(softmax(x), FLT_MIN) / (outer × inner). */
export const softlabelSoftmaxLoss: ForwardReference = ([x, t], _p, row) => {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  let s = 0;
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[(o * C + c) * inner + i]);
    for (let c = 0; c < C; c++) s -= t[(o * C + c) * inner + i] * Math.log(Math.max(Math.exp(x[(o * C + c) * inner + i]) / z, FLT_MIN));
  }
  return [Float64Array.of(s / (outer * inner))];
};

/**
 * HingeLoss. labels 'index' (Caffe's): margins max(0, 1 + δ x[n, c]), δ = -1 at the label's class
 * and +1 elsewhere; labels 'sign' (Mocha's): max(0, 1 - y x). Σ m (L1) or Σ m² (L2), over N.
 */
export const hingeLoss: ForwardReference = ([x, label], _p, row) => {
  const N = row.shapes[0][0];
  const C = x.length / N;
  const square = field<string>(row, 'norm', 'L1') === 'L2';
  const sign = field<string>(row, 'labels', 'index') === 'sign';
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const m = sign ? Math.max(0, 1 - label[i] * x[i]) : Math.max(0, 1 + (label[Math.floor(i / C)] === i % C ? -1 : 1) * x[i]);
    s += square ? m * m : m;
  }
  return [Float64Array.of(s / N)];
};

/**
 * WassersteinLoss: per sample, Sinkhorn from u = 1/P, sinkhornIter times u = a ./ (K (b ./ (Kᵀ u))),
 * then v = b ./ (Kᵀ u) and the cost uᵀ ((K ⊙ M) v), K = exp(-lambda M); the mean over samples.
 */
export const wassersteinLoss: ForwardReference = ([a, b], _p, row) => {
  const M = field<number[][]>(row, 'M', []);
  const lambda = field(row, 'lambda', 0);
  const iters = field(row, 'sinkhornIter', 50);
  const N = row.shapes[0][0];
  const [P, Q] = [a.length / N, b.length / N];
  const K = M.map((r) => r.map((m) => Math.exp(-lambda * m)));
  const KtU = (u: number[], bn: number[]) => bn.map((bq, q) => bq / u.reduce((s, up, pi) => s + K[pi][q] * up, 0));
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const an = Array.from(a.subarray(n * P, (n + 1) * P));
    const bn = Array.from(b.subarray(n * Q, (n + 1) * Q));
    let u = an.map(() => 1 / P);
    for (let it = 0; it < iters; it++) {
      const ratio = KtU(u, bn);
      u = an.map((ap, pi) => ap / ratio.reduce((s, r, q) => s + K[pi][q] * r, 0));
    }
    const v = KtU(u, bn);
    for (let pi = 0; pi < P; pi++) for (let q = 0; q < Q; q++) loss += u[pi] * K[pi][q] * M[pi][q] * v[q];
  }
  return [Float64Array.of(loss / N)];
};

/** BinaryAccuracy: the fraction of i with (pred_i > threshold) = (label_i > threshold) (threshold default 0). */
export const binaryAccuracy: ForwardReference = ([pred, label], _p, row) => {
  const th = field(row, 'threshold', 0);
  let right = 0;
  for (let i = 0; i < pred.length; i++) if ((pred[i] > th) === (label[i] > th)) right++;
  return [Float64Array.of(right / count(row.shapes[0]))];
};
