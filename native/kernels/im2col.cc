// The general im2col / col2im (any stride), and col2im by rows for strideW 1 (see im2col.h).
// The general pair works in runs: for one input row ih and one kernel column j, the outputs ow
// of one output row read x[ih][ow sw + j dw - pw], a contiguous run when sw = 1; each kernel
// column's valid ow range is computed once per call, so the inner loop is a short vector copy (or
// add) with zero fill at the edges.
#include "im2col.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

constexpr int64_t kMaxKernelW = 64;

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Valid output columns [lo[j], hi[j]) for each kernel column j: 0 <= ow sw + j dw - pw < width.
struct Columns {
  int64_t lo[kMaxKernelW], hi[kMaxKernelW], off[kMaxKernelW];
  explicit Columns(const ConvGeom& g) {
    for (int64_t j = 0; j < g.kernelW && j < kMaxKernelW; ++j) {
      int64_t off_j = j * g.dilationW - g.padW;
      int64_t l = imax(0, -floor_div(off_j, g.strideW));
      int64_t h = imin(g.outW, floor_div(g.width - 1 - off_j, g.strideW) + 1);
      lo[j] = imin(l, g.outW);
      hi[j] = imax(h, lo[j]);
      off[j] = off_j;
    }
  }
};

inline void zero_run(float* d, int64_t n) {
  int64_t k = 0;
  for (; k + W <= n; k += W) store(d + k, zero());
  if (k < n) storep(d + k, zero(), n - k);
}

inline void add_run(float* d, const float* s, int64_t n) {
  int64_t k = 0;
  for (; k + W <= n; k += W) store(d + k, add(load(d + k), load(s + k)));
  if (k < n) storep(d + k, add(loadp(d + k, n - k), loadp(s + k, n - k)), n - k);
}

// Calls run(i, ih, ow, seg, jj) for each kernel row i and each piece of an output row in the
// column range: outputs (oh, ow .. ow + seg) stored at col columns jj .. jj + seg; ih < 0 or
// >= height marks a row in the padding.
template <class F>
inline void for_each_run(const ConvGeom& g, int64_t j0, int64_t ncols, const F& run) {
  for (int64_t i = 0; i < g.kernelH; ++i) {
    int64_t jj = 0, oh = j0 / g.outW, ow = j0 % g.outW;
    while (jj < ncols) {
      int64_t seg = imin(g.outW - ow, ncols - jj);
      run(i, oh * g.strideH - g.padH + i * g.dilationH, ow, seg, jj);
      jj += seg;
      ++oh;
      ow = 0;
    }
  }
}

}  // namespace

void im2col(const ConvGeom& g, const float* x, int64_t channels, int64_t j0, int64_t ncols, float* col,
            int64_t ldcol) {
  if (g.kernelW > kMaxKernelW) {
    // Very wide kernels: one element at a time.
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < g.kernelH; ++i)
        for (int64_t j = 0; j < g.kernelW; ++j) {
          float* d = col + ((c * g.kernelH + i) * g.kernelW + j) * ldcol;
          for (int64_t jj = 0; jj < ncols; ++jj) {
            int64_t oh = (j0 + jj) / g.outW, ow = (j0 + jj) % g.outW;
            int64_t ih = oh * g.strideH - g.padH + i * g.dilationH, iw = ow * g.strideW - g.padW + j * g.dilationW;
            d[jj] = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width ? x[(c * g.height + ih) * g.width + iw] : 0.0f;
          }
        }
    return;
  }
  const Columns cols(g);
  const int64_t kw = g.kernelW, sw = g.strideW, plane = int64_t(g.height) * g.width;
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * plane;
    float* cc = col + c * g.kernelH * kw * ldcol;
    for_each_run(g, j0, ncols, [&](int64_t i, int64_t ih, int64_t ow, int64_t seg, int64_t jj) {
      float* base = cc + i * kw * ldcol + jj - ow;  // base[ow'] for ow' in [ow, ow + seg)
      if (ih < 0 || ih >= g.height) {
        for (int64_t j = 0; j < kw; ++j) zero_run(base + j * ldcol + ow, seg);
        return;
      }
      const float* src = xc + ih * g.width;
      for (int64_t j = 0; j < kw; ++j) {
        float* d = base + j * ldcol;
        int64_t end = ow + seg, a = imin(imax(ow, cols.lo[j]), end), b = imax(imin(end, cols.hi[j]), a);
        if (a > ow) zero_run(d + ow, a - ow);
        if (sw == 1) {
          copy_run(d + a, src + a + cols.off[j], b - a);
        } else {
          for (int64_t q = a; q < b; ++q) d[q] = src[q * sw + cols.off[j]];
        }
        if (end > b) zero_run(d + b, end - b);
      }
    });
  }
}

