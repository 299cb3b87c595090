// Activations and their derivatives from the output y (backend.ts NeuronOp).
//   relu  y = x < 0 ? 0 : x          dx = y > 0 ? dy : 0      (NaN stays NaN)
//   lrelu y = x < 0 ? alpha x : x    dx = y > 0 ? dy : alpha dy
//   sigmoid y = 1 / (1 + e^-x)       dx = dy y (1 - y)
//   tanh                             dx = dy (1 - y^2)
//   exp   y = e^x                    dx = dy y
// and two from x (NEURON_FROM_X in backend.ts), which neuron_backward reads in y's place:
//   erf   y = erf(x)                 dx = dy 2/sqrt(pi) e^(-x^2)
//   gelu  y = x Phi(x)               dx = dy (Phi(x) + x phi(x))
//   geluTanh  y = x s, s = (1 + tanh(c (x + k x^3))) / 2 = sigmoid(2 c (x + k x^3))
//             dx = dy (s + 2 x s (1 - s) c (1 + 3 k x^2)),  c = sqrt(2/pi), k = 0.044715
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

// (1 + tanh(u)) / 2 = sigmoid(2u), u = c (x + k x^3), c = sqrt(2/pi), k = 0.044715: GELU's tanh
// approximation is x times it (no cancellation in 1 + tanh where tanh nears -1).
static inline V gelu_tanh_s(V x) {
  V x2 = mul(x, x);
  return sigmoid(mul(set1(2.0f * 0.79788456f), fma(mul(set1(0.044715f), x2), x, x)));
}

void neuron_forward(NeuronOp op, int64_t n, const float* x, float* y, float alpha) {
  V a = set1(alpha);
  switch (op) {
    case kIdentity: return copy(n, x, y);
    case kRelu: return map1(n, x, y, [](V v) { return max(zero(), v); });
    case kLrelu: return map1(n, x, y, [a](V v) { return select_lt(v, zero(), mul(a, v), v); });
    case kSigmoid: return map1(n, x, y, [](V v) { return sigmoid(v); });
    case kTanh: return map1(n, x, y, [](V v) { return tanh(v); });
    case kExpNeuron: return map1(n, x, y, [](V v) { return exp(v); });
    case kErf: return map1(n, x, y, [](V v) { return erf(v); });
    case kGelu: return map1(n, x, y, [](V v) { return mul(v, normal_cdf(v)); });
    case kGeluTanh: return map1(n, x, y, [](V v) { return mul(v, gelu_tanh_s(v)); });
  }
}

void neuron_backward(NeuronOp op, int64_t n, const float* y, const float* dy, float* dx, float alpha) {
  V a = set1(alpha), one = set1(1.0f);
  switch (op) {
    case kIdentity: return copy(n, dy, dx);
    case kRelu: return map2(n, y, dy, dx, [](V yv, V d) { return select_gt(yv, zero(), d, zero()); });
    case kLrelu: return map2(n, y, dy, dx, [a](V yv, V d) { return select_gt(yv, zero(), d, mul(a, d)); });
    case kSigmoid: return map2(n, y, dy, dx, [one](V yv, V d) { return mul(d, mul(yv, sub(one, yv))); });
    case kTanh: return map2(n, y, dy, dx, [one](V yv, V d) { return mul(d, sub(one, mul(yv, yv))); });
    case kExpNeuron: return map2(n, y, dy, dx, [](V yv, V d) { return mul(d, yv); });
    case kErf:  // y holds x
      return map2(n, y, dy, dx, [](V xv, V d) { return mul(d, mul(set1(1.12837917f), exp(sub(zero(), mul(xv, xv))))); });
    case kGelu:  // y holds x
      return map2(n, y, dy, dx, [](V xv, V d) {
        V pdf = mul(set1(0.39894228f), exp(mul(set1(-0.5f), mul(xv, xv))));
        return mul(d, fma(xv, pdf, normal_cdf(xv)));
      });
    case kGeluTanh:  // y holds x
      return map2(n, y, dy, dx, [](V xv, V d) {
        const V one = set1(1.0f);
        V s = gelu_tanh_s(xv);
        V slope = mul(set1(2.0f * 0.79788456f), fma(set1(3.0f * 0.044715f), mul(xv, xv), one));
        return mul(d, fma(mul(xv, mul(s, sub(one, s))), slope, s));
      });
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
