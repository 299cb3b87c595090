// Activations and their derivatives from the output y (backend.ts NeuronOp).
//   relu  y = x < 0 ? 0 : x          dx = y > 0 ? dy : 0      (NaN stays NaN)
//   lrelu y = x < 0 ? alpha x : x    dx = y > 0 ? dy : alpha dy
//   sigmoid y = 1 / (1 + e^-x)       dx = dy y (1 - y)
//   tanh                             dx = dy (1 - y^2)
//   exp   y = e^x                    dx = dy y
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
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
