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

/**
 * scatter_add_f32 in a fixed order, for a device started deterministic: one thread per column
 * adds the rows in turn, so repeated rows meet in row order, run after run. Bad indices as there
 * (the column-0 thread sets the flag).
 */
extern "C" __global__ void scatter_add_ordered_f32(int rows, int rowSize, const float* src, const float* index, float scale,
                                                   float* dst, int dstRows, float* flag) {
  CORTADO_LOOP(j, rowSize) {
    for (int r = 0; r < rows; r++) {
      float v = index[r];
      if (!cortadoIsRow(v, dstRows)) {
        if (j == 0) cortadoFail(flag, kScatterIndex, r);
        continue;
      }
      dst[(size_t)v * (size_t)rowSize + (size_t)j] += scale * src[(size_t)r * (size_t)rowSize + (size_t)j];
    }
  }
}

/**
 * Local response normalization across channels, over [num, channels, hw]:
 * scale = k + alphaOverSize · Σ x² over the channels c - half .. c + half that exist, and
 * y = x · scale^-beta. Launched over (pixels of a plane, num · ceil(channels / chunk) columns): a
 * thread takes a pixel through `chunk` channels of one image in turn (the backend picks the chunk,
 * 16 at most, smaller for small layers), so the window's reads of the neighbouring planes are of
 * lines the same thread read for the channel before, in its own SM's cache; with one thread per
 * element, as before, they came from wherever other blocks had brought them (L2 or memory), and
 * each element was placed with two integer divisions.
 */
extern "C" __global__ void lrn_across_fwd_f32(int num, int channels, int hw, int half, float alphaOverSize, float beta, float k,
                                              int chunk, const float* x, float* scale, float* y) {
  const int chunks = (channels + chunk - 1) / chunk;
  CORTADO_PIXEL_LOOP(p, hw) {
    CORTADO_PLANE_LOOP(col, num * chunks) {
      const int n = col / chunks, c0 = (col - n * chunks) * chunk, c1 = cortadoMin(c0 + chunk, channels);
      const int first = n * channels * hw + p;  // this pixel in channel 0 of the image
      for (int c = c0; c < c1; c++) {
        int lo = cortadoMax(c - half, 0), hi = cortadoMin(c + half, channels - 1);
        float s = 0.0f;
        for (int j = lo; j <= hi; j++) {
          float v = x[first + j * hw];
          s += v * v;
        }
        const int i = first + c * hw;
        float sc = k + alphaOverSize * s;
        scale[i] = sc;
        y[i] = x[i] * powf(sc, -beta);
      }
    }
  }
}

/**
 * Its backward pass from forward's x, y and scale: dx = dy · scale^-beta - ratio · x · Σ dy y / scale
 * over the same window (ratio = 2 alpha beta / size). Overwrites dx. Launched as the forward pass.
 */
extern "C" __global__ void lrn_across_bwd_f32(int num, int channels, int hw, int half, float ratio, float beta, int chunk,
                                              const float* x, const float* y, const float* scale, const float* dy, float* dx) {
  const int chunks = (channels + chunk - 1) / chunk;
  CORTADO_PIXEL_LOOP(p, hw) {
    CORTADO_PLANE_LOOP(col, num * chunks) {
      const int n = col / chunks, c0 = (col - n * chunks) * chunk, c1 = cortadoMin(c0 + chunk, channels);
      const int first = n * channels * hw + p;
      for (int c = c0; c < c1; c++) {
        int lo = cortadoMax(c - half, 0), hi = cortadoMin(c + half, channels - 1);
        float s = 0.0f;
        for (int j = lo; j <= hi; j++) {
          int q = first + j * hw;
          s += dy[q] * y[q] / scale[q];
        }
        const int i = first + c * hw;
        dx[i] = dy[i] * powf(scale[i], -beta) - ratio * x[i] * s;
      }
    }
  }
}

/**
 * Layer normalization of x seen as [rows, D], a block per row (every gridDim.x-th row): the mean,
 * then the variance about it, each reduced in the block; rstd[r] = 1 / sqrt(variance + eps),
 * xhat = (x - mean) rstd[r], y = scale xhat + bias with affine 1, else y = xhat.
 */
extern "C" __global__ void layer_norm_fwd_f32(int rows, int D, float eps, const float* x, int affine, const float* scale,
                                              const float* bias, float* xhat, float* rstd, float* y) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const size_t base = (size_t)r * D;
    float s = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) s += x[base + d];
    const float mean = cortadoBlockSum(s, buf) / (float)D;
    float v = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
      const float t = x[base + d] - mean;
      v += t * t;
    }
    const float inv = 1.0f / sqrtf(cortadoBlockSum(v, buf) / (float)D + eps);
    if (threadIdx.x == 0) rstd[r] = inv;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
      const float t = (x[base + d] - mean) * inv;
      xhat[base + d] = t;
      y[base + d] = affine ? scale[d] * t + bias[d] : t;
    }
  }
}

/**
 * The input gradient of layer_norm_fwd_f32, a block per row: g = scale dy (hasScale 1) or dy,
 * dx = (g - mean(g) - xhat mean(g xhat)) rstd[r]; dx may alias dy.
 */
extern "C" __global__ void layer_norm_bwd_f32(int rows, int D, const float* xhat, const float* rstd, const float* dy,
                                              int hasScale, const float* scale, float* dx) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const size_t base = (size_t)r * D;
    float sg = 0.0f, sgx = 0.0f;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
      const float g = hasScale ? scale[d] * dy[base + d] : dy[base + d];
      sg += g;
      sgx += g * xhat[base + d];
    }
    const float mg = cortadoBlockSum(sg, buf) / (float)D;
    const float mgx = cortadoBlockSum(sgx, buf) / (float)D;
    const float inv = rstd[r];
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
      const float g = hasScale ? scale[d] * dy[base + d] : dy[base + d];
      dx[base + d] = (g - mg - xhat[base + d] * mgx) * inv;
    }
  }
}
