// Direct backward-filter convolution for layers with few input channels (the first layer of
// most nets: LeNet's C = 1 with 5x5 taps, CIFAR-10's C = 3). There im2col + GEMM multiplies
// dy (M x positions) by colᵀ (positions x C KH KW) with a short output row of C KH KW = 25 or 75
// weights, and builds col first. Here each weight's gradient is a dot product of a dy row with an
// input row shifted by the tap, read in place (a zero-padded copy of the image when padW > 0):
//
//   dw[m][c][kh][kw] += sum over images, oh, ow of dy[m][oh][ow] x[c][oh strideH + kh - padH][ow + kw - padW]
//
// with rows outside the image contributing nothing. Only strideW 1, no dilation and one group
// take this path (direct_filter_fits).
#include "conv_direct.h"

#include "gemm.h"
#include "threads.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// The kernel's vectors hold at most 8 floats: with AVX-512's 16, LeNet's 24-wide rows would leave a
// third of every row's vectors empty. AVX-512 builds use 8-float ymm vectors (AVX-512VL masks for
// the partial one) from all 32 registers; the others use the build's own vectors.
namespace dv {
#if defined(__AVX512F__)
constexpr int W = 8;
typedef __m256 V;
inline V load(const float* p) { return _mm256_loadu_ps(p); }
inline V loadp(const float* p, int64_t r) { return _mm256_maskz_loadu_ps(__mmask8((1u << r) - 1u), p); }
inline V zero() { return _mm256_setzero_ps(); }
inline V add(V a, V b) { return _mm256_add_ps(a, b); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline float hsum(V a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
#else
using CORTADO_ISA::add;
using CORTADO_ISA::fma;
using CORTADO_ISA::hsum;
using CORTADO_ISA::load;
using CORTADO_ISA::loadp;
using CORTADO_ISA::V;
using CORTADO_ISA::W;
using CORTADO_ISA::zero;
#endif
}  // namespace dv

// The register tile: BM output channels x BK taps. For each vector of a row it loads BM dy
// vectors, then one input vector per tap, used by all BM rows. On WebAssembly the code clang and
// V8 make of it holds the BK inputs and the BM rows live together, so 3 x 3 is the tile that fits
// V8's 15 vector registers (2 x 5 kept two accumulators on the stack, a store and a reload in
// every iteration's chain; native/wasm/README.md).
#if defined(__AVX512F__)
constexpr int BM = 4, BK = 5;
#elif defined(__wasm_simd128__)
constexpr int BM = 3, BK = 3;
#else
constexpr int BM = 2, BK = 5;
#endif
constexpr int64_t kMaxChannels = 4, kMaxTaps = 128;

// One image's input rows as the kernels read them: row (c, ih) at p + (c H + ih) ld, and column
// ow + kw of the padded row is output column ow's tap kw.
// starts, where output rows are whole vectors (outW a multiple of the vector width): for each
// vector v of the output plane (row oh, columns j .. j + W), oh strideH ld + j, so that the
// kernels can run one loop over all the vectors of a plane instead of one per output row.
struct Rows {
  const float* p;
  int64_t ld;
  const int32_t* starts;
};

// The image at x, padded left and right by padW zeros into the thread's scratch when padW > 0.
Rows image_rows(const ConvGeom& g, const float* x, const int32_t* starts) {
  if (g.padW == 0) return Rows{x, g.width, starts};
  const int64_t ld = int64_t(g.width) + 2 * g.padW, rows = int64_t(g.channels) * g.height;
  float* p = scratch(kGather, rows * ld);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = p + r * ld;
    memset(row, 0, size_t(g.padW) * sizeof(float));
    memcpy(row + g.padW, x + r * g.width, size_t(g.width) * sizeof(float));
    memset(row + g.padW + g.width, 0, size_t(g.padW) * sizeof(float));
  }
  return Rows{p, ld, starts};
}

// Rows's starts for g (in `mem`, outH outW / W of them), or null where outW is not a multiple of W.
const int32_t* vector_starts(const ConvGeom& g, int64_t W_, int32_t* mem) {
  if (g.outW % W_) return nullptr;
  const int64_t ld = int64_t(g.width) + 2 * g.padW;
  for (int64_t oh = 0, v = 0; oh < g.outH; ++oh)
    for (int64_t j = 0; j < g.outW; j += W_) mem[v++] = int32_t(oh * g.strideH * ld + j);
  return mem;
}

// acc[m][k] += dm[m] x(k) for the tile's taps k, x(k) being the input vector of tap k.
template <int MB, int KB, class X>
inline void fma_taps(dv::V (&acc)[MB][KB], const dv::V (&dm)[MB], const X& x) {
  for (int k = 0; k < KB; ++k) {
    const dv::V xv = x(k);
    for (int m = 0; m < MB; ++m) acc[m][k] = dv::fma(dm[m], xv, acc[m][k]);
  }
}

// Adds to lanes[m ld + k] (lane sums) the products of dy rows of channels [m0, m0 + MB) with input
// channel c's rows shifted by taps (kh, kw0 + k), k < KB, over one image.
template <int MB, int KB>
void filter_tile(const ConvGeom& g, Rows in, const float* dy, int64_t m0, int64_t c, int64_t kh, int64_t kw0,
                 dv::V* lanes, int64_t ld) {
  const int64_t plane = int64_t(g.outH) * g.outW, ow = g.outW;
  // The image's sums start from zero and are added to the running sums at the end: shorter
  // chains of additions, so rounding grows with the positions of one image, not of the batch.
  dv::V acc[MB][KB];
  for (int m = 0; m < MB; ++m)
    for (int k = 0; k < KB; ++k) acc[m][k] = dv::zero();
  if (in.starts) {
    // The output rows whose input row ih = oh strideH - padH + kh is inside the image, as one run
    // of whole vectors.
    const int64_t lo = g.padH - kh, hi = g.height + g.padH - kh, sh = g.strideH;
    const int64_t oh0 = lo <= 0 ? 0 : (lo + sh - 1) / sh, oh1 = hi <= 0 ? 0 : imin(g.outH, (hi + sh - 1) / sh);
    const int64_t per_row = ow / dv::W;
    const int64_t base = (c * g.height + kh - g.padH) * in.ld + kw0;
    // Pointers stepped by hand: the WebAssembly build turns off loop strength reduction.
    const float* dp[MB];
    for (int m = 0; m < MB; ++m) dp[m] = dy + (m0 + m) * plane + oh0 * ow;
    const int32_t* st = in.starts + oh0 * per_row;
    for (int64_t n = (oh1 - oh0) * per_row; n > 0; --n) {
      const float* row = in.p + (base + *st++);
      dv::V dm[MB];
      for (int m = 0; m < MB; ++m) {
        dm[m] = dv::load(dp[m]);
        dp[m] += dv::W;
      }
      fma_taps(acc, dm, [&](int k) { return dv::load(row + k); });
    }
  } else {
    for (int64_t oh = 0; oh < g.outH; ++oh) {
      const int64_t ih = oh * g.strideH - g.padH + kh;
      if (ih < 0 || ih >= g.height) continue;
      const float* row = in.p + (c * g.height + ih) * in.ld + kw0;
      const float* d = dy + m0 * plane + oh * ow;
      int64_t j = 0;
      for (; j + dv::W <= ow; j += dv::W) {
        dv::V dm[MB];
        for (int m = 0; m < MB; ++m) dm[m] = dv::load(d + m * plane + j);
        fma_taps(acc, dm, [&](int k) { return dv::load(row + j + k); });
      }
      if (j < ow) {
        const int64_t r = ow - j;
        dv::V dm[MB];
        for (int m = 0; m < MB; ++m) dm[m] = dv::loadp(d + m * plane + j, r);
        fma_taps(acc, dm, [&](int k) { return dv::loadp(row + j + k, r); });
      }
    }
  }
  for (int m = 0; m < MB; ++m)
    for (int k = 0; k < KB; ++k) lanes[m * ld + k] = dv::add(lanes[m * ld + k], acc[m][k]);
}

typedef void (*FilterTile)(const ConvGeom&, Rows, const float*, int64_t, int64_t, int64_t, int64_t, dv::V*, int64_t);

template <int MB>
FilterTile filter_tile_for(int64_t kb) {
  switch (kb) {
    case 1: return filter_tile<MB, 1>;
    case 2: return filter_tile<MB, 2>;
    case 3: return filter_tile<MB, 3>;
    case 4: return filter_tile<MB, 4>;
    default: return filter_tile<MB, BK>;
  }
}

FilterTile filter_tile_for(int64_t mb, int64_t kb) {
  switch (mb) {
    case 1: return filter_tile_for<1>(kb);
    case 2: return filter_tile_for<(BM >= 2 ? 2 : 1)>(kb);
    case 3: return filter_tile_for<(BM >= 3 ? 3 : 1)>(kb);
    default: return filter_tile_for<BM>(kb);
  }
}

}  // namespace

