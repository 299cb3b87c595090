// Max and mean pooling over each [height, width] plane (backend.ts poolForward / poolBackward),
// with Caffe's windows: rows [oh sh - ph, oh sh - ph + kh) clipped to the input for max; for mean
// the divisor counts the window clipped to the padded input (height + ph), the sum only the real one.
// The max mask holds the argmax's index h W + w in its plane; ties keep the first in row-major
// order, and the window's first element starts the scan (so a NaN there wins, as in the JS backend).
#include "gemm.h"
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

struct Window {
  int64_t h0, h1, w0, w1, size;  // clipped bounds and the mean divisor
};

inline Window window(const PoolGeom& g, int64_t oh, int64_t ow) {
  int64_t hs = oh * g.strideH - g.padH, ws = ow * g.strideW - g.padW;
  int64_t he = imin(hs + g.kernelH, int64_t(g.height) + g.padH);
  int64_t we = imin(ws + g.kernelW, int64_t(g.width) + g.padW);
  Window w;
  w.size = (he - hs) * (we - ws);
  w.h0 = imax(hs, 0);
  w.w0 = imax(ws, 0);
  w.h1 = imin(he, g.height);
  w.w1 = imin(we, g.width);
  return w;
}

// The common 2 x 2 stride 2 unpadded max pool, W outputs at a time: e0, o0 are the even and odd
// columns of a window's top row, e1, o1 of its bottom row, and `at` the index of e0 in the plane.
// The four are compared in the scan order of the generic loop (ties keep the first).
inline void max4(V e0, V o0, V e1, V o1, V at, V one, V down, V& best, V& idx) {
  best = e0;
  idx = at;
  idx = select_gt(o0, best, add(at, one), idx);
  best = select_gt(o0, best, o0, best);
  const V below = add(at, down);
  idx = select_gt(e1, best, below, idx);
  best = select_gt(e1, best, e1, best);
  idx = select_gt(o1, best, add(below, one), idx);
  best = select_gt(o1, best, o1, best);
}

// Input rows one vector wide (Wd == W: LeNet's 8 x 8 conv2 output on AVX2) give half a vector of
// outputs each, so the 2 x 2 kernels pool two output rows a vector: from input rows 2 oh and
// 2 oh + 2 (the top rows of their windows) and the rows below them.
inline bool row_pairs(const PoolGeom& g) { return g.width == W && 2 * g.outW == W; }

// Where each lane's window starts, counted from the pair's first input row: lane l < W / 2 at
// column 2 l of it; lane l >= W / 2 at column 2 (l - W / 2) of the second top row, 2 Wd = 2 W
// further on, which is 2 l + W.
inline V row_pair_starts() {
  alignas(64) float first[W];
  for (int l = 0; l < W; ++l) first[l] = float(2 * l + (l < W / 2 ? 0 : W));
  return load(first);
}

