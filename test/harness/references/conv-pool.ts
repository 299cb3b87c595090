/**
 * Forward references of the weighted and windowed layers: InnerProduct, TiedInnerProduct, Embed,
 * Convolution and Deconvolution (Caffe's cross-correlation and its transpose, with groups,
 * dilation and padding), Pooling and ChannelPooling (Caffe's output size and window clipping).
 */
import { around, axisOf, count, field, neuron, pair, type ForwardReference, type ReferenceRow } from './common.js';

/** InnerProduct: y[m, o] = f(Σ_k x[m, k] W[o, k] + b[o]), x flattened from `axis` (default 1). */
export const innerProduct: ForwardReference = ([x], p, row) => {
  const shape = row.shapes[0];
  const K = count(shape.slice(axisOf(field(row, 'axis', 1), shape.length)));
  const O = field(row, 'numOutput', 0);
  const M = x.length / K;
  const f = neuron(row.config.neuron);
  const y = new Float64Array(M * O);
  for (let m = 0; m < M; m++) {
    for (let o = 0; o < O; o++) {
      let s = p.bias ? p.bias[o] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * p.weight[o * K + k];
      y[m * O + o] = f(s);
    }
  }
  return [y];
};

/** TiedInnerProduct: y[m, k] = f(Σ_h x[m, h] W[h, k] + b[k]) with the tied layer's W [H, K]. */
export const tiedInnerProduct: ForwardReference = ([x], p, row) => {
  const shape = row.shapes[0];
  const H = count(shape.slice(axisOf(field(row, 'axis', 1), shape.length)));
  const K = field(row, 'numOutput', 0);
  const M = x.length / H;
  const f = neuron(row.config.neuron);
  const y = new Float64Array(M * K);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      let s = p.bias ? p.bias[k] : 0;
      for (let h = 0; h < H; h++) s += x[m * H + h] * p.weight[h * K + k];
      y[m * K + k] = f(s);
    }
  }
  return [y];
};

/** Embed: y[m, :] = W[x[m], :] + b. */
export const embed: ForwardReference = ([x], p, row) => {
  const O = field(row, 'numOutput', 0);
  const y = new Float64Array(x.length * O);
  for (let m = 0; m < x.length; m++) for (let o = 0; o < O; o++) y[m * O + o] = p.weight[x[m] * O + o] + (p.bias ? p.bias[o] : 0);
  return [y];
};

interface ConvDims { kernel: [number, number]; stride: [number, number]; pad: [number, number]; dilation: [number, number]; group: number; O: number }

function convDims(row: ReferenceRow): ConvDims {
  return {
    kernel: pair(row, 'kernel', 0), stride: pair(row, 'stride', 1), pad: pair(row, 'pad', 0), dilation: pair(row, 'dilation', 1),
    group: field(row, 'group', 1), O: field(row, 'numOutput', 0),
  };
}

/**
 * Convolution: y[n, o, h, w] = f(b[o] + Σ_{c, i, j} W[o, c, i, j] x[n, g Cg + c, h sh - ph + i dh, w sw - pw + j dw]),
 * g = o's group, zero outside the image; outH = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1.
 */
export const convolution: ForwardReference = ([x], p, row) => {
  const [N, C, H, W] = row.shapes[0];
  const { kernel: [kh, kw], stride: [sh, sw], pad: [ph, pw], dilation: [dh, dw], group, O } = convDims(row);
  const outH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const outW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const [Cg, Og] = [C / group, O / group];
  const f = neuron(row.config.neuron);
  const y = new Float64Array(N * O * outH * outW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    let s = p.bias ? p.bias[o] : 0;
    const g = Math.floor(o / Og);
    for (let c = 0; c < Cg; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const [h, w] = [oh * sh - ph + i * dh, ow * sw - pw + j * dw];
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      s += p.weight[((o * Cg + c) * kh + i) * kw + j] * x[((n * C + g * Cg + c) * H + h) * W + w];
    }
    y[((n * O + o) * outH + oh) * outW + ow] = f(s);
  }
  return [y];
};

/**
 * Deconvolution: every input value x[n, c, i, j] scatters W[c, o', ki, kj] x into
 * y[n, g Og + o', i sh - ph + ki dh, j sw - pw + kj dw] (g = c's group); then b[o] and f.
 * outH = sh (H - 1) + dh (kh - 1) + 1 - 2 ph.
 */
