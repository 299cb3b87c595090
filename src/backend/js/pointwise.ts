/**
 * Per-element kernels with a formula per case: neurons, dropout, bias, the fused SGD step.
 *
 * Neuron backward passes use only y = f(x):
 *   relu     y = x > 0 ? x : 0                dx = y > 0 ? dy : 0
 *   lrelu    y = x > 0 ? x : alpha x          dx = y > 0 ? dy : alpha dy   (alpha >= 0)
 *   sigmoid  y = 1 / (1 + exp(-x))            dx = dy y (1 - y)
 *   tanh     y = tanh(x)                      dx = dy (1 - y²)
 *   exp      y = exp(x)                       dx = dy y
 * and two from x (NEURON_FROM_X), with x passed in y's place:
 *   erf      y = erf(x)                       dx = dy 2/√π e^(-x²)
 *   gelu     y = x Φ(x)                       dx = dy (Φ(x) + x φ(x))
 *   geluTanh y = x (1 + t) / 2 = x σ(2u), t = tanh(u), u = c (x + k x³), c = √(2/π), k = 0.044715
 * NaN inputs stay NaN (so a diverging run is caught by the net's NaN check, not hidden by ReLU).
 */
import type { HostArray, NeuronOp } from '../backend.js';
import { erf, normalCdf, normalPdf } from './special.js';

/** The tanh approximation of GELU: √(2/π) and the cubic's coefficient. */
const GELU_C = Math.sqrt(2 / Math.PI), GELU_K = 0.044715;
/** (1 + tanh(u)) / 2 = σ(2u) for u = c (x + k x³): GELU's tanh approximation is x times it. */
const geluTanhS = (x: number) => 1 / (1 + Math.exp(-2 * GELU_C * (x + GELU_K * x * x * x)));

export function neuronForward(op: NeuronOp, n: number, x: HostArray, y: HostArray, alpha: number): void {
  switch (op) {
    case 'identity':
      if (x !== y) y.set(x.subarray(0, n));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v < 0 ? 0 : v; }
      return;
    case 'lrelu':
      for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v < 0 ? alpha * v : v; }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      return;
    case 'exp':
      for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]);
      return;
    case 'erf':
      for (let i = 0; i < n; i++) y[i] = erf(x[i]);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v * normalCdf(v); }
      return;
    case 'geluTanh':
      for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v * geluTanhS(v); }
      return;
  }
}

export function neuronBackward(op: NeuronOp, n: number, y: HostArray, dy: HostArray, dx: HostArray, alpha: number): void {
  switch (op) {
    case 'identity':
      if (dy !== dx) dx.set(dy.subarray(0, n));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
      return;
    case 'lrelu':
      for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : alpha * dy[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) { const v = y[i]; dx[i] = dy[i] * v * (1 - v); }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) { const v = y[i]; dx[i] = dy[i] * (1 - v * v); }
      return;
    case 'exp':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i];
      return;
    case 'erf': // y holds x
      for (let i = 0; i < n; i++) { const v = y[i]; dx[i] = dy[i] * 1.1283791670955126 * Math.exp(-v * v); }
      return;
    case 'gelu': // y holds x
      for (let i = 0; i < n; i++) { const v = y[i]; dx[i] = dy[i] * (normalCdf(v) + v * normalPdf(v)); }
      return;
    case 'geluTanh': // y holds x
      for (let i = 0; i < n; i++) {
        const v = y[i], s = geluTanhS(v);
        dx[i] = dy[i] * (s + 2 * v * s * (1 - s) * GELU_C * (1 + 3 * GELU_K * v * v));
      }
      return;
  }
}

/** y = rand >= ratio ? x · scale : 0 (also the backward pass, with dy for x). */
export function dropout(n: number, x: HostArray, rand: HostArray, ratio: number, scale: number, y: HostArray): void {
  for (let i = 0; i < n; i++) y[i] = rand[i] >= ratio ? x[i] * scale : 0;
}

/** y[o, c, i] += bias[c] */
export function biasForward(outer: number, channels: number, inner: number, bias: HostArray, y: HostArray): void {
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c];
      const end = k + inner;
      for (; k < end; k++) y[k] += b;
    }
  }
}

/** dbias[c] += Σ_{o,i} dy[o, c, i] */
export function biasBackward(outer: number, channels: number, inner: number, dy: HostArray, dbias: HostArray): void {
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      const end = start + inner;
      for (let k = start; k < end; k++) s += dy[k];
    }
    dbias[c] += s;
  }
}

/**
 * g = diff + decay · (L2 ? w : sign(w));  hist = momentum · hist + lr · g;  w -= hist.
 * `diff` is left unchanged; w is updated with hist as stored (rounded to the dtype).
 */
export function sgdUpdate(n: number, w: HostArray, diff: HostArray, hist: HostArray, lr: number,
  momentum: number, decay: number, regularization: 'L2' | 'L1'): void {
  if (regularization === 'L2') {
    for (let i = 0; i < n; i++) {
      hist[i] = momentum * hist[i] + lr * (diff[i] + decay * w[i]);
      w[i] -= hist[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      hist[i] = momentum * hist[i] + lr * (diff[i] + decay * Math.sign(w[i]));
      w[i] -= hist[i];
    }
  }
}
