// Activations and their derivatives from the output y (backend.ts NeuronOp).
//   relu  y = x < 0 ? 0 : x          dx = y > 0 ? dy : 0      (NaN stays NaN)
//   lrelu y = x < 0 ? alpha x : x    dx = y > 0 ? dy : alpha dy
//   sigmoid y = 1 / (1 + e^-x)       dx = dy y (1 - y)
//   tanh                             dx = dy (1 - y^2)
//   exp   y = e^x                    dx = dy y
// and two from x (NEURON_FROM_X in backend.ts), which neuron_backward reads in y's place:
//   erf   y = erf(x)                 dx = dy 2/sqrt(pi) e^(-x^2)
//   gelu  y = x Phi(x)               dx = dy (Phi(x) + x phi(x))
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

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
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