void max_pool_2x2(const PoolGeom& g, const float* x, float* y, float* mask) {
  const int64_t Wd = g.width, oW = g.outW;
  const V two_lanes = mul(iota(), set1(2.0f)), one = set1(1.0f), down = set1(float(Wd)), step = set1(float(2 * W));
  int64_t oh = 0;
  if (row_pairs(g)) {
    const V starts = row_pair_starts();
    for (; oh + 2 <= g.outH; oh += 2) {
      const float* r = x + 2 * oh * Wd;
      V e0, o0, e1, o1, best, idx;
      deinterleave(load(r), load(r + 2 * Wd), e0, o0);
      deinterleave(load(r + Wd), load(r + 3 * Wd), e1, o1);
      max4(e0, o0, e1, o1, add(set1(float(2 * oh * Wd)), starts), one, down, best, idx);
      store(y + oh * oW, best);
      store(mask + oh * oW, idx);
    }
  }
  for (; oh < g.outH; ++oh) {
    const float* r0 = x + 2 * oh * Wd;
    const float* r1 = r0 + Wd;
    V at = add(set1(float(2 * oh * Wd)), two_lanes), e0, o0, e1, o1, best, idx;
    int64_t ow = 0;
    // Whole vectors with plain loads and stores, then the row's last part.
    for (; ow + W <= oW; ow += W, at = add(at, step)) {
      deinterleave(load(r0 + 2 * ow), load(r0 + 2 * ow + W), e0, o0);
      deinterleave(load(r1 + 2 * ow), load(r1 + 2 * ow + W), e1, o1);
      max4(e0, o0, e1, o1, at, one, down, best, idx);
      store(y + oh * oW + ow, best);
      store(mask + oh * oW + ow, idx);
    }
    if (ow < oW) {
      const int64_t r = oW - ow, n0 = imin(2 * r, W), n1 = 2 * r - n0;
      deinterleave(loadp(r0 + 2 * ow, n0), loadp(r0 + 2 * ow + W, n1), e0, o0);
      deinterleave(loadp(r1 + 2 * ow, n0), loadp(r1 + 2 * ow + W, n1), e1, o1);
      max4(e0, o0, e1, o1, at, one, down, best, idx);
      storep(y + oh * oW + ow, best, r);
      storep(mask + oh * oW + ow, idx, r);
    }
  }
}

// Its backward pass: the windows do not overlap, so each input gets dy of its window where the
// mask points at it and 0 elsewhere (rows and columns past the last window too): no scatter.
// dv, mv: W outputs' dy and mask; at: the index of each one's window's first element. lo, hi
// (top row of the windows) and lo1, hi1 (bottom row) are the 2 W inputs of each row, in order.
inline void unpool4(V dv, V mv, V at, V one, V down, V& lo, V& hi, V& lo1, V& hi1) {
  const V below = add(at, down);
  interleave(select_eq(mv, at, dv, zero()), select_eq(mv, add(at, one), dv, zero()), lo, hi);
  interleave(select_eq(mv, below, dv, zero()), select_eq(mv, add(below, one), dv, zero()), lo1, hi1);
}

void max_unpool_2x2(const PoolGeom& g, const float* dy, const float* mask, float* dx) {
  const int64_t Wd = g.width, oW = g.outW;
  const V two_lanes = mul(iota(), set1(2.0f)), one = set1(1.0f), down = set1(float(Wd)), step = set1(float(2 * W));
  int64_t oh = 0;
  if (row_pairs(g)) {
    // lo, hi are input rows 2 oh and 2 oh + 2; lo1, hi1 the rows below them.
    const V starts = row_pair_starts();
    for (; oh + 2 <= g.outH; oh += 2) {
      float* r = dx + 2 * oh * Wd;
      V lo, hi, lo1, hi1;
      unpool4(load(dy + oh * oW), load(mask + oh * oW), add(set1(float(2 * oh * Wd)), starts), one, down, lo, hi, lo1, hi1);
      store(r, lo);
      store(r + Wd, lo1);
      store(r + 2 * Wd, hi);
      store(r + 3 * Wd, hi1);
    }
  }
  for (; oh < g.outH; ++oh) {
    float* r0 = dx + 2 * oh * Wd;
    float* r1 = r0 + Wd;
    V at = add(set1(float(2 * oh * Wd)), two_lanes), lo, hi, lo1, hi1;
    int64_t ow = 0;
    for (; ow + W <= oW; ow += W, at = add(at, step)) {
      unpool4(load(dy + oh * oW + ow), load(mask + oh * oW + ow), at, one, down, lo, hi, lo1, hi1);
      store(r0 + 2 * ow, lo);
      store(r0 + 2 * ow + W, hi);
      store(r1 + 2 * ow, lo1);
      store(r1 + 2 * ow + W, hi1);
    }
    if (ow < oW) {
      const int64_t r = oW - ow, n0 = imin(2 * r, W), n1 = 2 * r - n0;
      unpool4(loadp(dy + oh * oW + ow, r), loadp(mask + oh * oW + ow, r), at, one, down, lo, hi, lo1, hi1);
      storep(r0 + 2 * ow, lo, n0);
      storep(r0 + 2 * ow + W, hi, n1);
      storep(r1 + 2 * ow, lo1, n0);
      storep(r1 + 2 * ow + W, hi1, n1);
    }
    for (int64_t w = 2 * oW; w < Wd; ++w) r0[w] = r1[w] = 0.0f;
  }
  for (int64_t h = 2 * g.outH; h < g.height; ++h) memset(dx + h * Wd, 0, size_t(Wd) * sizeof(float));
}

