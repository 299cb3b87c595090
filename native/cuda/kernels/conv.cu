// Helpers of the convolution path that needs no cuDNN (column buffer + cuBLAS), and the bias.
//
// The column buffer of `nb` images has one row per (channel, kernel row, kernel column) and one
// column per (image, output pixel): col[(c * kernelH + i) * kernelW + j][n * P + p] with
// P = outH * outW, so that one GEMM per group covers the whole chunk of images.
#include "common.cuh"

/** col = im2col(x) for nb images of [channels, height, width] (zero outside the image). */
extern "C" __global__ void im2col_f32(int channels, int height, int width, int kernelH, int kernelW, int padH,
                                      int padW, int strideH, int strideW, int dilationH, int dilationW, int outH,
                                      int outW, int nb, const float* x, float* col) {
  int P = outH * outW;
  CORTADO_LOOP(idx, channels * nb * P) {
    int p = idx % P, n = (idx / P) % nb, c = idx / (P * nb);
    int oh = p / outW, ow = p - oh * outW;
    const float* xp = x + (n * channels + c) * height * width;
    float* cp = col + c * kernelH * kernelW * nb * P + n * P + p;
    for (int i = 0; i < kernelH; i++) {
      int h = oh * strideH - padH + i * dilationH;
      for (int j = 0; j < kernelW; j++) {
        int w = ow * strideW - padW + j * dilationW;
        *cp = (h >= 0 && h < height && w >= 0 && w < width) ? xp[h * width + w] : 0.0f;
        cp += nb * P;
      }
    }
  }
}

/** x = col2im(col): each pixel sums the column entries it was copied to (overwrites x). */
extern "C" __global__ void col2im_f32(int channels, int height, int width, int kernelH, int kernelW, int padH,
                                      int padW, int strideH, int strideW, int dilationH, int dilationW, int outH,
                                      int outW, int nb, const float* col, float* x) {
  int P = outH * outW;
  CORTADO_LOOP(idx, nb * channels * height * width) {
    int w = idx % width, h = (idx / width) % height;
    int c = (idx / (width * height)) % channels, n = idx / (width * height * channels);
    float v = 0.0f;
    for (int i = 0; i < kernelH; i++) {
      int hh = h + padH - i * dilationH;
      if (hh < 0 || hh % strideH != 0) continue;
      int oh = hh / strideH;
      if (oh >= outH) continue;
      for (int j = 0; j < kernelW; j++) {
        int ww = w + padW - j * dilationW;
        if (ww < 0 || ww % strideW != 0) continue;
        int ow = ww / strideW;
        if (ow >= outW) continue;
        v += col[((c * kernelH + i) * kernelW + j) * nb * P + n * P + oh * outW + ow];
      }
    }
    x[idx] = v;
  }
}

/** dst[b][a][c] = src[a][b][c] for src of shape [A, B, C]. */
extern "C" __global__ void transpose01_f32(int A, int B, int C, const float* src, float* dst) {
  CORTADO_LOOP(idx, A * B * C) {
    int c = idx % C, t = idx / C;
    int a = t % A, b = t / A;
    dst[idx] = src[(a * B + b) * C + c];
  }
}

/** y[o, c, i] += bias[c] for y seen as [outer, channels, inner]. */
extern "C" __global__ void bias_fwd_f32(int outer, int channels, int inner, const float* bias, float* y) {
  CORTADO_LOOP(idx, outer * channels * inner) y[idx] += bias[(idx / inner) % channels];
}

/**
 * dbias[c] += sum over o, i of dy[o, c, i]. Grid (channels, splits) of CORTADO_REDUCE_THREADS
 * threads: each block sums one slice of one channel; several slices meet through atomicAdd.
 */
extern "C" __global__ void bias_bwd_f32(int outer, int channels, int inner, const float* dy, float* dbias) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  int c = blockIdx.x, m = outer * inner;
  float s = 0.0f;
  for (int j = blockIdx.y * blockDim.x + threadIdx.x; j < m; j += blockDim.x * gridDim.y) {
    int o = j / inner, i = j - o * inner;
    s += dy[(o * channels + c) * inner + i];
  }
  s = cortadoBlockSum(s, buf);
  if (threadIdx.x == 0) {
    if (gridDim.y == 1) dbias[c] += s;
    else atomicAdd(dbias + c, s);
  }
}
