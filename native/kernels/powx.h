// a^p on a vector, for powx and the LRN kernels.
#pragma once
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

// Powers that square roots and products give to within 3 ulp take the vector path: the fractional
// ones (LRN's -0.75, the solvers' 0.5) only where every lane is positive, since powf's answers
// for -0, -inf and negative numbers differ from the square root's.
struct Powx {
  float p;
  V operator()(V a) const {
    if (p == 2.0f) return mul(a, a);
    if (p == 1.0f) return a;
    if (p == 3.0f) return mul(mul(a, a), a);
    if (p == -1.0f) return div(set1(1.0f), a);
    const bool root = p == 0.5f || p == -0.5f || p == 0.25f || p == -0.25f || p == 0.75f || p == -0.75f;
    if (root && hmax(select_gt(a, zero(), zero(), set1(1.0f))) == 0.0f) {
      const V s = sqrt(a), q = sqrt(s);
      const V r = p == 0.5f || p == -0.5f ? s : p == 0.25f || p == -0.25f ? q : mul(s, q);
      return p > 0.0f ? r : div(set1(1.0f), r);
    }
    float q = p;
    return lanewise(a, [q](float v) { return powf(v, q); });
  }
};

}  // namespace CORTADO_ISA
}  // namespace cortado
