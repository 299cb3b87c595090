/**
 * Naive float64 reference implementations and helpers for the JS backend tests. Each reference is
 * the textbook loop nest, written for clarity, with no blocking or index tricks.
 */
import assert from 'node:assert/strict';
import type { ConvGeom, HostArray, PoolGeom } from '../../../src/backend/backend.js';
import { Random } from '../../../src/core/random.js';

export const DTYPES = ['float64', 'float32'] as const;

/** Uniform values in [lo, hi), rounded to float32 when asked (so both sides see the same inputs). */
export function randArray(n: number, rng: Random, lo = -1, hi = 1, f32 = false): Float64Array {
  const a = new Float64Array(n);
  rng.fillUniform(a, lo, hi);
  return f32 ? Float64Array.from(new Float32Array(a)) : a;
}

/** |actual - expected| <= tol (1 + |expected|) elementwise, naming the first index that fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}

/** C = alpha op(A) op(B) + beta C, triple loop, with beta = 0 ignoring C. */
export function naiveGemm(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
  A: ArrayLike<number>, B: ArrayLike<number>, beta: number, C: ArrayLike<number>): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
      out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
    }
  }
  return out;
}

export function convGeom(p: Partial<ConvGeom> & Pick<ConvGeom, 'num' | 'channels' | 'height' | 'width' | 'numOutput' | 'kernelH' | 'kernelW'>): ConvGeom {
  const g = { group: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, outH: 0, outW: 0, ...p };
  g.outH = Math.floor((g.height + 2 * g.padH - (g.dilationH * (g.kernelH - 1) + 1)) / g.strideH) + 1;
  g.outW = Math.floor((g.width + 2 * g.padW - (g.dilationW * (g.kernelW - 1) + 1)) / g.strideW) + 1;
  return g;
}

/**
 * Direct convolution: for every output position and every kernel tap, the input position it
 * touches; y, dx and dw computed from the same 7-loop nest.
 */
export function naiveConv(g: ConvGeom, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>):
  { y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const Cg = g.channels / g.group, Mg = g.numOutput / g.group;
  const y = new Float64Array(g.num * g.numOutput * g.outH * g.outW);
  const dx = new Float64Array(g.num * g.channels * g.height * g.width);
  const dw = new Float64Array(g.numOutput * Cg * g.kernelH * g.kernelW);
  for (let n = 0; n < g.num; n++) {
    for (let m = 0; m < g.numOutput; m++) {
      const grp = Math.floor(m / Mg);
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          const yi = ((n * g.numOutput + m) * g.outH + oh) * g.outW + ow;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < g.kernelH; kh++) {
              for (let kw = 0; kw < g.kernelW; kw++) {
                const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) continue;
                const xi = ((n * g.channels + grp * Cg + c) * g.height + ih) * g.width + iw;
                const wi = ((m * Cg + c) * g.kernelH + kh) * g.kernelW + kw;
                y[yi] += x[xi] * w[wi];
                dx[xi] += w[wi] * dy[yi];
                dw[wi] += x[xi] * dy[yi];
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dw };
}

/** Caffe's pooling output size: ceil, then one less when the last window starts in the bottom padding. */
export function poolGeom(num: number, channels: number, height: number, width: number,
  kernelH: number, kernelW: number, strideH: number, strideW: number, padH: number, padW: number): PoolGeom {
  const size = (inp: number, k: number, s: number, p: number) => {
    let o = Math.ceil((inp + 2 * p - k) / s) + 1;
    if (p > 0 && (o - 1) * s >= inp + p) o--;
    return o;
  };
  return { num, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
    outH: size(height, kernelH, strideH, padH), outW: size(width, kernelW, strideW, padW) };
}

/** Max and mean pooling with explicit per-tap bounds tests; mean divides by the window clipped to the padded input. */
export function naivePool(g: PoolGeom, x: ArrayLike<number>, dy: ArrayLike<number>):
  { max: Float64Array; mask: Float64Array; mean: Float64Array; dxMax: Float64Array; dxMean: Float64Array } {
  const nOut = g.num * g.channels * g.outH * g.outW;
  const plane = g.height * g.width;
  const max = new Float64Array(nOut), mask = new Float64Array(nOut), mean = new Float64Array(nOut);
  const dxMax = new Float64Array(g.num * g.channels * plane), dxMean = new Float64Array(dxMax.length);
  for (let pl = 0; pl < g.num * g.channels; pl++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const o = (pl * g.outH + oh) * g.outW + ow;
        let best = -Infinity, arg = -1, sum = 0, size = 0;
        for (let kh = 0; kh < g.kernelH; kh++) {
          for (let kw = 0; kw < g.kernelW; kw++) {
            const h = oh * g.strideH - g.padH + kh, w = ow * g.strideW - g.padW + kw;
            if (h < g.height + g.padH && w < g.width + g.padW) size++;
            if (h < 0 || h >= g.height || w < 0 || w >= g.width) continue;
            const v = x[pl * plane + h * g.width + w];
            sum += v;
            if (arg < 0 || v > best) { best = v; arg = h * g.width + w; }
          }
        }
        max[o] = best;
        mask[o] = arg;
        mean[o] = sum / size;
        dxMax[pl * plane + arg] += dy[o];
        for (let kh = 0; kh < g.kernelH; kh++) {
          for (let kw = 0; kw < g.kernelW; kw++) {
            const h = oh * g.strideH - g.padH + kh, w = ow * g.strideW - g.padW + kw;
            if (h < 0 || h >= g.height || w < 0 || w >= g.width) continue;
            dxMean[pl * plane + h * g.width + w] += dy[o] / size;
          }
        }
      }
    }
  }
  return { max, mask, mean, dxMax, dxMean };
}

/** A host array of the backend's dtype holding `values`. */
export function typed(dtype: 'float32' | 'float64', values: ArrayLike<number>): HostArray {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}