bool direct_filter_fits(const ConvGeom& g) {
  return g.group == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 && g.channels <= kMaxChannels &&
         int64_t(g.channels) * g.kernelH * g.kernelW <= kMaxTaps;
}

void conv_backward_filter_direct(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t xs = int64_t(g.channels) * g.height * g.width, ys = int64_t(g.numOutput) * g.outH * g.outW;
  const int64_t taps = int64_t(g.kernelH) * g.kernelW, wsize = g.numOutput * g.channels * taps;
  // Fixed partitions of the batch, each with lane sums for every weight (laid out as dw, a vector
  // per weight), reduced and added in partition order: the result does not depend on timing.
  const int64_t parts = imax(1, imin(num_threads(), g.num));
  const int32_t* starts =
      vector_starts(g, dv::W, reinterpret_cast<int32_t*>(scratch(kPlan, int64_t(g.outH) * g.outW / dv::W + 1)));
  dv::V* sums = reinterpret_cast<dv::V*>(scratch(kShared, parts * wsize * dv::W));
  for (int64_t i = 0; i < parts * wsize; ++i) sums[i] = dv::zero();
  parallel_for(parts, [&](int64_t part, int) {
    int64_t b0, b1;
    split_range(g.num, parts, part, 1, &b0, &b1);
    dv::V* s = sums + part * wsize;
    for (int64_t b = b0; b < b1; ++b) {
      const Rows in = image_rows(g, x + b * xs, starts);
      for (int64_t m0 = 0; m0 < g.numOutput; m0 += BM) {
        const int64_t mb = imin(BM, g.numOutput - m0);
        for (int64_t c = 0; c < g.channels; ++c)
          for (int64_t kh = 0; kh < g.kernelH; ++kh)
            for (int64_t kw0 = 0; kw0 < g.kernelW; kw0 += BK)
              filter_tile_for(mb, imin(BK, g.kernelW - kw0))(g, in, dy + b * ys, m0, c, kh, kw0,
                                                             s + (m0 * g.channels + c) * taps + kh * g.kernelW + kw0,
                                                             g.channels * taps);
      }
    }
  });
  for (int64_t p = 0; p < parts; ++p)
    for (int64_t i = 0; i < wsize; ++i) dw[i] += dv::hsum(sums[p * wsize + i]);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