// r values of p at stride s (lanes past r are 0), read without touching memory past the last one.
inline V load_strided(const float* p, int64_t s, int64_t r) {
  if (s == 1) return loadp(p, r);
  if (s == 2) {
    const int64_t n = 2 * r - 1, n0 = imin(n, W);
    V even, odd;
    deinterleave(loadp(p, n0), n > W ? loadp(p + W, n - W) : zero(), even, odd);
    return even;
  }
  float t[W];
  for (int64_t i = 0; i < W; ++i) t[i] = i < r ? p[i * s] : 0.0f;
  return loadp(t, W);
}

// Outputs [lo, hi) along one axis whose windows start inside the input (past any padding),
// whether or not they end inside it.
inline void vector_span(int64_t out, int64_t size, int64_t s, int64_t pad, int64_t* lo, int64_t* hi) {
  *lo = imin(out, (pad + s - 1) / s);
  *hi = imax(*lo, imin(out, (size - 1 + pad) / s + 1));
}

// W outputs of one row whose windows lie inside the input's columns, at a horizontal stride of 1
// or 2: pool_row_vector's loop below without its tests for columns past the row, with plain loads,
// a running index and max_keep. Same scan, same order, same results. On 3 x 3 windows (AVX2, one
// thread, Zen 3) stride 1 went from 50 to 33 instructions an output (callgrind) and 3.6 to 2.4 ns,
// stride 2 from 68 to 41 and 6.0 to 2.9 ns; mean pooling at stride 1 from 39 to 25, 2.7 to 1.7 ns.
inline void pool_vector_inside(const PoolGeom& g, PoolMethod method, const float* x, int64_t hs, int64_t nh, int64_t hsize,
                               int64_t ws, float* y, float* mask) {
  const int64_t Wd = g.width, kw = g.kernelW;
  const bool s2 = g.strideW == 2;
  // Lane l's element at column c of a window row p: p[c + l] (stride 1) or p[c + 2 l] (stride 2,
  // the even elements of 2 W - 1 read from p + c: the last lane's is the last one read).
  auto at_col = [&](const float* p) -> V {
    if (!s2) return load(p);
    V even, odd;
    deinterleave(load(p), W > 1 ? loadp(p + W, W - 1) : zero(), even, odd);
    return even;
  };
  const float* p0 = x + hs * Wd + ws;
  if (method == kMaxPool) {
    const V one = set1(1.0f), step = mul(iota(), set1(float(g.strideW)));
    V best = at_col(p0), idx = add(set1(float(hs * Wd + ws)), step);
    for (int64_t kh = 0; kh < nh; ++kh) {
      const float* p = p0 + kh * Wd;
      const int64_t c0 = kh == 0 ? 1 : 0;
      V at = add(set1(float((hs + kh) * Wd + ws + c0)), step);
      for (int64_t c = c0; c < kw; ++c, at = add(at, one)) {
        const V v = at_col(p + c);
        idx = select_gt(v, best, at, idx);
        best = max_keep(v, best);
      }
    }
    store(y, best);
    store(mask, idx);
    return;
  }
  V sum = zero();
  for (int64_t kh = 0; kh < nh; ++kh)
    for (int64_t c = 0; c < kw; ++c) sum = add(sum, at_col(p0 + kh * Wd + c));
  // The divisor counts the window clipped to the padded input, as window() does; these windows
  // end inside the columns, so only the rows can be clipped.
  store(y, div(sum, set1(float(hsize * kw))));
}

// Window widths up to which pool_vector_clipped keeps its lanes per window column on the stack.
constexpr int64_t kClipK = 16;

