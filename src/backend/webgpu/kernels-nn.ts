/**
 * WGSL kernels of the fused layer methods: neurons, dropout, SGD, bias, gather and scatter-add,
 * strided copies, softmax and log-softmax, softmax's loss and the NLL gradient (optionally class-weighted), the hinge
 * loss, accuracy, binary accuracy, top-k, and counter-based random numbers. Parameter words per
 * kernel as [word: meaning]; offsets are element offsets into the arena. Each output element is
 * written by one invocation only (sums over a window or a row are loops inside it), so nothing races.
 */
import { elementwise, reduction, rowwise, FLAG, LABEL, POWX } from './wgsl-common.js';

/**
 * The counter-based generator of js/random.ts in u32 arithmetic (which wraps, as the spec needs),
 * and the log and cosine the normal draw needs. WGSL lets log be off by 2^-21 absolute near 1 and
 * cos by 2^-11, far more than float32 precision, so both are computed here from exact reductions
 * and short series (relative error a few ulp).
 */
const RANDOM = /* wgsl */ `
fn hash32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
fn randomBits(key: u32, salt: u32, i: u32) -> u32 { return hash32(hash32(i + key) ^ salt); }
const TWO_M24: f32 = 5.9604644775390625e-8;
// ln(v) for v in [2^-24, 1]: v = 2^e r, r in [sqrt(1/2), sqrt(2)), ln r = 2 atanh(s), s = (r - 1) / (r + 1)
fn lnUnit(v: f32) -> f32 {
  let b = bitcast<u32>(v);
  var e = i32(b >> 23u) - 127;
  var r = bitcast<f32>((b & 0x7fffffu) | 0x3f800000u);
  if (r > 1.41421356) { r *= 0.5; e += 1; }
  let s = (r - 1.0) / (r + 1.0);
  let s2 = s * s;
  let ath = s * (1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
  return f32(e) * 0.693147181 + 2.0 * ath;
}
// cos(2 pi t) for t in [0, 1): quarter turns are taken off exactly, leaving |x| <= pi/4 for the series
fn cosTurn(t: f32) -> f32 {
  let a = abs(t - round(t));
  let q = round(4.0 * a);
  let x = 6.28318531 * (a - 0.25 * q);
  let x2 = x * x;
  let c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0))));
  let sn = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
  if (q == 0.0) { return c; }
  if (q == 1.0) { return -sn; }
  return -c;
}`;

/**
 * erf, the normal CDF and GELU's tanh in float32 as native/include/simd.h computes them: erfc(a) for a >= 0 by
 * t e^(-a² + P(t)), t = 1 / (1 + a/2), P the degree-9 fit of Numerical Recipes 6.2, and erf's Taylor
 * polynomial below 0.5. a is capped at 10 (erfc(10) is below float32's range), as WGSL leaves exp of
 * an infinity undefined.
 */
const ERF = /* wgsl */ `
fn erfcAbs(a0: f32) -> f32 {
  let a = min(a0, 10.0);
  let t = 1.0 / (1.0 + 0.5 * a);
  var p = 0.17087277;
  p = p * t - 0.82215223;
  p = p * t + 1.48851587;
  p = p * t - 1.13520398;
  p = p * t + 0.27886807;
  p = p * t - 0.18628806;
  p = p * t + 0.09678418;
  p = p * t + 0.37409196;
  p = p * t + 1.00002368;
  p = p * t - 1.26551223;
  return t * exp(p - a * a);
}
fn erfSigned(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5) {
    let x2 = x * x;
    var p = 1.0 / 9360.0;
    p = p * x2 - 1.0 / 1320.0;
    p = p * x2 + 1.0 / 216.0;
    p = p * x2 - 1.0 / 42.0;
    p = p * x2 + 0.1;
    p = p * x2 - 1.0 / 3.0;
    p = p * x2 + 1.0;
    return 1.12837917 * p * x;
  }
  let v = 1.0 - erfcAbs(ax);
  return select(v, -v, x < 0.0);
}
fn normalCdf(x: f32) -> f32 {
  let h = 0.5 * erfcAbs(abs(x) * 0.70710678);
  return select(1.0 - h, h, x < 0.0);
}
// (1 + tanh(u)) / 2 = σ(2u), u = c (x + k x³) of GELU's tanh approximation (u capped at ±40, where σ is 0 or 1 in float32)
fn geluTanhS(x: f32) -> f32 {
  let u = clamp(0.79788456 * (x + 0.044715 * x * x * x), -40.0, 40.0);
  return 1.0 / (1.0 + exp(-2.0 * u));
}`;

