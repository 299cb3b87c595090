// BLAS level-1 and elementwise kernels: y may alias an input (each element is read before it is
// written by the same thread).
#include "common.cuh"

/** y[i] = alpha */
extern "C" __global__ void set_f32(int n, float alpha, float* y) {
  CORTADO_LOOP(i, n) y[i] = alpha;
}

/** x[i] *= alpha */
extern "C" __global__ void scal_f32(int n, float alpha, float* x) {
  CORTADO_LOOP(i, n) x[i] *= alpha;
}

/** y[i] = alpha x[i] + beta y[i]; beta = 0 overwrites y even where it holds NaN. */
extern "C" __global__ void axpby_f32(int n, float alpha, const float* x, float beta, float* y) {
  if (beta == 0.0f) {
    CORTADO_LOOP(i, n) y[i] = alpha * x[i];
  } else {
    CORTADO_LOOP(i, n) y[i] = alpha * x[i] + beta * y[i];
  }
}

/** y[i] += alpha x[i] */
extern "C" __global__ void axpy_f32(int n, float alpha, const float* x, float* y) {
  CORTADO_LOOP(i, n) y[i] += alpha * x[i];
}

extern "C" __global__ void add_f32(int n, const float* a, const float* b, float* y) {
  CORTADO_LOOP(i, n) y[i] = a[i] + b[i];
}

extern "C" __global__ void sub_f32(int n, const float* a, const float* b, float* y) {
  CORTADO_LOOP(i, n) y[i] = a[i] - b[i];
}

extern "C" __global__ void mul_f32(int n, const float* a, const float* b, float* y) {
  CORTADO_LOOP(i, n) y[i] = a[i] * b[i];
}

extern "C" __global__ void div_f32(int n, const float* a, const float* b, float* y) {
  CORTADO_LOOP(i, n) y[i] = a[i] / b[i];
}

/** y = a ^ p */
extern "C" __global__ void powx_f32(int n, const float* a, float p, float* y) {
  CORTADO_LOOP(i, n) y[i] = powf(a[i], p);
}

extern "C" __global__ void exp_f32(int n, const float* a, float* y) {
  CORTADO_LOOP(i, n) y[i] = expf(a[i]);
}

extern "C" __global__ void log_f32(int n, const float* a, float* y) {
  CORTADO_LOOP(i, n) y[i] = logf(a[i]);
}

extern "C" __global__ void abs_f32(int n, const float* a, float* y) {
  CORTADO_LOOP(i, n) y[i] = fabsf(a[i]);
}

/** y = sign(a) in {-1, 0, 1} (0 for NaN). */
extern "C" __global__ void sign_f32(int n, const float* a, float* y) {
  CORTADO_LOOP(i, n) {
    float v = a[i];
    y[i] = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
  }
}

/** y[i] += alpha */
extern "C" __global__ void add_scalar_f32(int n, float alpha, float* y) {
  CORTADO_LOOP(i, n) y[i] += alpha;
}

/** y = x < lo ? lo : x > hi ? hi : x (NaN stays NaN). */
extern "C" __global__ void clamp_f32(int n, float lo, float hi, const float* x, float* y) {
  CORTADO_LOOP(i, n) {
    float v = x[i];
    y[i] = v < lo ? lo : (v > hi ? hi : v);
  }
}

/** y = lo <= x <= hi ? a : b, NaN where x is NaN. */
extern "C" __global__ void where_f32(int n, float lo, float hi, const float* x, const float* a, const float* b, float* y) {
  CORTADO_LOOP(i, n) {
    float v = x[i];
    y[i] = v >= lo && v <= hi ? a[i] : (v < lo || v > hi ? b[i] : v);
  }
}
