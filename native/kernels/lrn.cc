// LRN, Caffe's local response normalization (backend.ts lrnForward / lrnBackward), one fused pass
// per direction. With n = size, W the zero-padded window sum and f = alpha / n^d:
//   forward   scale = k + f W(x²)                  y = x scale^(-beta)
//   backward  dx = dy scale^(-beta) - 2 beta f · x W(dy y / scale)
// The work goes by planes within a channel and by tiles of pixels across all channels, so the
// squares (or dy y / scale) and their window sums stay in the thread's cache: every blob is read or
// written once, where the composition of primitives made six passes each way.
#include "gemm.h"
#include "kernels.h"
#include "loops.h"
#include "powx.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// Pixels per tile across channels: the tile's squares (channels x kTile floats) stay in L2.
constexpr int64_t kTile = 256;

// Sixteen 0s, then sixteen 1s: loaded from 16 - m, the lanes from m on are 1 (for any W <= 16).
alignas(64) constexpr float kOnesFrom[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

// scale^(-beta) for the m scales at p. The lanes past m hold 1, not loadp's 0, so that Powx keeps
// to its vector path (which needs every lane positive) on a row's last, partial vector.
inline V scale_pow(const Powx& rpow, const float* p, int64_t m) {
  return rpow(m == W ? load(p) : add(loadp(p, m), load(kOnesFrom + 16 - m)));
}

// The n x n window sums of a plane [H, Wd], zero padded, in two sweeps: the column sums of every
// row into `cols` (rows of Wd + 2 half floats, `half` zeros on each side), then each row's sums of
// 2 half + 1 neighbouring column sums, handed to out(e, m, sums) for the m elements from e.
// value(q, w, m) gives the m values from column w of row q.
struct PlaneWindow {
  int64_t H, Wd, half, stride;
  float* cols;

  PlaneWindow(const LRNGeom& g, float* scratch) : H(g.height), Wd(g.width), half((g.size - 1) / 2), cols(scratch) {
    stride = Wd + 2 * half;
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < half; ++i) cols[h * stride + i] = cols[h * stride + half + Wd + i] = 0.0f;
  }

  static int64_t floats(const LRNGeom& g) { return int64_t(g.height) * (g.width + g.size - 1); }

  template <class Value, class Out>
  void run(const Value& value, const Out& out) const {
    for (int64_t h = 0; h < H; ++h) {
      const int64_t h0 = imax(0, h - half), h1 = imin(H, h + half + 1);
      for (int64_t w = 0; w < Wd; w += W) {
        const int64_t m = imin(W, Wd - w);
        V s = zero();
        for (int64_t q = h0; q < h1; ++q) s = add(s, value(q, w, m));
        storep(cols + h * stride + half + w, s, m);
      }
    }
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < Wd; w += W) {
        const int64_t m = imin(W, Wd - w);
        const float* c = cols + h * stride + w;
        V s = zero();
        for (int64_t d = 0; d <= 2 * half; ++d) s = add(s, loadp(c + d, m));
        out(h * Wd + w, m, s);
      }
  }
};

// f(win, extra, p) for every plane p, split across the pool; each task's scratch holds `extra`
// floats for f, then the window's column sums.
template <class F>
void planes(const LRNGeom& g, int64_t extra, const F& f) {
  const int64_t count = int64_t(g.num) * g.channels;
  parallel_rows(count, count * g.height * g.width, [&](int64_t lo, int64_t hi) {
    float* mem = scratch(kGather, extra + PlaneWindow::floats(g));
    const PlaneWindow win(g, mem + extra);
    for (int64_t p = lo; p < hi; ++p) f(win, mem, p);
  });
}

void within_forward(const LRNGeom& g, const float* x, float* scale, float* y) {
  const int64_t hw = int64_t(g.height) * g.width, Wd = g.width;
  const V f = set1(g.alpha / float(g.size * g.size)), k = set1(g.k);
  const Powx rpow{-g.beta};
  planes(g, 0, [&](const PlaneWindow& win, float*, int64_t p) {
    const float* xp = x + p * hw;
    float *sp = scale + p * hw, *yp = y + p * hw;
    win.run(
        [&](int64_t q, int64_t w, int64_t m) {
          const V a = loadp(xp + q * Wd + w, m);
          return mul(a, a);
        },
        [&](int64_t e, int64_t m, V sum) {
          const V sc = fma(f, sum, k);
          storep(sp + e, sc, m);
          storep(yp + e, mul(loadp(xp + e, m), rpow(sc)), m);
        });
  });
}

