// Activations, forward from x and backward from the output y (so they run in place).
// op: 0 identity, 1 relu, 2 lrelu (negative slope alpha), 3 sigmoid, 4 tanh, 5 exp.
#include "common.cuh"

/** y = f(x) */
extern "C" __global__ void neuron_fwd_f32(int n, int op, const float* x, float* y, float alpha) {
  CORTADO_LOOP(i, n) {
    float v = x[i];
    switch (op) {
      case 1: v = v < 0.0f ? 0.0f : v; break;  // NaN stays NaN
      case 2: v = v < 0.0f ? alpha * v : v; break;
      case 3: v = 1.0f / (1.0f + expf(-v)); break;
      case 4: v = tanhf(v); break;
      case 5: v = expf(v); break;
      default: break;
    }
    y[i] = v;
  }
}

/** dx = f'(x) dy, with f' written in terms of y = f(x); dx may alias dy. */
extern "C" __global__ void neuron_bwd_f32(int n, int op, const float* y, const float* dy, float* dx, float alpha) {
  CORTADO_LOOP(i, n) {
    float v = y[i], g = dy[i];
    switch (op) {
      case 1: g = v > 0.0f ? g : 0.0f; break;
      case 2: g = v > 0.0f ? g : alpha * g; break;
      case 3: g = g * v * (1.0f - v); break;
      case 4: g = g * (1.0f - v * v); break;
      case 5: g = g * v; break;
      default: break;
    }
    dx[i] = g;
  }
}
