/**
 * LRN (Caffe's local response normalization) straight from the formula, element by element: the
 * executable spec of Backend.lrnForward and lrnBackward. With n = localSize and W the windowed sum
 * (over n channels, or over the n × n window of the plane when `within`, zero padded):
 *   forward   scale = k + alpha / n^d W(x²)          y = x scale^(-beta)
 *   backward  dx = dy scale^(-beta) - 2 alpha beta / n^d · x W(dy y / scale)
 * W is symmetric (each element lies in the windows of exactly the elements in its own window), so
 * the backward pass sums over the same window. Sums run in double.
 */
import type { HostArray, LRNGeom } from '../backend.js';
import { BackendError } from '../../core/errors.js';

function check(op: string, g: LRNGeom, bufs: [string, HostArray][]): number {
  const count = g.num * g.channels * g.height * g.width;
  if (!(g.localSize >= 1 && g.localSize % 2 === 1)) {
    throw new BackendError(`js backend ${op}: localSize must be an odd number >= 1, got ${g.localSize}`);
  }
  for (const [name, buf] of bufs) {
    if (buf.length < count) throw new BackendError(`js backend ${op}: ${name} has ${buf.length} elements, needs ${count}`);
  }
  return count;
}

/**
 * Σ f(j) over the window of element e = ((i C + c) H + h) W + w: the channels c ± half of image i
 * at (h, w), or the positions (h ± half, w ± half) of plane (i, c), clipped to the blob.
 */
function windowSum(g: LRNGeom, e: number, f: (j: number) => number): number {
  const { channels, height, width } = g;
  const half = (g.localSize - 1) / 2, hw = height * width;
  const w = e % width, h = Math.floor(e / width) % height, c = Math.floor(e / hw) % channels;
  let s = 0;
  if (g.within) {
    const plane = e - h * width - w;
    for (let r = Math.max(0, h - half); r <= Math.min(height - 1, h + half); r++) {
      for (let q = Math.max(0, w - half); q <= Math.min(width - 1, w + half); q++) s += f(plane + r * width + q);
    }
  } else {
    const pixel = e - c * hw;
    for (let d = Math.max(0, c - half); d <= Math.min(channels - 1, c + half); d++) s += f(pixel + d * hw);
  }
  return s;
}

/** alpha / n^d, the factor of the windowed sum. */
function factor(g: LRNGeom): number {
  return g.alpha / (g.within ? g.localSize * g.localSize : g.localSize);
}

export function lrnForward(g: LRNGeom, x: HostArray, scale: HostArray, y: HostArray): void {
  const count = check('lrnForward', g, [['x', x], ['scale', scale], ['y', y]]);
  const a = factor(g);
  const square = (j: number) => x[j] * x[j];
  for (let e = 0; e < count; e++) {
    const s = g.k + a * windowSum(g, e, square);
    scale[e] = s;
    y[e] = x[e] * Math.pow(s, -g.beta);
  }
}

export function lrnBackward(g: LRNGeom, x: HostArray, y: HostArray, scale: HostArray, dy: HostArray, dx: HostArray): void {
  const count = check('lrnBackward', g, [['x', x], ['y', y], ['scale', scale], ['dy', dy], ['dx', dx]]);
  if (dx === x || dx === y || dx === scale || dx === dy) throw new BackendError('js backend lrnBackward: dx must not be one of the inputs');
  const c = 2 * g.beta * factor(g);
  const ratio = (j: number) => dy[j] * y[j] / scale[j];
  for (let e = 0; e < count; e++) {
    dx[e] = dy[e] * Math.pow(scale[e], -g.beta) - c * x[e] * windowSum(g, e, ratio);
  }
}
