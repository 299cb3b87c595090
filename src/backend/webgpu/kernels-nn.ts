/**
 * WGSL kernels of the fused layer methods: neurons, dropout, SGD, bias, gather and scatter-add,
 * strided copies, softmax and its loss, accuracy and top-k. Parameter words per kernel as
 * [word: meaning]; offsets are element offsets into the arena. Each output element is written by
 * one invocation only (sums over a window or a row are loops inside it), so nothing races.
 */
import { elementwise, reduction, FLAG, LABEL } from './wgsl-common.js';

export const nnKernels: Record<string, string> = {
  /** [0 n, 1 x, 2 y, 3 op: 0 identity 1 relu 2 lrelu 3 sigmoid 4 tanh 5 exp, 4 alpha] */
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
    default: { y = exp(x); }
  }
  m[u(2) + i] = y;`),
  /** [0 n, 1 y, 2 dy, 3 dx, 4 op, 5 alpha] dx = f'(x) dy from y */
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
    default: { dx = dy * y; }
  }
  m[u(3) + i] = dx;`),
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
  if (!(v >= 0.0 && v < f32(u(6)) && v == trunc(v))) { fail(${FLAG.gather}.0); m[u(5) + i] = 0.0; return; }
  m[u(5) + i] = f(4) * m[u(2) + u32(v) * u(1) + i % u(1)];`),
  /** [0 rowSize, 1 rows, 2 src, 3 index, 4 scale, 5 dst, 6 destination rows]: one invocation per column, rows in order */
  scatterAdd: elementwise(`
  for (var r = 0u; r < u(1); r++) {
    let v = m[u(3) + r];
    if (!(v >= 0.0 && v < f32(u(6)) && v == trunc(v))) { fail(${FLAG.scatterAdd}.0); continue; }
    let at = u(5) + u32(v) * u(0) + i;
    m[at] = m[at] + f(4) * m[u(2) + r * u(0) + i];
  }`),
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
  /**
   * [0 outer·inner, 1 classes, 2 inner, 3 prob, 4 label, 5 hasIgnore, 6 ignore, 7 normalization:
   * 0 valid 1 batch 2 full 3 none, 8 outer, 9 loss] loss = Σ -log(max(p, FLT_MIN)) / normalizer
   */
  softmaxLossForward: reduction(`
    let c = labelOf(m[u(4) + j], u(1), u(5), f(6));
    if (c == -2) { fail(${FLAG.softmaxLossForward}.0); }
    if (c >= 0) {
      let p = m[u(3) + (j / u(2)) * u(1) * u(2) + u32(c) * u(2) + j % u(2)];
      // a NaN probability makes the loss NaN, as Math.max(NaN, FLT_MIN) does in the reference
      a -= select(log(max(p, FLT_MIN)), p, isNan(p));
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
  /** [0 outer·inner, 1 classes, 2 inner, 3 label, 4 hasIgnore, 5 ignore, 6 out] m[out] = labelled positions */
  labelCount: reduction(`
    let c = labelOf(m[u(3) + j], u(1), u(4), f(5));
    if (c == -2) { fail(${FLAG.softmaxLossBackward}.0); }
    if (c >= 0) { a += 1.0; }`, `
    m[u(6)] = a;`, LABEL),
  /**
   * [0 outer·classes·inner, 1 classes, 2 inner, 3 prob, 4 label, 5 hasIgnore, 6 ignore,
   * 7 normalizer (0: the label count at word 9), 8 lossWeight, 9 count, 10 dx]
   */
  softmaxLossBackward: elementwise(`
  let C = u(1);
  let inner = u(2);
  let pos = (i / (C * inner)) * inner + i % inner;
  let c = labelOf(m[u(4) + pos], C, u(5), f(6));
  if (c < 0) { m[u(10) + i] = 0.0; return; }
  let norm = select(f(7), max(1.0, m[u(9)]), f(7) == 0.0);
  let hot = select(0.0, 1.0, u32(c) == (i / inner) % C);
  m[u(10) + i] = f(8) / norm * (m[u(3) + i] - hot);`).replace('@compute', `${LABEL}\n@compute`),
  /** [0 outer·inner, 1 classes, 2 inner, 3 topK, 4 x, 5 label, 6 hasIgnore, 7 ignore, 8 out] */
  accuracyForward: reduction(`
    let c = labelOf(m[u(5) + j], u(1), u(6), f(7));
    if (c == -2) { fail(${FLAG.accuracyForward}.0); }
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