// W outputs of one row, r of them real, whose windows start inside the row but may end past it,
// at a horizontal stride of 1 or 2 (a row's last vector, where Caffe's rounded-up width clips the
// last window, or a vector shorter than W): pool_row_vector's loop below with the lanes each
// window column keeps worked out once per vector, not once per window element with an integer
// division, and whole-vector reads where they stay inside the plane, the real lanes past the row
// then set to -inf (max) or 0 (mean) as there. Same scan, same sums, same results. It is not used
// for the vectors pool_vector_inside takes: on those, with its test for the plane's end and its
// masks, it ran at half their speed (3 x 3 windows at stride 1 and 2, AVX2, one thread).
inline void pool_vector_clipped(const PoolGeom& g, PoolMethod method, const float* x, int64_t hs, int64_t h1, int64_t hsize,
                                int64_t ws, int64_t r, float* y, float* mask) {
  const int64_t Wd = g.width, sw = g.strideW, plane = int64_t(g.height) * Wd, reach = (W - 1) * sw;
  const V lane = iota(), step = mul(lane, set1(float(sw))), fill = set1(method == kMaxPool ? -INFINITY : 0.0f);
  // keep[c]: how many lanes have column ws + c + lane sw inside the row (a prefix of the r lanes).
  int64_t cols = 0, keep[kClipK];
  for (; cols < g.kernelW; ++cols) {
    const int64_t left = Wd - ws - cols, n = imin(r, sw == 1 ? left : (left + 1) >> 1);
    if (n <= 0) break;
    keep[cols] = n;
  }
  auto at = [&](int64_t h, int64_t c) -> V {
    const int64_t off = h * Wd + ws + c;
    V v;
    if (off + reach < plane) {
      if (sw == 1) {
        v = load(x + off);
      } else {
        V odd;
        deinterleave(load(x + off), W > 1 ? loadp(x + off + W, W - 1) : zero(), v, odd);
      }
    } else {
      v = load_strided(x + off, sw, keep[c]);
    }
    // Lanes from r on are not stored: only the real lanes past the row need the fill.
    return keep[c] < r ? select_lt(lane, set1(float(keep[c])), v, fill) : v;
  };
  if (method == kMaxPool) {
    const V one = set1(1.0f);
    V best = at(hs, 0), idx = add(set1(float(hs * Wd + ws)), step);
    for (int64_t h = hs; h < h1; ++h) {
      V pos = add(set1(float(h * Wd + ws)), step);
      for (int64_t c = 0; c < cols; ++c, pos = add(pos, one)) {
        if (h == hs && c == 0) continue;
        const V v = at(h, c);
        idx = select_gt(v, best, pos, idx);
        best = max_keep(v, best);
      }
    }
    storep(y, best, r);
    storep(mask, idx, r);
    return;
  }
  V sum = zero();
  for (int64_t h = hs; h < h1; ++h)
    for (int64_t c = 0; c < cols; ++c) sum = add(sum, at(h, c));
  const V wsz = min(set1(float(g.kernelW)), sub(set1(float(Wd + g.padW - ws)), step));
  storep(y, div(sum, mul(set1(float(hsize)), wsz)), r);
}

