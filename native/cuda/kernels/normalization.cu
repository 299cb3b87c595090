// Kernels of the normalization and embedding layers.
#include "common.cuh"

/**
 * Row scatter-add, the transpose of gather_f32: dst[index[r], j] += scale * src[r, j], index
 * holding row numbers as floats. Repeated rows meet through atomicAdd.
 */
extern "C" __global__ void scatter_add_f32(int rows, int rowSize, const float* src, const float* index, float scale, float* dst) {
  CORTADO_LOOP(i, rows * rowSize) {
    int r = i / rowSize;
    atomicAdd(dst + (size_t)index[r] * (size_t)rowSize + (size_t)(i - r * rowSize), scale * src[i]);
  }
}
