/**
 * Softmax over the class axis, the softmax (multinomial logistic) loss and accuracy, for scores
 * seen as [outer, classes, inner] and labels as [outer, inner] (see ClassGeom).
 *
 *   softmax   y[c] = exp(x[c] - m) / Σ_k exp(x[k] - m),  m = max_k x[k]  (the shift avoids overflow)
 *   backward  dx[c] = y[c] (dy[c] - Σ_k dy[k] y[k])
 *   log-softmax        y[c] = x[c] - m - log Σ_k exp(x[k] - m)
 *   its backward       dx[c] = dy[c] - exp(y[c]) Σ_k dy[k]
 *   loss      Σ_labelled -w[label] log(max(p[label], FLT_MIN)) / normalizer
 *   loss grad dx = lossWeight w[label] (p - onehot(label)) / normalizer, 0 at ignored positions
 *   NLL grad  dp = -lossWeight w[label] / (max(p[label], FLT_MIN) normalizer) at the label, 0 elsewhere
 *             (the gradient of the same loss taken on probabilities: MultinomialLogisticLoss)
 * where w holds one weight per class, all 1 when no weights are given; the normalizer counts
 * positions, not weights.
 *   accuracy  a position is correct when fewer than topK other classes score at least as high as
 *             its label, so ties count against the label (Caffe's AccuracyLayer rule); the result
 *             is correct / labelled, 0 when nothing is labelled.
 *
 * Labels are stored as floats and truncated to integers, as Caffe casts them.
 */
import type { ClassGeom, HostArray, LossNormalization } from '../backend.js';
import { DataError } from '../../core/errors.js';

/** The smallest positive normal float32, Caffe's floor on probabilities before the log. */
export const FLT_MIN = 1.17549435e-38;

/** The divisor of a loss sum: at least 1 in every mode, as Caffe's LossLayer::GetNormalizer. */
export function lossNormalizer(g: ClassGeom, normalization: LossNormalization, validCount: number): number {
  switch (normalization) {
    case 'valid': return Math.max(1, validCount);
    case 'batch': return Math.max(1, g.outer);
    case 'full': return Math.max(1, g.outer * g.inner);
    case 'none': return 1;
  }
}

/** The class index at position j of `label`, or -1 when it equals ignoreLabel; throws when out of range. */
function labelAt(op: string, g: ClassGeom, label: HostArray, j: number, ignoreLabel: number | null): number {
  const v = Math.trunc(label[j]);
  if (ignoreLabel !== null && v === ignoreLabel) return -1;
  if (!(v >= 0 && v < g.classes)) {
    const where = g.inner === 1 ? `item ${j}` : `item ${Math.floor(j / g.inner)}, position ${j % g.inner}`;
    throw new DataError(`${op}: label ${label[j]} at ${where} is not a class index in [0, ${g.classes})` +
      (ignoreLabel === null ? '' : ` nor the ignore label ${ignoreLabel}`));
  }
  return v;
}

/** Calls f(base, end) for every (outer, inner) position: its classes are base, base + inner, ... < end. */
function eachPosition(g: ClassGeom, f: (base: number, end: number, step: number) => void): void {
  const { outer, classes: C, inner } = g;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * C * inner + i;
      f(base, base + C * inner, inner);
    }
  }
}

export function softmaxForward(g: ClassGeom, x: HostArray, y: HostArray): void {
  eachPosition(g, (base, end, step) => {
    let m = -Infinity;
    for (let k = base; k < end; k += step) if (x[k] > m) m = x[k];
    let sum = 0;
    for (let k = base; k < end; k += step) {
      const e = Math.exp(x[k] - m);
      y[k] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let k = base; k < end; k += step) y[k] *= inv;
  });
}

export function softmaxBackward(g: ClassGeom, y: HostArray, dy: HostArray, dx: HostArray): void {
  eachPosition(g, (base, end, step) => {
    let dot = 0;
    for (let k = base; k < end; k += step) dot += dy[k] * y[k];
    for (let k = base; k < end; k += step) dx[k] = y[k] * (dy[k] - dot);
  });
}