// Outputs [ow0, ow1) of row oh, W at a time, for windows that start inside the plane (a window
// may be clipped at the right and bottom edges): each lane scans its window in the generic loop's
// order (rows, then columns), with a strict > for max, so ties keep the first and a NaN first in
// its window wins, and sums in the same order for mean: the generic loop's results. A lane whose
// window has ended reads -inf for max (never greater) and 0 for mean.
void pool_row_vector(const PoolGeom& g, PoolMethod method, const float* x, int64_t oh, int64_t ow0, int64_t ow1,
                     float* y, float* mask) {
  const int64_t Wd = g.width, sw = g.strideW, hs = oh * g.strideH - g.padH;
  const int64_t h1 = imin(hs + g.kernelH, g.height), hsize = imin(hs + g.kernelH, int64_t(g.height) + g.padH) - hs;
  const V lane = iota(), lane_step = mul(lane, set1(float(sw))), none = set1(-INFINITY);
  for (int64_t ow = ow0; ow < ow1; ow += W) {
    const int64_t r = imin(W, ow1 - ow), ws = ow * sw - g.padW;
    if (r == W && sw <= 2 && ws + g.kernelW - 1 + (W - 1) * sw < Wd) {
      pool_vector_inside(g, method, x, hs, h1 - hs, hsize, ws, y + oh * g.outW + ow, mask ? mask + oh * g.outW + ow : nullptr);
      continue;
    }
    if (sw <= 2 && g.kernelW <= kClipK) {
      pool_vector_clipped(g, method, x, hs, h1, hsize, ws, r, y + oh * g.outW + ow, mask ? mask + oh * g.outW + ow : nullptr);
      continue;
    }
    // Lanes whose column ws + c + lane sw is inside the row: a prefix of the r lanes.
    auto valid = [&](int64_t c) { return imin(r, (Wd - ws - c + sw - 1) / sw); };
    if (method == kMaxPool) {
      V best = load_strided(x + hs * Wd + ws, sw, r);
      V idx = add(set1(float(hs * Wd + ws)), lane_step);
      for (int64_t h = hs; h < h1; ++h)
        for (int64_t c = h == hs ? 1 : 0; c < g.kernelW; ++c) {
          const int64_t rv = valid(c);
          if (rv <= 0) break;
          V v = load_strided(x + h * Wd + ws + c, sw, rv);
          if (rv < r) v = select_lt(lane, set1(float(rv)), v, none);
          idx = select_gt(v, best, add(set1(float(h * Wd + ws + c)), lane_step), idx);
          best = max_keep(v, best);
        }
      storep(y + oh * g.outW + ow, best, r);
      storep(mask + oh * g.outW + ow, idx, r);
    } else {
      V sum = zero();
      for (int64_t h = hs; h < h1; ++h)
        for (int64_t c = 0; c < g.kernelW; ++c) {
          const int64_t rv = valid(c);
          if (rv <= 0) break;
          sum = add(sum, load_strided(x + h * Wd + ws + c, sw, rv));
        }
      // The divisor counts the window clipped to the padded input, as window() does.
      const V wsz = min(set1(float(g.kernelW)), sub(set1(float(Wd + g.padW - ws)), lane_step));
      storep(y + oh * g.outW + ow, div(sum, mul(set1(float(hsize)), wsz)), r);
    }
  }
}

// Mean pooling's backward pass over the outputs pool_row_vector takes, for a horizontal stride
// of 1: each lane adds its dy / window size to its window, a row of W windows at a time (their
// columns are distinct at a given window offset). (With stride 2 the deinterleaved read-modify-
// write of overlapping windows ran slower than the generic loop.)
void mean_unpool_row_vector(const PoolGeom& g, const float* dy, int64_t oh, int64_t ow0, int64_t ow1, float* dx) {
  const int64_t Wd = g.width, hs = oh * g.strideH - g.padH;
  const int64_t h1 = imin(hs + g.kernelH, g.height), hsize = imin(hs + g.kernelH, int64_t(g.height) + g.padH) - hs;
  for (int64_t ow = ow0; ow < ow1; ow += W) {
    const int64_t r = imin(W, ow1 - ow), ws = ow - g.padW;
    const V wsz = min(set1(float(g.kernelW)), sub(set1(float(Wd + g.padW - ws)), iota()));
    const V d = div(loadp(dy + oh * g.outW + ow, r), mul(set1(float(hsize)), wsz));
    for (int64_t h = hs; h < h1; ++h)
      for (int64_t c = 0; c < g.kernelW; ++c) {
        const int64_t rv = imin(r, Wd - ws - c);
        if (rv <= 0) break;
        float* p = dx + h * Wd + ws + c;
        storep(p, add(loadp(p, rv), d), rv);
      }
  }
}

