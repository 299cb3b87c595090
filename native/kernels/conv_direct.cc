// Direct backward-filter convolution for layers with few input channels (the first layer of
// most nets: LeNet's C = 1 with 5x5 taps, CIFAR-10's C = 3). There im2col + GEMM multiplies
// dy (M x positions) by colᵀ (positions x C KH KW) with a short output row of C KH KW = 25 or 75
// weights, and builds col first. Here each weight's gradient is a dot product of a dy row with an
// input row shifted by the tap, read in place (a zero-padded copy of the image when padW > 0):
//
//   dw[m][c][kh][kw] += sum over images, oh, ow of dy[m][oh][ow] x[c][oh strideH + kh - padH][ow + kw - padW]
//
// with rows outside the image contributing nothing. Only strideW 1, no dilation and one group
// take this path (direct_filter_fits), and only where vectors are at most 8 floats: with AVX-512's
// 16, LeNet's 24-wide rows leave a vector a third empty and the GEMM is faster.
#include "conv_direct.h"

#include "gemm.h"
#include "threads.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// The register tile: BM output channels x BK taps. For each vector of a row it loads BM dy
// vectors, then one input vector per tap (BM BK accumulators, BM + 1 inputs, and on WebAssembly,
// which has no FMA, a temporary for the product: 14 of the 15 vector registers engines give).
constexpr int BM = 2, BK = 5;
constexpr int64_t kMaxChannels = 4, kMaxTaps = 128;

// One image's input rows as the kernels read them: row (c, ih) at p + (c H + ih) ld, and column
// ow + kw of the padded row is output column ow's tap kw.
struct Rows {
  const float* p;
  int64_t ld;
};

// The image at x, padded left and right by padW zeros into scratch when padW > 0.
Rows image_rows(const ConvGeom& g, const float* x, ScratchSlot slot) {
  if (g.padW == 0) return Rows{x, g.width};
  const int64_t ld = int64_t(g.width) + 2 * g.padW, rows = int64_t(g.channels) * g.height;
  float* p = scratch(slot, rows * ld);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = p + r * ld;
    memset(row, 0, size_t(g.padW) * sizeof(float));
    memcpy(row + g.padW, x + r * g.width, size_t(g.width) * sizeof(float));
    memset(row + g.padW + g.width, 0, size_t(g.padW) * sizeof(float));
  }
  return Rows{p, ld};
}

// Adds to acc[m][k] (lane sums) the products of dy rows of channels [m0, m0 + MB) with input
// channel c's rows shifted by taps (kh, kw0 + k), k < KB, over one image.
template <int MB, int KB>
void filter_tile(const ConvGeom& g, Rows in, const float* dy, int64_t m0, int64_t c, int64_t kh, int64_t kw0,
                 V* lanes) {
  const int64_t plane = int64_t(g.outH) * g.outW, ow = g.outW;
  // The image's sums start from zero and are added to the running sums at the end: shorter
  // chains of additions, so rounding grows with the positions of one image, not of the batch.
  V acc[MB][KB];
  for (int m = 0; m < MB; ++m)
    for (int k = 0; k < KB; ++k) acc[m][k] = zero();
  for (int64_t oh = 0; oh < g.outH; ++oh) {
    const int64_t ih = oh * g.strideH - g.padH + kh;
    if (ih < 0 || ih >= g.height) continue;
    const float* row = in.p + (c * g.height + ih) * in.ld + kw0;
    const float* d = dy + m0 * plane + oh * ow;
    int64_t j = 0;
    for (; j + W <= ow; j += W) {
      V dm[MB];
      for (int m = 0; m < MB; ++m) dm[m] = load(d + m * plane + j);
      for (int k = 0; k < KB; ++k) {
        const V xv = load(row + j + k);
        for (int m = 0; m < MB; ++m) acc[m][k] = fma(dm[m], xv, acc[m][k]);
      }
    }
    if (j < ow) {
      const int64_t r = ow - j;
      V dm[MB];
      for (int m = 0; m < MB; ++m) dm[m] = loadp(d + m * plane + j, r);
      for (int k = 0; k < KB; ++k) {
        const V xv = loadp(row + j + k, r);
        for (int m = 0; m < MB; ++m) acc[m][k] = fma(dm[m], xv, acc[m][k]);
      }
    }
  }
  for (int m = 0; m < MB; ++m)
    for (int k = 0; k < KB; ++k) lanes[m * KB + k] = add(lanes[m * KB + k], acc[m][k]);
}

typedef void (*FilterTile)(const ConvGeom&, Rows, const float*, int64_t, int64_t, int64_t, int64_t, V*);

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

FilterTile filter_tile_for(int64_t mb, int64_t kb) { return mb == 1 ? filter_tile_for<1>(kb) : filter_tile_for<BM>(kb); }

}  // namespace

bool direct_filter_fits(const ConvGeom& g) {
  return W <= 8 && g.group == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1 && g.channels <= kMaxChannels &&
         int64_t(g.channels) * g.kernelH * g.kernelW <= kMaxTaps && g.outW > 0 && g.outH > 0;
}

void conv_backward_filter_direct(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t xs = int64_t(g.channels) * g.height * g.width, ys = int64_t(g.numOutput) * g.outH * g.outW;
  const int64_t taps = int64_t(g.kernelH) * g.kernelW, wsize = g.numOutput * g.channels * taps;
  // Fixed partitions of the batch, each with lane sums for every weight (laid out as dw, W lanes
  // per weight), reduced and added in partition order: the result does not depend on timing.
  const int64_t parts = imax(1, imin(num_threads(), g.num));
  V* sums = reinterpret_cast<V*>(scratch(kShared, parts * wsize * W));
  for (int64_t i = 0; i < parts * wsize; ++i) sums[i] = zero();
  parallel_for(parts, [&](int64_t part, int) {
    int64_t b0, b1;
    split_range(g.num, parts, part, 1, &b0, &b1);
    V* s = sums + part * wsize;
    V tile[BM * BK];
    for (int64_t b = b0; b < b1; ++b) {
      const Rows in = image_rows(g, x + b * xs, kGather);
      for (int64_t m0 = 0; m0 < g.numOutput; m0 += BM) {
        const int64_t mb = imin(BM, g.numOutput - m0);
        for (int64_t c = 0; c < g.channels; ++c)
          for (int64_t kh = 0; kh < g.kernelH; ++kh)
            for (int64_t kw0 = 0; kw0 < g.kernelW; kw0 += BK) {
              const int64_t kb = imin(BK, g.kernelW - kw0);
              // The tile's lane sums gathered from and put back into s (layout of dw).
              for (int64_t m = 0; m < mb; ++m)
                for (int64_t k = 0; k < kb; ++k) tile[m * kb + k] = s[((m0 + m) * g.channels + c) * taps + kh * g.kernelW + kw0 + k];
              filter_tile_for(mb, kb)(g, in, dy + b * ys, m0, c, kh, kw0, tile);
              for (int64_t m = 0; m < mb; ++m)
                for (int64_t k = 0; k < kb; ++k) s[((m0 + m) * g.channels + c) * taps + kh * g.kernelW + kw0 + k] = tile[m * kb + k];
            }
      }
    }
  });
  for (int64_t p = 0; p < parts; ++p)
    for (int64_t i = 0; i < wsize; ++i) dw[i] += hsum(sums[p * wsize + i]);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
