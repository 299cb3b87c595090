// Kernels of the normalization and embedding layers.
#include "common.cuh"

/**
 * Row scatter-add, the transpose of gather_f32: dst[index[r], j] += scale * src[r, j], index
 * holding row numbers of a destination of dstRows rows as floats; a row whose index is not one is
 * skipped, and the error flag set. Repeated rows meet through atomicAdd.
 */
extern "C" __global__ void scatter_add_f32(int rows, int rowSize, const float* src, const float* index, float scale, float* dst,
                                           int dstRows, float* flag) {
  CORTADO_LOOP(i, rows * rowSize) {
    int r = i / rowSize;
    float v = index[r];
    if (!cortadoIsRow(v, dstRows)) {
      cortadoFail(flag, kScatterIndex, r);
      continue;
    }
    atomicAdd(dst + (size_t)v * (size_t)rowSize + (size_t)(i - r * rowSize), scale * src[i]);
  }
}
