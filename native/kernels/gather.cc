// Rows moved (see cortado.h): gather and scatter-add by index (Permute, Embed), and the strided
// block copy of Concat, Slice, Crop and Reverse.
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// The position of the first index that is not a whole number in [0, limit), or -1. Indices are
// floats, exact for rows below 2^24.
int64_t first_bad_index(int64_t rows, const float* index, int64_t limit) {
  // A branch-free pass the compiler vectorizes; the search below runs only when it finds one.
  const float lim = float(limit);
  bool any = false;
  for (int64_t r = 0; r < rows; ++r) {
    const float v = index[r];
    any |= !(v >= 0.0f && v < lim && v == __builtin_floorf(v));
  }
  if (!any && (limit < (int64_t(1) << 24) || rows == 0)) return -1;
  for (int64_t r = 0; r < rows; ++r) {
    const float v = index[r];
    if (!(v >= 0.0f && v < float(limit)) || v != float(int64_t(v)) || int64_t(v) >= limit) return r;
  }
  return -1;
}

}  // namespace

int64_t gather(int64_t rows, int64_t rowSize, int64_t srcRows, const float* src, const float* index, float scale,
               float* dst) {
  const int64_t bad = first_bad_index(rows, index, srcRows);
  if (bad >= 0) return bad;
  parallel_rows(rows, rows * rowSize, [&](int64_t lo, int64_t hi) {
    if (rowSize == 1) {
      // A transpose's rows of one value: a plain indexed load.
      if (scale == 1.0f) for (int64_t r = lo; r < hi; ++r) dst[r] = src[int64_t(index[r])];
      else for (int64_t r = lo; r < hi; ++r) dst[r] = scale * src[int64_t(index[r])];
      return;
    }
    const V s = set1(scale);
    for (int64_t r = lo; r < hi; ++r) {
      const float* from = src + int64_t(index[r]) * rowSize;
      float* to = dst + r * rowSize;
      if (scale == 1.0f) {
        copy_run(to, from, rowSize);
      } else {
        int64_t k = 0;
        for (; k + W <= rowSize; k += W) store(to + k, mul(s, load(from + k)));
        if (k < rowSize) storep(to + k, mul(s, loadp(from + k, rowSize - k)), rowSize - k);
      }
    }
  });
  return -1;
}

int64_t scatter_add(int64_t rows, int64_t rowSize, int64_t dstRows, const float* src, const float* index,
                    float scale, float* dst) {
  const int64_t bad = first_bad_index(rows, index, dstRows);
  if (bad >= 0) return bad;
  // Rows may share a destination, so the threads split the columns: each adds its columns of
  // every row in row order, the order of the one-thread loop.
  const int64_t parts = rows * rowSize >= kGrain ? imin(num_threads(), (rowSize + W - 1) / W) : 1;
  auto add_columns = [&](int64_t c0, int64_t c1) {
    const V s = set1(scale);
    for (int64_t r = 0; r < rows; ++r) {
      const float* from = src + r * rowSize;
      float* to = dst + int64_t(index[r]) * rowSize;
      int64_t k = c0;
      for (; k + W <= c1; k += W) store(to + k, fma(s, load(from + k), load(to + k)));
      if (k < c1) storep(to + k, fma(s, loadp(from + k, c1 - k), loadp(to + k, c1 - k)), c1 - k);
    }
  };
  if (parts <= 1) {
    add_columns(0, rowSize);
    return -1;
  }
  parallel_for(parts, [&](int64_t part, int) {
    int64_t lo, hi;
    split_range(rowSize, parts, part, W, &lo, &hi);
    if (hi > lo) add_columns(lo, hi);
  });
  return -1;
}

void copy2d(int64_t rows, int64_t cols, int64_t srcStride, int64_t dstStride, bool accumulate, const float* src,
            float* dst) {
  if (cols <= 0) return;
  parallel_rows(rows, rows * cols, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* s = src + r * srcStride;
      float* d = dst + r * dstStride;
      if (!accumulate) {
        copy_run(d, s, cols);
        continue;
      }
      int64_t k = 0;
      for (; k + W <= cols; k += W) store(d + k, add(load(d + k), load(s + k)));
      if (k < cols) storep(d + k, add(loadp(d + k, cols - k), loadp(s + k, cols - k)), cols - k);
    }
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
