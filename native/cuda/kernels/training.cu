// Dropout and the fused SGD update.
#include "common.cuh"

/** Row gather: dst[r, j] = scale * src[index[r], j], index holding row numbers as floats. */
extern "C" __global__ void gather_f32(int rows, int rowSize, const float* src, const float* index, float scale, float* dst) {
  CORTADO_LOOP(i, rows * rowSize) {
    int r = i / rowSize;
    dst[i] = scale * src[(size_t)index[r] * (size_t)rowSize + (size_t)(i - r * rowSize)];
  }
}

/** Inverted dropout: y = rand >= ratio ? x * scale : 0 (also the backward pass, with dy and dx). */
extern "C" __global__ void dropout_f32(int n, const float* x, const float* rand, float ratio, float scale, float* y) {
  CORTADO_LOOP(i, n) y[i] = rand[i] >= ratio ? x[i] * scale : 0.0f;
}

/**
 * g = diff + decay * (l1 ? sign(w) : w);  hist = momentum * hist + lr * g;  w -= hist.
 * diff is left as it was.
 */
extern "C" __global__ void sgd_update_f32(int n, float* w, const float* diff, float* hist, float lr, float momentum,
                                          float decay, int l1) {
  CORTADO_LOOP(i, n) {
    float wi = w[i];
    float reg = l1 ? (wi > 0.0f ? 1.0f : (wi < 0.0f ? -1.0f : 0.0f)) : wi;
    float h = momentum * hist[i] + lr * (diff[i] + decay * reg);
    hist[i] = h;
    w[i] = wi - h;
  }
}