void within_backward(const LRNGeom& g, const float* x, const float* y, const float* scale, const float* dy,
                     float* dx) {
  const int64_t hw = int64_t(g.height) * g.width, Wd = g.width;
  const V c = set1(2.0f * g.beta * g.alpha / float(g.size * g.size));
  const Powx rpow{-g.beta};
  planes(g, hw, [&](const PlaneWindow& win, float* t, int64_t p) {
    const int64_t o = p * hw;
    // dy y / scale over the plane first: the window reads each value n times.
    for (int64_t i = 0; i < hw; i += W) {
      const int64_t m = imin(W, hw - i);
      storep(t + i, div(mul(loadp(dy + o + i, m), loadp(y + o + i, m)), loadp(scale + o + i, m)), m);
    }
    win.run([&](int64_t q, int64_t w, int64_t m) { return loadp(t + q * Wd + w, m); },
            [&](int64_t e, int64_t m, V sum) {
              const V d = mul(loadp(dy + o + e, m), scale_pow(rpow, scale + o + e, m));
              storep(dx + o + e, sub(d, mul(mul(c, loadp(x + o + e, m)), sum)), m);
            });
  });
}

// Tiles of kTile pixels of one image, all channels: tile t of image i covers pixels
// [t kTile, min(hw, (t + 1) kTile)). f(base, pixels, v) gets the tile's first element and width, and
// v (channels x kTile scratch); it fills v and calls sum(v, c, m) for the window over channels of c.
template <class F>
void across_tiles(const LRNGeom& g, const F& f) {
  const int64_t C = g.channels, hw = int64_t(g.height) * g.width, tiles = (hw + kTile - 1) / kTile;
  parallel_rows(int64_t(g.num) * tiles, int64_t(g.num) * C * hw, [&](int64_t lo, int64_t hi) {
    float* v = scratch(kGather, C * kTile);
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t i = t / tiles, p0 = (t % tiles) * kTile;
      f(i * C * hw + p0, imin(kTile, hw - p0), v);
    }
  });
}

// The window sum over channels [c - half, c + half] of v (channels x kTile) at pixel w.
inline V channel_sum(const float* v, int64_t C, int64_t half, int64_t c, int64_t w, int64_t m) {
  V s = zero();
  for (int64_t d = imax(0, c - half); d <= imin(C - 1, c + half); ++d) s = add(s, loadp(v + d * kTile + w, m));
  return s;
}

void across_forward(const LRNGeom& g, const float* x, float* scale, float* y) {
  const int64_t C = g.channels, hw = int64_t(g.height) * g.width, half = (g.size - 1) / 2;
  const V f = set1(g.alpha / float(g.size)), k = set1(g.k);
  const Powx rpow{-g.beta};
  across_tiles(g, [&](int64_t base, int64_t pixels, float* v) {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < pixels; w += W) {
        const int64_t m = imin(W, pixels - w);
        const V a = loadp(x + base + c * hw + w, m);
        storep(v + c * kTile + w, mul(a, a), m);
      }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < pixels; w += W) {
        const int64_t m = imin(W, pixels - w), o = base + c * hw + w;
        const V sc = fma(f, channel_sum(v, C, half, c, w, m), k);
        storep(scale + o, sc, m);
        storep(y + o, mul(loadp(x + o, m), rpow(sc)), m);
      }
  });
}

void across_backward(const LRNGeom& g, const float* x, const float* y, const float* scale, const float* dy,
                     float* dx) {
  const int64_t C = g.channels, hw = int64_t(g.height) * g.width, half = (g.size - 1) / 2;
  const V c2 = set1(2.0f * g.beta * g.alpha / float(g.size));
  const Powx rpow{-g.beta};
  across_tiles(g, [&](int64_t base, int64_t pixels, float* v) {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < pixels; w += W) {
        const int64_t m = imin(W, pixels - w), o = base + c * hw + w;
        storep(v + c * kTile + w, div(mul(loadp(dy + o, m), loadp(y + o, m)), loadp(scale + o, m)), m);
      }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t w = 0; w < pixels; w += W) {
        const int64_t m = imin(W, pixels - w), o = base + c * hw + w;
        const V d = mul(loadp(dy + o, m), scale_pow(rpow, scale + o, m));
        storep(dx + o, sub(d, mul(mul(c2, loadp(x + o, m)), channel_sum(v, C, half, c, w, m))), m);
      }
  });
}

}  // namespace

void lrn_forward(const LRNGeom& g, const float* x, float* scale, float* y) {
  if (g.within) within_forward(g, x, scale, y);
  else across_forward(g, x, scale, y);
}

void lrn_backward(const LRNGeom& g, const float* x, const float* y, const float* scale, const float* dy, float* dx) {
  if (g.within) within_backward(g, x, y, scale, dy, dx);
  else across_backward(g, x, y, scale, dy, dx);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
