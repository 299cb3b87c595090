// Random numbers, row gather, dropout and the fused SGD update.
#include "common.cuh"

/**
 * The counter-based generator of src/backend/js/random.ts: the value at position i of a draw
 * depends only on the draw's 32-bit key and i (unsigned 32-bit arithmetic, wrapping).
 *
 *   mix(x)       = x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
 *   bits(key, i) = mix(mix(i + key) ^ salt),  salt = mix(key ^ 0x9e3779b9)
 */
__device__ __forceinline__ unsigned cortadoMix(unsigned x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

__device__ __forceinline__ unsigned cortadoRandomBits(unsigned key, unsigned salt, unsigned i) {
  return cortadoMix(cortadoMix(i + key) ^ salt);
}

/** 2^-24: the top 24 random bits times this are a float in [0, 1), exactly. */
#define CORTADO_TWO_M24 5.9604644775390625e-8f

/** y[i] = (bits(key, i) >> 8) 2^-24, uniform in [0, 1); key is the unsigned key's bits. */
extern "C" __global__ void random_uniform_f32(int n, int key, float* y) {
  unsigned k = (unsigned)key;
  unsigned salt = cortadoMix(k ^ 0x9e3779b9u);
  CORTADO_LOOP(i, n) y[i] = (float)(cortadoRandomBits(k, salt, (unsigned)i) >> 8) * CORTADO_TWO_M24;
}

/**
 * cos(2 pi u) for u in [0, 1), accurate relative to its value even near its zeros: u less the
 * nearest quarter q/4 is exact, and cos(2 pi (r + q/4)) is cos or sin of the small angle 2 pi r.
 */
__device__ __forceinline__ float cortadoCos2Pi(float u) {
  float q = floorf(4.0f * u + 0.5f);
  float a = 6.2831853071795865f * (u - 0.25f * q);  // in [-pi/4, pi/4]
  int quarter = (int)q & 3;
  return quarter == 0 ? cosf(a) : quarter == 1 ? -sinf(a) : quarter == 2 ? -cosf(a) : sinf(a);
}

/**
 * y[i] = sqrt(-2 ln u1) cos(2 pi u2) (Box-Muller), u1 = ((bits(key, 2i) >> 8) + 1) 2^-24 in (0, 1],
 * u2 = (bits(key, 2i + 1) >> 8) 2^-24, with 2i taken modulo 2^32.
 */
extern "C" __global__ void random_normal_f32(int n, int key, float* y) {
  unsigned k = (unsigned)key;
  unsigned salt = cortadoMix(k ^ 0x9e3779b9u);
  CORTADO_LOOP(i, n) {
    unsigned j = 2u * (unsigned)i;
    float u1 = (float)((cortadoRandomBits(k, salt, j) >> 8) + 1u) * CORTADO_TWO_M24;
    float u2 = (float)(cortadoRandomBits(k, salt, j + 1u) >> 8) * CORTADO_TWO_M24;
    y[i] = sqrtf(-2.0f * logf(u1)) * cortadoCos2Pi(u2);
  }
}

/**
 * Row gather: dst[r, j] = scale * src[index[r], j], index holding row numbers of a source of
 * srcRows rows as floats; a row whose index is not one is zeroed, and the error flag set.
 */
extern "C" __global__ void gather_f32(int rows, int rowSize, const float* src, int srcRows, const float* index, float scale,
                                      float* dst, float* flag) {
  CORTADO_LOOP(i, rows * rowSize) {
    int r = i / rowSize;
    float v = index[r];
    if (!cortadoIsRow(v, srcRows)) {
      dst[i] = 0.0f;
      cortadoFail(flag, kGatherIndex, r);
      continue;
    }
    dst[i] = scale * src[(size_t)v * (size_t)rowSize + (size_t)(i - r * rowSize)];
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
