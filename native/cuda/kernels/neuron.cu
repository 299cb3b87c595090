// Activations, forward from x and backward from the output y (so they run in place), except erf,
// gelu and geluTanh, whose backward reads x in y's place. op: a NeuronOp (common.cuh); lrelu's negative
// slope is alpha.
#include "common.cuh"

/** y = f(x) */
extern "C" __global__ void neuron_fwd_f32(int n, int op, const float* x, float* y, float alpha) {
  CORTADO_LOOP(i, n) {
    float v = x[i];
    switch (op) {
      case kRelu: v = v < 0.0f ? 0.0f : v; break;  // NaN stays NaN
      case kLrelu: v = v < 0.0f ? alpha * v : v; break;
      case kSigmoid: v = 1.0f / (1.0f + expf(-v)); break;
      case kTanh: v = tanhf(v); break;
      case kExpNeuron: v = expf(v); break;
      case kErf: v = erff(v); break;
      case kGelu: v = v * 0.5f * erfcf(-0.70710678f * v); break;
      case kGeluTanh: v = v / (1.0f + expf(-1.59576912f * (v + 0.044715f * v * v * v))); break;  // x sigmoid(2u)
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
      case kRelu: g = v > 0.0f ? g : 0.0f; break;
      case kLrelu: g = v > 0.0f ? g : alpha * g; break;
      case kSigmoid: g = g * v * (1.0f - v); break;
      case kTanh: g = g * (1.0f - v * v); break;
      case kExpNeuron: g = g * v; break;
      case kErf: g = g * 1.12837917f * expf(-v * v); break;  // v is x
      case kGelu: g = g * (0.5f * erfcf(-0.70710678f * v) + v * 0.39894228f * expf(-0.5f * v * v)); break;  // v is x
      case kGeluTanh: {  // v is x
        float s = 1.0f / (1.0f + expf(-1.59576912f * (v + 0.044715f * v * v * v)));
        g = g * (s + v * s * (1.0f - s) * 1.59576912f * (1.0f + 3.0f * 0.044715f * v * v));
        break;
      }
      default: break;
    }
    dx[i] = g;
  }
}