// Mean pooling's backward pass as a gather, for horizontal strides above 1, where the generic
// loop's overlapping windows chain each add to dx through memory. First each output row spreads
// along the input's columns: column w sums dy / size of the (at most K = ceil(kW / sW)) outputs
// whose windows hold it, read through a table of K indices per column, where index outW is a 0
// kept after the row. Then each input row sums, as vectors, the spread rows whose windows hold it.
// An output whose window misses the image holds no input and passes nothing.
struct MeanGather {
  const PoolGeom& g;
  int64_t K;
  float *d, *e;  // a row of dy / size and its 0; the spread rows [outH, width]
  int32_t* idx;  // [width, K]

  static int64_t taps(const PoolGeom& g) { return (g.kernelW + g.strideW - 1) / g.strideW; }
  static int64_t floats(const PoolGeom& g) {
    return g.outW + 1 + int64_t(g.outH) * g.width + int64_t(g.width) * taps(g);
  }

  // The first output along an axis whose window [o s - pad, o s - pad + k) reaches i.
  static int64_t first(int64_t i, int64_t s, int64_t pad, int64_t k) {
    const int64_t n = i + pad - k + 1;
    return n <= 0 ? 0 : (n + s - 1) / s;
  }

  MeanGather(const PoolGeom& geom, float* mem) : g(geom), K(taps(geom)) {
    d = mem;
    e = d + g.outW + 1;
    idx = reinterpret_cast<int32_t*>(e + int64_t(g.outH) * g.width);
    d[g.outW] = 0.0f;
    for (int64_t w = 0; w < g.width; ++w) {
      const int64_t lo = first(w, g.strideW, g.padW, g.kernelW), hi = imin(g.outW, (w + g.padW) / g.strideW + 1);
      for (int64_t j = 0; j < K; ++j) idx[w * K + j] = int32_t(lo + j < hi ? lo + j : g.outW);
    }
  }

  void plane(const float* dy, float* dx) const {
    const int64_t oW = g.outW, Wd = g.width;
    for (int64_t oh = 0; oh < g.outH; ++oh) {
      for (int64_t ow = 0; ow < oW; ++ow) d[ow] = dy[oh * oW + ow] / float(window(g, oh, ow).size);
      float* row = e + oh * Wd;
      for (int64_t w = 0; w < Wd; ++w) {
        float s = 0.0f;
        for (int64_t j = 0; j < K; ++j) s += d[idx[w * K + j]];
        row[w] = s;
      }
    }
    for (int64_t h = 0; h < g.height; ++h) {
      const int64_t oh0 = first(h, g.strideH, g.padH, g.kernelH), oh1 = imin(g.outH, (h + g.padH) / g.strideH + 1);
      for (int64_t w = 0; w < Wd; w += W) {
        const int64_t r = imin(W, Wd - w);
        V s = zero();
        for (int64_t oh = oh0; oh < oh1; ++oh) s = add(s, loadp(e + oh * Wd + w, r));
        storep(dx + h * Wd + w, s, r);
      }
    }
  }
};

inline bool is_2x2(const PoolGeom& g) {
  return g.kernelH == 2 && g.kernelW == 2 && g.strideH == 2 && g.strideW == 2 && g.padH == 0 && g.padW == 0 &&
         2 * g.outH <= g.height && 2 * g.outW <= g.width;
}