void col2im(const ConvGeom& g, const float* col, int64_t channels, int64_t j0, int64_t ncols, int64_t ldcol,
            float* dx) {
  if (g.kernelW > kMaxKernelW) {
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < g.kernelH; ++i)
        for (int64_t j = 0; j < g.kernelW; ++j) {
          const float* s = col + ((c * g.kernelH + i) * g.kernelW + j) * ldcol;
          for (int64_t jj = 0; jj < ncols; ++jj) {
            int64_t oh = (j0 + jj) / g.outW, ow = (j0 + jj) % g.outW;
            int64_t ih = oh * g.strideH - g.padH + i * g.dilationH, iw = ow * g.strideW - g.padW + j * g.dilationW;
            if (ih >= 0 && ih < g.height && iw >= 0 && iw < g.width) dx[(c * g.height + ih) * g.width + iw] += s[jj];
          }
        }
    return;
  }
  const Columns cols(g);
  const int64_t kw = g.kernelW, sw = g.strideW, plane = int64_t(g.height) * g.width;
  for (int64_t c = 0; c < channels; ++c) {
    float* xc = dx + c * plane;
    const float* cc = col + c * g.kernelH * kw * ldcol;
    for_each_run(g, j0, ncols, [&](int64_t i, int64_t ih, int64_t ow, int64_t seg, int64_t jj) {
      if (ih < 0 || ih >= g.height) return;
      const float* base = cc + i * kw * ldcol + jj - ow;
      float* dst = xc + ih * g.width;
      for (int64_t j = 0; j < kw; ++j) {
        const float* s = base + j * ldcol;
        int64_t end = ow + seg, a = imin(imax(ow, cols.lo[j]), end), b = imax(imin(end, cols.hi[j]), a);
        if (sw == 1) {
          add_run(dst + a + cols.off[j], s + a, b - a);
        } else {
          for (int64_t q = a; q < b; ++q) dst[q * sw + cols.off[j]] += s[q];
        }
      }
    });
  }
}

namespace {

// col2im_rows for kernels KW wide (0: any width, read from g). A fixed KW lets the compiler
// keep each chunk's kW lane masks and offsets in registers across channels and kernel rows.
template <int64_t KW>
void col2im_rows_kw(const ConvGeom& g, const float* col, int64_t channels, int64_t oh0, int64_t oh1, int64_t ld,
                    float* dx) {
  const int64_t kh = g.kernelH, kw = KW ? KW : g.kernelW, Wd = g.width, oW = g.outW;
  const int64_t chunks = (Wd + W - 1) / W;
  // Lane l of chunk q is input column q W + l, read from output column q W + l + pw - j dw of
  // kernel column j: per (q, j) an offset and a lane range, the same for every row and channel.
  struct Term {
    int64_t off;
    Lanes lanes;
  };
  constexpr int64_t kMaxTerms = 256;
  Term terms[kMaxTerms];
  const bool cached = chunks * kw <= kMaxTerms;
  auto term_of = [&](int64_t q, int64_t j) {
    const int64_t off = q * W + g.padW - j * g.dilationW;
    return Term{off, lane_range(imax(0, -off), imin(imin(W, Wd - q * W), oW - off))};
  };
  if (cached)
    for (int64_t q = 0; q < chunks; ++q)
      for (int64_t j = 0; j < kw; ++j) terms[q * kw + j] = term_of(q, j);
  int64_t src_of[kMaxKernelH];  // per kernel row reaching input row ih: where its output row starts in col
  for (int64_t ih = 0; ih < g.height; ++ih) {
    // The (kernel row, output row) pairs that read input row ih, the same for every channel.
    int64_t n = 0;
    for (int64_t i = 0; i < kh; ++i) {
      const int64_t num = ih + g.padH - i * g.dilationH;
      if (num < 0 || (g.strideH > 1 && num % g.strideH)) continue;
      const int64_t oh = g.strideH > 1 ? num / g.strideH : num;
      if (oh < oh0 || oh >= oh1) continue;
      src_of[n++] = i * kw * ld + (oh - oh0) * oW;
    }
    for (int64_t q = 0; q < chunks; ++q) {
      const int64_t width = imin(W, Wd - q * W);
      for (int64_t c = 0; c < channels; ++c) {
        const float* cc = col + c * kh * kw * ld;
        float* d = dx + (c * g.height + ih) * Wd + q * W;
        // Four partial sums, so that the adds do not wait on each other.
        V acc0 = zero(), acc1 = zero(), acc2 = zero(), acc3 = zero();
        for (int64_t r = 0; r < n; ++r) {
          const float* src = cc + src_of[r];
          auto load_term = [&](int64_t j) {
            const Term t = cached ? terms[q * kw + j] : term_of(q, j);
            return loadl(src + j * ld + t.off, t.lanes);
          };
          int64_t j = 0;
          for (; j + 4 <= kw; j += 4) {
            acc0 = add(acc0, load_term(j));
            acc1 = add(acc1, load_term(j + 1));
            acc2 = add(acc2, load_term(j + 2));
            acc3 = add(acc3, load_term(j + 3));
          }
          for (; j < kw; ++j) acc0 = add(acc0, load_term(j));
        }
        storep(d, add(loadp(d, width), add(add(acc0, acc1), add(acc2, acc3))), width);
      }
    }
  }
}

}  // namespace

void col2im_rows(const ConvGeom& g, const float* col, int64_t channels, int64_t oh0, int64_t oh1, int64_t ld,
                 float* dx) {
  switch (g.kernelW) {
    case 3: return col2im_rows_kw<3>(g, col, channels, oh0, oh1, ld, dx);
    case 5: return col2im_rows_kw<5>(g, col, channels, oh0, oh1, ld, dx);
    default: return col2im_rows_kw<0>(g, col, channels, oh0, oh1, ld, dx);
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