export function logSoftmaxForward(g: ClassGeom, x: HostArray, y: HostArray): void {
  eachPosition(g, (base, end, step) => {
    let m = -Infinity;
    for (let k = base; k < end; k += step) if (x[k] > m) m = x[k];
    let sum = 0;
    for (let k = base; k < end; k += step) sum += Math.exp(x[k] - m);
    const shift = m + Math.log(sum);
    for (let k = base; k < end; k += step) y[k] = x[k] - shift;
  });
}

export function logSoftmaxBackward(g: ClassGeom, y: HostArray, dy: HostArray, dx: HostArray): void {
  eachPosition(g, (base, end, step) => {
    let sum = 0;
    for (let k = base; k < end; k += step) sum += dy[k];
    for (let k = base; k < end; k += step) dx[k] = dy[k] - Math.exp(y[k]) * sum;
  });
}

export function softmaxLossForward(g: ClassGeom, prob: HostArray, label: HostArray, ignoreLabel: number | null,
  normalization: LossNormalization, loss: HostArray, weights: HostArray | null = null): void {
  const { outer, classes: C, inner } = g;
  let sum = 0;
  let valid = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const c = labelAt('softmaxLossForward', g, label, o * inner + i, ignoreLabel);
      if (c < 0) continue;
      const logP = Math.log(Math.max(prob[(o * C + c) * inner + i], FLT_MIN));
      sum -= weights ? weights[c] * logP : logP;
      valid++;
    }
  }
  loss[0] = sum / lossNormalizer(g, normalization, valid);
}

export function softmaxLossBackward(g: ClassGeom, prob: HostArray, label: HostArray, ignoreLabel: number | null,
  normalization: LossNormalization, lossWeight: number, dx: HostArray, weights: HostArray | null = null): void {
  const { outer, classes: C, inner } = g;
  let valid = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const c = labelAt('softmaxLossBackward', g, label, o * inner + i, ignoreLabel);
      const base = o * C * inner + i;
      const end = base + C * inner;
      if (c < 0) {
        for (let k = base; k < end; k += inner) dx[k] = 0;
        continue;
      }
      const w = weights ? weights[c] : 1;
      for (let k = base; k < end; k += inner) dx[k] = w * prob[k];
      dx[base + c * inner] -= w;
      valid++;
    }
  }
  const scale = lossWeight / lossNormalizer(g, normalization, valid);
  const n = outer * C * inner;
  for (let k = 0; k < n; k++) dx[k] *= scale;
}

export function nllBackward(g: ClassGeom, prob: HostArray, label: HostArray, ignoreLabel: number | null,
  normalization: LossNormalization, lossWeight: number, dx: HostArray, weights: HostArray | null = null): void {
  const { outer, classes: C, inner } = g;
  dx.fill(0, 0, outer * C * inner);
  let valid = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const c = labelAt('nllBackward', g, label, o * inner + i, ignoreLabel);
      if (c < 0) continue;
      const at = (o * C + c) * inner + i;
      dx[at] = -(weights ? weights[c] : 1) / Math.max(prob[at], FLT_MIN);
      valid++;
    }
  }
  const scale = lossWeight / lossNormalizer(g, normalization, valid);
  const n = outer * C * inner;
  for (let k = 0; k < n; k++) dx[k] *= scale;
}

export function accuracyForward(g: ClassGeom, x: HostArray, label: HostArray, topK: number,
  ignoreLabel: number | null, out: HostArray): void {
  const { outer, classes: C, inner } = g;
  let correct = 0;
  let valid = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const c = labelAt('accuracyForward', g, label, o * inner + i, ignoreLabel);
      if (c < 0) continue;
      const base = o * C * inner + i;
      const end = base + C * inner;
      const at = base + c * inner;
      const s = x[at];
      // !(x < s): a NaN score, the label's or a rival's, counts against the label.
      let rivals = 0;
      for (let k = base; k < end; k += inner) if (!(x[k] < s) && k !== at) rivals++;
      if (rivals < topK) correct++;
      valid++;
    }
  }
  out[0] = valid === 0 ? 0 : correct / valid;
}