void pool_plane_forward(const PoolGeom& g, PoolMethod method, const float* x, float* y, float* mask) {
  if (method == kMaxPool && is_2x2(g)) return max_pool_2x2(g, x, y, mask);
  int64_t h_lo, h_hi, w_lo, w_hi;
  vector_span(g.outH, g.height, g.strideH, g.padH, &h_lo, &h_hi);
  vector_span(g.outW, g.width, g.strideW, g.padW, &w_lo, &w_hi);
  for (int64_t oh = 0; oh < g.outH; ++oh)
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      if (oh >= h_lo && oh < h_hi && ow == w_lo && w_hi > w_lo) {
        pool_row_vector(g, method, x, oh, w_lo, w_hi, y, mask);
        ow = w_hi - 1;
        continue;
      }
      Window w = window(g, oh, ow);
      int64_t o = oh * g.outW + ow;
      if (w.h0 >= w.h1 || w.w0 >= w.w1) {
        // Only a geometry whose last window misses the image gets here: nothing to pool.
        y[o] = 0.0f;
        if (mask) mask[o] = -1.0f;
      } else if (method == kMaxPool) {
        int64_t idx = w.h0 * g.width + w.w0;
        float best = x[idx];
        for (int64_t h = w.h0; h < w.h1; ++h)
          for (int64_t c = w.w0; c < w.w1; ++c)
            if (x[h * g.width + c] > best) best = x[h * g.width + c], idx = h * g.width + c;
        y[o] = best;
        mask[o] = float(idx);
      } else {
        float s = 0;
        for (int64_t h = w.h0; h < w.h1; ++h)
          for (int64_t c = w.w0; c < w.w1; ++c) s += x[h * g.width + c];
        y[o] = s / float(w.size);
      }
    }
}

void pool_plane_backward(const PoolGeom& g, PoolMethod method, const float* dy, const float* mask, float* dx) {
  if (method == kMaxPool && is_2x2(g)) return max_unpool_2x2(g, dy, mask, dx);
  const int64_t plane = int64_t(g.height) * g.width, out = int64_t(g.outH) * g.outW;
  memset(dx, 0, size_t(plane) * sizeof(float));
  if (method == kMaxPool) {
    for (int64_t o = 0; o < out; ++o) {
      float m = mask[o];
      // A mask that is not an index into this plane (never written, or corrupted) is skipped
      // rather than allowed to write outside dx.
      if (m >= 0.0f && m < float(plane)) dx[int64_t(m)] += dy[o];
    }
    return;
  }
  int64_t h_lo = 0, h_hi = 0, w_lo = 0, w_hi = 0;
  if (g.strideW == 1) {
    vector_span(g.outH, g.height, g.strideH, g.padH, &h_lo, &h_hi);
    vector_span(g.outW, g.width, g.strideW, g.padW, &w_lo, &w_hi);
  }
  for (int64_t oh = 0; oh < g.outH; ++oh)
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      if (oh >= h_lo && oh < h_hi && ow == w_lo && w_hi > w_lo) {
        mean_unpool_row_vector(g, dy, oh, w_lo, w_hi, dx);
        ow = w_hi - 1;
        continue;
      }
      Window w = window(g, oh, ow);
      float d = dy[oh * g.outW + ow] / float(w.size);
      for (int64_t h = w.h0; h < w.h1; ++h)
        for (int64_t c = w.w0; c < w.w1; ++c) dx[h * g.width + c] += d;
    }
}

}  // namespace

void pool_forward(const PoolGeom& g, PoolMethod method, const float* x, float* y, float* mask) {
  const int64_t planes = int64_t(g.num) * g.channels, in = int64_t(g.height) * g.width,
                out = int64_t(g.outH) * g.outW;
  parallel_rows(planes, planes * in, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p)
      pool_plane_forward(g, method, x + p * in, y + p * out, method == kMaxPool ? mask + p * out : nullptr);
  });
}

void pool_backward(const PoolGeom& g, PoolMethod method, const float* dy, const float* mask, float* dx) {
  const int64_t planes = int64_t(g.num) * g.channels, in = int64_t(g.height) * g.width,
                out = int64_t(g.outH) * g.outW;
  if (method == kMeanPool && g.strideW > 1) {
    return parallel_rows(planes, planes * in, [&](int64_t lo, int64_t hi) {
      const MeanGather gather(g, scratch(kGather, MeanGather::floats(g)));
      for (int64_t p = lo; p < hi; ++p) gather.plane(dy + p * out, dx + p * in);
    });
  }
  parallel_rows(planes, planes * in, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p)
      pool_plane_backward(g, method, dy + p * out, method == kMaxPool ? mask + p * out : nullptr, dx + p * in);
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