/** The hinge loss's δ and its margin m = max(0, 1 + δ x) at score k (NaN stays NaN; a bad index label gives NaN). */
const HINGE = /* wgsl */ `
${LABEL}
// NaN from a runtime value (a constant expression may not evaluate to NaN)
fn nan() -> f32 { return bitcast<f32>(u(0) | 0x7fc00000u); }
// [1 classes, 2 x, 3 label, 4 labels: 0 index 1 sign] δ at score k, NaN (with the flag set) for a bad index label
fn hingeDelta(k: u32, code: f32) -> f32 {
  if (u(4) != 0u) { return -m[u(3) + k]; }
  let c = labelOf(m[u(3) + k / u(1)], u(1), 0u, 0.0);
  if (c == -2) { fail(code, k / u(1)); return nan(); }
  return select(1.0, -1.0, u32(c) == k % u(1));
}
fn hingeMargin(d: f32, x: f32) -> f32 {
  let mg = 1.0 + d * x;
  return select(mg, 0.0, mg < 0.0);
}`;

/**
 * The channel window of element i of [num, u(1) channels, u(2) pixels], u(3) channels each side:
 * (i's pixel in channel 0 of its image, the first channel, the last channel), clipped to the image.
 */
const LRN_WINDOW = /* wgsl */ `
fn lrnWindow(i: u32) -> vec3<u32> {
  let c = (i / u(2)) % u(1);
  return vec3<u32>(i - c * u(2), select(c - u(3), 0u, c < u(3)), min(c + u(3), u(1) - 1u));
}`;

