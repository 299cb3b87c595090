// Bias over the channel axis of [outer, channels, inner] (backend.ts biasForward / biasBackward):
//   y[o, c, i] += bias[c];   dbias[c] += sum over o, i of dy[o, c, i]
#include "gemm.h"
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

void bias_forward(int64_t outer, int64_t channels, int64_t inner, const float* bias, float* y) {
  if (inner == 1) {
    // One row of channels per outer index: a vector add of the bias row.
    parallel_rows(outer, outer * channels, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        float* row = y + o * channels;
        int64_t c = 0;
        for (; c + W <= channels; c += W) store(row + c, add(load(row + c), load(bias + c)));
        if (c < channels) storep(row + c, add(loadp(row + c, channels - c), loadp(bias + c, channels - c)), channels - c);
      }
    });
    return;
  }
  const int64_t rows = outer * channels;
  parallel_rows(rows, rows * inner, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      float* row = y + r * inner;
      V b = set1(bias[r % channels]);
      int64_t i = 0;
      for (; i + W <= inner; i += W) store(row + i, add(load(row + i), b));
      if (i < inner) storep(row + i, add(loadp(row + i, inner - i), b), inner - i);
    }
  });
}

void bias_backward(int64_t outer, int64_t channels, int64_t inner, const float* dy, float* dbias) {
  if (inner == 1) {
    // Column sums: each thread owns a slab of channels and walks all rows.
    int64_t slabs = (channels + W - 1) / W;
    parallel_rows(slabs, outer * channels, [&](int64_t s0, int64_t s1) {
      int64_t lo = s0 * W, hi = imin(s1 * W, channels);
      for (int64_t c = lo; c < hi; c += W) {
        int64_t r = imin(W, hi - c);
        V s = zero();
        for (int64_t o = 0; o < outer; ++o) s = add(s, loadp(dy + o * channels + c, r));
        storep(dbias + c, add(loadp(dbias + c, r), s), r);
      }
    });
    return;
  }
  // Each thread sums its own rows of outer (the images its share of the layer before wrote, so
  // still in its cache) for every channel; the partial sums are added in a fixed order.
  const int64_t parts = outer * channels * inner >= kGrain ? imin(num_threads(), outer) : 1;
  float* partial = scratch(kShared, parts * channels);
  parallel_for(parts, [&](int64_t part, int) {
    int64_t o0, o1;
    split_range(outer, parts, part, 1, &o0, &o1);
    for (int64_t c = 0; c < channels; ++c) {
      // Four partial sums, so that the adds do not wait on each other.
      V s = zero(), s1 = zero(), s2 = zero(), s3 = zero();
      for (int64_t o = o0; o < o1; ++o) {
        const float* row = dy + (o * channels + c) * inner;
        int64_t i = 0;
        for (; i + 4 * W <= inner; i += 4 * W) {
          s = add(s, load(row + i));
          s1 = add(s1, load(row + i + W));
          s2 = add(s2, load(row + i + 2 * W));
          s3 = add(s3, load(row + i + 3 * W));
        }
        for (; i + W <= inner; i += W) s = add(s, load(row + i));
        if (i < inner) s = add(s, loadp(row + i, inner - i));
      }
      partial[part * channels + c] = hsum(add(add(s, s1), add(s2, s3)));
    }
  });
  for (int64_t c = 0; c < channels; ++c) {
    float s = partial[c];
    for (int64_t p = 1; p < parts; ++p) s += partial[p * channels + c];
    dbias[c] += s;
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
