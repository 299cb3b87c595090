/**
 * The hinge loss and binary accuracy, for scores seen as [outer, classes, inner = 1] (one row of
 * class scores per item).
 *
 *   hinge, index labels   m[o, c] = max(0, 1 + δ x[o, c]),  δ = -1 for c = label[o], +1 otherwise
 *   hinge, sign labels    m[k] = max(0, 1 - y[k] x[k]),  y[k] = label[k] (±1), δ = -y[k]
 *   loss                  Σ m / outer ('L1') or Σ m² / outer ('L2')
 *   loss grad             dx = lossWeight δ [m > 0] / outer ('L1') or 2 lossWeight δ m / outer ('L2')
 *   binary accuracy       |{k : (pred[k] > t) = (label[k] > t)}| / n, 0 when n is 0
 *
 * Index labels are floats truncated to integers; one outside [0, classes) is a DataError here (a
 * device backend makes the loss NaN instead).
 */
import type { ClassGeom, HingeLabels, HingeNorm, HostArray } from '../backend.js';
import { DataError } from '../../core/errors.js';

function hingeLabel(op: string, g: ClassGeom, label: HostArray, o: number): number {
  const v = Math.trunc(label[o]);
  if (!(v >= 0 && v < g.classes)) throw new DataError(`${op}: label ${label[o]} at item ${o} is not a class index in [0, ${g.classes})`);
  return v;
}

/** Calls f(k, δ) for every score k of the hinge loss. */
function eachScore(op: string, g: ClassGeom, label: HostArray, labels: HingeLabels,
  f: (k: number, delta: number) => void): void {
  const { outer, classes: C } = g;
  if (labels === 'sign') {
    for (let k = 0; k < outer * C; k++) f(k, -label[k]);
    return;
  }
  for (let o = 0; o < outer; o++) {
    const l = hingeLabel(op, g, label, o);
    for (let c = 0; c < C; c++) f(o * C + c, c === l ? -1 : 1);
  }
}

export function hingeLossForward(g: ClassGeom, x: HostArray, label: HostArray, labels: HingeLabels, norm: HingeNorm,
  loss: HostArray): void {
  let sum = 0;
  eachScore('hingeLossForward', g, label, labels, (k, delta) => {
    const m = Math.max(0, 1 + delta * x[k]);
    sum += norm === 'L2' ? m * m : m;
  });
  loss[0] = sum / Math.max(1, g.outer);
}

export function hingeLossBackward(g: ClassGeom, x: HostArray, label: HostArray, labels: HingeLabels, norm: HingeNorm,
  lossWeight: number, dx: HostArray): void {
  const scale = lossWeight / Math.max(1, g.outer);
  eachScore('hingeLossBackward', g, label, labels, (k, delta) => {
    const m = Math.max(0, 1 + delta * x[k]);
    dx[k] = m > 0 ? scale * delta * (norm === 'L2' ? 2 * m : 1) : 0;
  });
}

export function binaryAccuracy(n: number, pred: HostArray, label: HostArray, threshold: number, out: HostArray): void {
  let right = 0;
  for (let k = 0; k < n; k++) if ((pred[k] > threshold) === (label[k] > threshold)) right++;
  out[0] = n === 0 ? 0 : right / n;
}
