// Kernels of the structural layers: ArgMax's top-k selection and strided block copies.
#include "common.cuh"

/**
 * One thread per (o, i) of x seen as [outer, classes, inner]: the k largest x[o, c, i] in
 * decreasing order, ties to the lower c, found by k scans that each take the best pair ranked
 * after the previous pick. indices[o, j, i] = c (as a float), values[o, j, i] = x[o, c, i].
 */
extern "C" __global__ void topk_f32(int outer, int classes, int inner, int k, const float* x, float* indices, float* values) {
  CORTADO_LOOP(t, outer * inner) {
    int o = t / inner;
    int i = t - o * inner;
    const float* xs = x + (size_t)o * classes * inner + i;
    float prevV = CORTADO_FLT_MAX;
    int prevC = -1;
    bool first = true;
    for (int j = 0; j < k; j++) {
      int best = -1;
      float bestV = 0.0f;
      for (int c = 0; c < classes; c++) {
        float v = xs[(size_t)c * inner];
        bool after = first || v < prevV || (v == prevV && c > prevC);
        if (after && (best < 0 || v > bestV)) {
          best = c;
          bestV = v;
        }
      }
      size_t out = ((size_t)o * k + j) * inner + i;
      indices[out] = (float)best;
      values[out] = bestV;
      prevV = bestV;
      prevC = best;
      first = false;
    }
  }
}

/** dst[r dstStride + j] = src[r srcStride + j] (or += when accumulate) for r < rows, j < cols. */
extern "C" __global__ void copy2d_f32(int rows, int cols, const float* src, int srcStride, float* dst, int dstStride, int accumulate) {
  CORTADO_LOOP(t, rows * cols) {
    int r = t / cols;
    int j = t - r * cols;
    float v = src[(size_t)r * srcStride + j];
    float* d = dst + (size_t)r * dstStride + j;
    *d = accumulate ? *d + v : v;
  }
}