export const nnKernels: Record<string, string> = {
  /** [0 n, 1 x, 2 y, 3 op: 0 identity 1 relu 2 lrelu 3 sigmoid 4 tanh 5 exp 6 erf 7 gelu 8 geluTanh, 4 alpha] */
  neuronForward: elementwise(`
  let x = m[u(1) + i];
  var y: f32;
  switch u(3) {
    case 0u: { y = x; }
    case 1u: { y = select(x, 0.0, x < 0.0); }
    case 2u: { y = select(x, f(4) * x, x < 0.0); }
    case 3u: { y = 1.0 / (1.0 + exp(-x)); }
    case 4u: {
      // tanh from exp(-2|x|), which cannot overflow
      let e = exp(-2.0 * abs(x));
      y = sign(x) * (1.0 - e) / (1.0 + e);
    }
    case 5u: { y = exp(x); }
    case 6u: { y = erfSigned(x); }
    case 7u: { y = x * normalCdf(x); }
    default: { y = x * geluTanhS(x); }
  }
  m[u(2) + i] = y;`, ERF),
  /** [0 n, 1 y, 2 dy, 3 dx, 4 op, 5 alpha] dx = f'(x) dy from y (from x, in y's place, for erf, gelu and geluTanh) */
  neuronBackward: elementwise(`
  let y = m[u(1) + i];
  let dy = m[u(2) + i];
  var dx: f32;
  switch u(4) {
    case 0u: { dx = dy; }
    case 1u: { dx = select(0.0, dy, y > 0.0); }
    case 2u: { dx = select(f(5) * dy, dy, y > 0.0); }
    case 3u: { dx = dy * y * (1.0 - y); }
    case 4u: { dx = dy * (1.0 - y * y); }
    case 5u: { dx = dy * y; }
    case 6u: { dx = dy * 1.12837917 * exp(-y * y); }
    case 7u: { dx = dy * (normalCdf(y) + y * 0.39894228 * exp(-0.5 * y * y)); }
    default: {
      let s = geluTanhS(y);
      dx = dy * (s + y * s * (1.0 - s) * 1.59576912 * (1.0 + 3.0 * 0.044715 * y * y));
    }
  }
  m[u(3) + i] = dx;`, ERF),
  /** [0 n, 1 x, 2 rand, 3 ratio, 4 scale, 5 y] y = rand >= ratio ? x scale : 0 */
  dropout: elementwise('  m[u(5) + i] = select(0.0, m[u(1) + i] * f(4), m[u(2) + i] >= f(3));'),
  /** [0 n, 1 w, 2 diff, 3 hist, 4 lr, 5 momentum, 6 decay, 7 L1] Caffe's SGD step */
  sgdUpdate: elementwise(`
  let w = m[u(1) + i];
  let reg = select(w, sign(w), u(7) != 0u);
  let h = f(5) * m[u(3) + i] + f(4) * (m[u(2) + i] + f(6) * reg);
  m[u(3) + i] = h;
  m[u(1) + i] = w - h;`),
  /** [0 n, 1 channels, 2 inner, 3 bias, 4 y] y[o, c, i] += bias[c] */
  biasForward: elementwise('  m[u(4) + i] = m[u(4) + i] + m[u(3) + (i / u(2)) % u(1)];'),
  /** [0 channels, 1 outer, 2 inner, 3 dy, 4 dbias] dbias[c] += Σ dy[o, c, i], one invocation per c */
  biasBackward: elementwise(`
  var acc = 0.0;
  for (var o = 0u; o < u(1); o++) {
    let start = u(3) + (o * u(0) + i) * u(2);
    for (var k = 0u; k < u(2); k++) { acc += m[start + k]; }
  }
  m[u(4) + i] = m[u(4) + i] + acc;`),
  /** [0 rows·rowSize, 1 rowSize, 2 src, 3 index, 4 scale, 5 dst, 6 source rows] */
  gather: elementwise(`
  let r = i / u(1);
  let v = m[u(3) + r];
  if (!(v >= 0.0 && v < f32(u(6)) && v == trunc(v))) { fail(${FLAG.gather}.0, r); m[u(5) + i] = 0.0; return; }
  m[u(5) + i] = f(4) * m[u(2) + u32(v) * u(1) + i % u(1)];`),
  /** [0 rowSize, 1 rows, 2 src, 3 index, 4 scale, 5 dst, 6 destination rows]: one invocation per column, rows in order */
  scatterAdd: elementwise(`
  for (var r = 0u; r < u(1); r++) {
    let v = m[u(3) + r];
    if (!(v >= 0.0 && v < f32(u(6)) && v == trunc(v))) { fail(${FLAG.scatterAdd}.0, r); continue; }
    let at = u(5) + u32(v) * u(0) + i;
    m[at] = m[at] + f(4) * m[u(2) + r * u(0) + i];
  }`),
  /**
   * [0 n, 1 channels, 2 hw, 3 half, 4 alpha / size, 5 beta, 6 k, 7 x, 8 scale, 9 y] LRN across
   * channels: scale = k + alpha / size · Σ x² over the channels c - half .. c + half that exist,
   * y = x scale^-beta
   */
  lrnAcrossForward: elementwise(`
  let w = lrnWindow(i);
  var s = 0.0;
  for (var j = w.y; j <= w.z; j++) {
    let v = m[u(7) + w.x + j * u(2)];
    s += v * v;
  }
  let sc = f(6) + f(4) * s;
  m[u(8) + i] = sc;
  m[u(9) + i] = m[u(7) + i] * powx(sc, -f(5));`, POWX + LRN_WINDOW),
  /**
   * [0 n, 1 channels, 2 hw, 3 half, 4 2 alpha beta / size, 5 beta, 6 x, 7 y, 8 scale, 9 dy, 10 dx]
   * its backward pass: dx = dy scale^-beta - ratio · x · Σ dy y / scale over the same window
   */
  lrnAcrossBackward: elementwise(`
  let w = lrnWindow(i);
  var s = 0.0;
  for (var j = w.y; j <= w.z; j++) {
    let q = w.x + j * u(2);
    s += m[u(9) + q] * m[u(7) + q] / m[u(8) + q];
  }
  m[u(10) + i] = m[u(9) + i] * powx(m[u(8) + i], -f(5)) - f(4) * m[u(6) + i] * s;`, POWX + LRN_WINDOW),
  /** [0 rows·cols, 1 cols, 2 src, 3 srcStride, 4 dst, 5 dstStride, 6 accumulate] */
  copy2d: elementwise(`
  let r = i / u(1);
  let c = i % u(1);
  let v = m[u(2) + r * u(3) + c];
  let at = u(4) + r * u(5) + c;
  if (u(6) != 0u) { m[at] = m[at] + v; } else { m[at] = v; }`),
  /** [0 outer·inner, 1 classes, 2 inner, 3 x, 4 y] one invocation per position */
  softmaxForward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let base = (i / inner) * C * inner + i % inner;
  var mx = m[u(3) + base];
  for (var c = 1u; c < C; c++) { mx = max(mx, m[u(3) + base + c * inner]); }
  var sum = 0.0;
  for (var c = 0u; c < C; c++) {
    let e = exp(m[u(3) + base + c * inner] - mx);
    m[u(4) + base + c * inner] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var c = 0u; c < C; c++) { m[u(4) + base + c * inner] = m[u(4) + base + c * inner] * inv; }`),
  /**
   * [0 rows, 1 D, 2 eps, 3 x, 4 scale, 5 bias, 6 xhat, 7 rstd, 8 y, 9 affine] layerNormForward, a
   * workgroup per row: the mean, then the variance about it, reduced across the row
   */
  layerNormForward: rowwise(`
  let D = u(1);
  let x = u(3) + r * D;
  var s = 0.0;
  for (var d = li; d < D; d += 256u) { s += m[x + d]; }
  let mean = rowSum(s, li) / f32(D);
  var v = 0.0;
  for (var d = li; d < D; d += 256u) { let t = m[x + d] - mean; v += t * t; }
  let inv = 1.0 / sqrt(rowSum(v, li) / f32(D) + f(2));
  if (li == 0u) { m[u(7) + r] = inv; }
  for (var d = li; d < D; d += 256u) {
    let t = (m[x + d] - mean) * inv;
    m[u(6) + r * D + d] = t;
    if (u(9) != 0u) { m[u(8) + r * D + d] = m[u(4) + d] * t + m[u(5) + d]; } else { m[u(8) + r * D + d] = t; }
  }`),
  /**
   * [0 rows, 1 D, 2 xhat, 3 rstd, 4 dy, 5 scale, 6 dx, 7 has a scale] layerNormBackward, a
   * workgroup per row: g = scale dy, dx = (g - mean g - xhat mean(g xhat)) rstd
   */
  layerNormBackward: rowwise(`
  let D = u(1);
  let base = r * D;
  var sg = 0.0;
  var sgx = 0.0;
  for (var d = li; d < D; d += 256u) {
    let g = select(m[u(4) + base + d], m[u(4) + base + d] * m[u(5) + d], u(7) != 0u);
    sg += g;
    sgx += g * m[u(2) + base + d];
  }
  let mg = rowSum(sg, li) / f32(D);
  let mgx = rowSum(sgx, li) / f32(D);
  let inv = m[u(3) + r];
  for (var d = li; d < D; d += 256u) {
    let g = select(m[u(4) + base + d], m[u(4) + base + d] * m[u(5) + d], u(7) != 0u);
    m[u(6) + base + d] = (g - mg - m[u(2) + base + d] * mgx) * inv;
  }`),
  /**
   * [0 rows, 1 classes, 2 x, 3 y] softmaxForward of a classifier's rows (inner 1): a workgroup per
   * row, the max and the sum reduced across it; a row per invocation, it was one invocation at
   * batch 1 for 1000 classes.
   */
  softmaxRowsForward: rowwise(`
  let C = u(1);
  let x = u(2) + r * C;
  let y = u(3) + r * C;
  var mx = bitcast<f32>(0xff7fffffu);  // -FLT_MAX
  for (var c = li; c < C; c += 256u) { mx = max(mx, m[x + c]); }
  mx = rowMax(mx, li);
  var sum = 0.0;
  for (var c = li; c < C; c += 256u) {
    let e = exp(m[x + c] - mx);
    m[y + c] = e;
    sum += e;
  }
  let inv = 1.0 / rowSum(sum, li);
  for (var c = li; c < C; c += 256u) { m[y + c] = m[y + c] * inv; }`),
  /** [0 rows, 1 classes, 2 y, 3 dy, 4 dx] softmaxBackward of rows, as softmaxRowsForward */
  softmaxRowsBackward: rowwise(`
  let C = u(1);
  let base = r * C;
  var d = 0.0;
  for (var c = li; c < C; c += 256u) { d += m[u(3) + base + c] * m[u(2) + base + c]; }
  d = rowSum(d, li);
  for (var c = li; c < C; c += 256u) {
    let k = base + c;
    m[u(4) + k] = m[u(2) + k] * (m[u(3) + k] - d);
  }`),
  /** [0 outer·inner, 1 classes, 2 inner, 3 y, 4 dy, 5 dx] */
  softmaxBackward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let base = (i / inner) * C * inner + i % inner;
  var d = 0.0;
  for (var c = 0u; c < C; c++) { d += m[u(4) + base + c * inner] * m[u(3) + base + c * inner]; }
  for (var c = 0u; c < C; c++) {
    let k = base + c * inner;
    m[u(5) + k] = m[u(3) + k] * (m[u(4) + k] - d);
  }`),
  /** [0 outer·inner, 1 classes, 2 inner, 3 x, 4 y] y = x - max - log Σ exp(x - max) */
  logSoftmaxForward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let base = (i / inner) * C * inner + i % inner;
  var mx = m[u(3) + base];
  for (var c = 1u; c < C; c++) { mx = max(mx, m[u(3) + base + c * inner]); }
  var sum = 0.0;
  for (var c = 0u; c < C; c++) { sum += exp(m[u(3) + base + c * inner] - mx); }
  let shift = mx + log(sum);
  for (var c = 0u; c < C; c++) { m[u(4) + base + c * inner] = m[u(3) + base + c * inner] - shift; }`),
  /** [0 rows, 1 classes, 2 x, 3 y] logSoftmaxForward of rows (inner 1), a workgroup per row as softmaxRowsForward */
  logSoftmaxRowsForward: rowwise(`
  let C = u(1);
  let x = u(2) + r * C;
  let y = u(3) + r * C;
  var mx = bitcast<f32>(0xff7fffffu);  // -FLT_MAX
  for (var c = li; c < C; c += 256u) { mx = max(mx, m[x + c]); }
  mx = rowMax(mx, li);
  var sum = 0.0;
  for (var c = li; c < C; c += 256u) { sum += exp(m[x + c] - mx); }
  let shift = mx + log(rowSum(sum, li));
  for (var c = li; c < C; c += 256u) { m[y + c] = m[x + c] - shift; }`),
  /** [0 outer·inner, 1 classes, 2 inner, 3 y, 4 dy, 5 dx] dx = dy - exp(y) Σ dy */
  logSoftmaxBackward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let base = (i / inner) * C * inner + i % inner;
  var d = 0.0;
  for (var c = 0u; c < C; c++) { d += m[u(4) + base + c * inner]; }
  for (var c = 0u; c < C; c++) {
    let k = base + c * inner;
    m[u(5) + k] = m[u(4) + k] - exp(m[u(3) + k]) * d;
  }`),
  /** [0 rows, 1 classes, 2 y, 3 dy, 4 dx] logSoftmaxBackward of rows, as logSoftmaxRowsForward */
  logSoftmaxRowsBackward: rowwise(`
  let C = u(1);
  let base = r * C;
  var d = 0.0;
  for (var c = li; c < C; c += 256u) { d += m[u(3) + base + c]; }
  d = rowSum(d, li);
  for (var c = li; c < C; c += 256u) {
    let k = base + c;
    m[u(4) + k] = m[u(3) + k] - exp(m[u(2) + k]) * d;
  }`),
  /**
   * [0 outer·inner, 1 classes, 2 inner, 3 prob, 4 label, 5 hasIgnore, 6 ignore, 7 normalization:
   * 0 valid 1 batch 2 full 3 none, 8 outer, 9 loss, 10 hasWeights, 11 weights]
   * loss = Σ -w[label] log(max(p, FLT_MIN)) / normalizer
   */
  softmaxLossForward: reduction(`
    let c = labelOf(m[u(4) + j], u(1), u(5), f(6));
    if (c == -2) { fail(${FLAG.softmaxLossForward}.0, j); }
    if (c >= 0) {
      let p = m[u(3) + (j / u(2)) * u(1) * u(2) + u32(c) * u(2) + j % u(2)];
      var w = 1.0;
      if (u(10) != 0u) { w = m[u(11) + u32(c)]; }
      // a NaN probability makes the loss NaN, as Math.max(NaN, FLT_MIN) does in the reference
      a -= w * select(log(max(p, FLT_MIN)), p, isNan(p));
      b += 1.0;
    }`, `
    var norm = 1.0;
    switch u(7) {
      case 0u: { norm = max(1.0, b); }
      case 1u: { norm = max(1.0, f32(u(8))); }
      case 2u: { norm = max(1.0, f32(u(0))); }
      default: {}
    }
    m[u(9)] = a / norm;`, LABEL),
  /**
   * [0 outer·inner, 1 classes, 2 inner, 3 label, 4 hasIgnore, 5 ignore, 6 out, 7 error code for a
   * bad label] m[out] = labelled positions
   */
  labelCount: reduction(`
    let c = labelOf(m[u(3) + j], u(1), u(4), f(5));
    if (c == -2) { fail(f32(u(7)), j); }
    if (c >= 0) { a += 1.0; }`, `
    m[u(6)] = a;`, LABEL),
  /**
   * [0 outer·classes·inner, 1 classes, 2 inner, 3 prob, 4 label, 5 hasIgnore, 6 ignore,
   * 7 normalizer (0: the label count at word 9), 8 lossWeight, 9 count, 10 dx, 11 hasWeights,
   * 12 weights, 13 onProbs] the gradients of softmaxLossForward's loss, 0 at ignored positions:
   * onProbs 0 (softmaxLossBackward) dx = lossWeight w[label] (p - onehot(label)) / normalizer;
   * onProbs 1 (nllBackward) dx = -lossWeight w[label] / (max(p, FLT_MIN) normalizer) at each
   * position's label, 0 elsewhere
   */
  classLossBackward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let pos = (i / (C * inner)) * inner + i % inner;
  let c = labelOf(m[u(4) + pos], C, u(5), f(6));
  let onProbs = u(13) != 0u;
  if (c == -2) { fail(select(${FLAG.softmaxLossBackward}.0, ${FLAG.nllBackward}.0, onProbs), pos); }
  let hot = c >= 0 && u32(c) == (i / inner) % C;
  if (c < 0 || (onProbs && !hot)) { m[u(10) + i] = 0.0; return; }
  let norm = select(f(7), max(1.0, m[u(9)]), f(7) == 0.0);
  var w = 1.0;
  if (u(11) != 0u) { w = m[u(12) + u32(c)]; }
  let p = m[u(3) + i];
  if (onProbs) {
    m[u(10) + i] = -(f(8) / norm * w) / select(max(p, FLT_MIN), p, isNan(p));
  } else {
    m[u(10) + i] = f(8) / norm * w * (p - select(0.0, 1.0, hot));
  }`, LABEL),
  /** [0 outer·classes, 1 classes, 2 x, 3 label, 4 labels, 5 norm: 0 L1 1 L2, 6 outer, 7 loss] loss = Σ m or Σ m² over outer */
  hingeLossForward: reduction(`
    let mg = hingeMargin(hingeDelta(j, ${FLAG.hingeLossForward}.0), m[u(2) + j]);
    a += select(mg, mg * mg, u(5) != 0u);`, `
    m[u(7)] = a / max(1.0, f32(u(6)));`, HINGE),
  /** [0 outer·classes, 1 classes, 2 x, 3 label, 4 labels, 5 norm, 6 lossWeight / outer, 7 dx] dx = scale δ [m > 0] or 2 scale δ m */
  hingeLossBackward: elementwise(`
  let d = hingeDelta(i, ${FLAG.hingeLossBackward}.0);
  let mg = hingeMargin(d, m[u(2) + i]);
  // NaN marks a bad index label; a NaN sign label gives m = NaN and a zero gradient, as in the reference
  if (u(4) == 0u && isNan(d)) { m[u(7) + i] = d; return; }
  m[u(7) + i] = select(0.0, f(6) * d * select(1.0, 2.0 * mg, u(5) != 0u), mg > 0.0);`, HINGE),
  /** [0 outer·inner, 1 classes, 2 inner, 3 topK, 4 x, 5 label, 6 hasIgnore, 7 ignore, 8 out] */
  accuracyForward: reduction(`
    let c = labelOf(m[u(5) + j], u(1), u(6), f(7));
    if (c == -2) { fail(${FLAG.accuracyForward}.0, j); }
    if (c >= 0) {
      let base = u(4) + (j / u(2)) * u(1) * u(2) + j % u(2);
      let sc = m[base + u32(c) * u(2)];
      var rivals = 0u;
      for (var k = 0u; k < u(1); k++) {
        // !(x < s): a NaN score counts against the label
        if (!(m[base + k * u(2)] < sc) && k != u32(c)) { rivals++; }
      }
      if (rivals < u(3)) { a += 1.0; }
      b += 1.0;
    }`, `
    m[u(8)] = select(a / b, 0.0, b == 0.0);`, LABEL),
  /** [0 n, 1 pred, 2 label, 3 threshold, 4 out] out = |{(pred > t) = (label > t)}| / n, 0 when n is 0 */
  binaryAccuracy: reduction(`
    if ((m[u(1) + j] > f(3)) == (m[u(2) + j] > f(3))) { a += 1.0; }`, `
    m[u(4)] = select(a / f32(u(0)), 0.0, u(0) == 0u);`),
  /** [0 n, 1 key, 2 y] y = (bits(key, i) >> 8) 2^-24 */
  randomUniform: elementwise(`
  let salt = hash32(u(1) ^ 0x9e3779b9u);
  m[u(2) + i] = f32(randomBits(u(1), salt, i) >> 8u) * TWO_M24;`, RANDOM),
  /** [0 n, 1 key, 2 y] y = sqrt(-2 ln u1) cos(2 pi u2) from the bits at 2i and 2i + 1 */
  randomNormal: elementwise(`
  let salt = hash32(u(1) ^ 0x9e3779b9u);
  let k = 2u * i;
  let u1 = (f32(randomBits(u(1), salt, k) >> 8u) + 1.0) * TWO_M24;
  let u2 = f32(randomBits(u(1), salt, k + 1u) >> 8u) * TWO_M24;
  m[u(2) + i] = sqrt(-2.0 * lnUnit(u1)) * cosTurn(u2);`, RANDOM),
  /** [0 outer·inner, 1 classes, 2 inner, 3 topK, 4 x, 5 indices, 6 values] repeated scans, ties to the lower class */
  topK: elementwise(`
  let C = u(1);
  let inner = u(2);
  let o = i / inner;
  let base = u(4) + o * C * inner + i % inner;
  var prevV = 0.0;
  var prevC = -1;
  for (var j = 0u; j < u(3); j++) {
    var best = -1;
    var bestV = 0.0;
    for (var c = 0; c < i32(C); c++) {
      let v = m[base + u32(c) * inner];
      let after = j == 0u || v < prevV || (v == prevV && c > prevC);
      if (after && (best < 0 || v > bestV)) { best = c; bestV = v; }
    }
    let out = (o * u(3) + j) * inner + i % inner;
    m[u(5) + out] = f32(best);
    m[u(6) + out] = bestV;
    prevV = bestV;
    prevC = best;
  }`),
};