export const deconvolution: ForwardReference = ([x], p, row) => {
  const [N, C, H, W] = row.shapes[0];
  const { kernel: [kh, kw], stride: [sh, sw], pad: [ph, pw], dilation: [dh, dw], group, O } = convDims(row);
  const outH = sh * (H - 1) + dh * (kh - 1) + 1 - 2 * ph;
  const outW = sw * (W - 1) + dw * (kw - 1) + 1 - 2 * pw;
  const [Cg, Og] = [C / group, O / group];
  const y = new Float64Array(N * O * outH * outW);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    const g = Math.floor(c / Cg);
    for (let oo = 0; oo < Og; oo++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
      const [h, w] = [i * sh - ph + ki * dh, j * sw - pw + kj * dw];
      if (h < 0 || h >= outH || w < 0 || w >= outW) continue;
      y[((n * O + g * Og + oo) * outH + h) * outW + w] += p.weight[((c * Og + oo) * kh + ki) * kw + kj] * x[((n * C + c) * H + i) * W + j];
    }
  }
  const f = neuron(row.config.neuron);
  for (let k = 0; k < y.length; k++) y[k] = f(y[k] + (p.bias ? p.bias[Math.floor(k / (outH * outW)) % O] : 0));
  return [y];
};

/** Caffe's pooled size: ceil((size + 2 pad - kernel) / stride) + 1, less the last window when the layer pads and it starts at or past size + pad. */
function pooled(size: number, kernel: number, stride: number, pad: number, padded: boolean): number {
  const out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
  return padded && (out - 1) * stride >= size + pad ? out - 1 : out;
}

/** One window along one axis: the image range [lo, hi) and the size counted by mean pooling (clipped to the padded input). */
function window(k: number, size: number, kernel: number, stride: number, pad: number): { lo: number; hi: number; counted: number } {
  const start = k * stride - pad;
  const end = Math.min(start + kernel, size + pad);
  return { lo: Math.max(start, 0), hi: Math.min(end, size), counted: end - start };
}

const isMax = (row: ReferenceRow) => ['max', 'MAX'].includes(field(row, 'method', 'max'));

/**
 * Pooling: max or mean of x over each window (mean divided by the window clipped to the padded
 * input, padding counting 0); a window that misses the image gives 0; then the neuron.
 */
export const pooling: ForwardReference = ([x], _p, row) => {
  const [N, C, H, W] = row.shapes[0];
  const [kh, kw] = pair(row, 'kernel', 0);
  const [sh, sw] = pair(row, 'stride', 1);
  const [ph, pw] = pair(row, 'pad', 0);
  const padded = ph > 0 || pw > 0;
  const [outH, outW] = [pooled(H, kh, sh, ph, padded), pooled(W, kw, sw, pw, padded)];
  const max = isMax(row);
  const f = neuron(row.config.neuron);
  const y = new Float64Array(N * C * outH * outW);
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) {
    const [a, b] = [window(oh, H, kh, sh, ph), window(ow, W, kw, sw, pw)];
    let v = 0;
    if (a.hi > a.lo && b.hi > b.lo) {
      v = max ? -Infinity : 0;
      for (let h = a.lo; h < a.hi; h++) for (let w = b.lo; w < b.hi; w++) {
        const u = x[(nc * H + h) * W + w];
        v = max ? Math.max(v, u) : v + u;
      }
      if (!max) v /= a.counted * b.counted;
    }
    y[(nc * outH + oh) * outW + ow] = f(v);
  }
  return [y];
};

/** ChannelPooling: max or mean over windows of the channel axis (default 1), with Pooling's size and clipping. */
export const channelPooling: ForwardReference = ([x], _p, row) => {
  const shape = row.shapes[0];
  const [outer, C, inner] = around(shape, axisOf(field(row, 'axis', 1), shape.length));
  const [kernel, stride, pad] = [field(row, 'kernel', 0), field(row, 'stride', 1), field(row, 'pad', 0)];
  const outC = pooled(C, kernel, stride, pad, pad > 0);
  const max = isMax(row);
  const y = new Float64Array(outer * outC * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < outC; k++) for (let i = 0; i < inner; i++) {
    const win = window(k, C, kernel, stride, pad);
    let v = max ? -Infinity : 0;
    for (let c = win.lo; c < win.hi; c++) {
      const u = x[(o * C + c) * inner + i];
      v = max ? Math.max(v, u) : v + u;
    }
    y[(o * outC + k) * inner + i] = max ? v : v / win.counted;
  }
  return [y];
};
