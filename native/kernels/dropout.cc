// Inverted dropout, forward and backward alike (backend.ts dropoutForward / dropoutBackward):
//   y = rand >= ratio ? x scale : 0
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

void dropout_forward(int64_t n, const float* x, const float* rand, float ratio, float scale, float* y) {
  V r = set1(ratio), s = set1(scale);
  map2(n, x, rand, y, [r, s](V xv, V u) { return select_ge(u, r, mul(xv, s), zero()); });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
