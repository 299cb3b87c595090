// Clamp and the masked select that goes with it (backend.ts clamp / where):
//   clamp  y = x < lo ? lo : x > hi ? hi : x
//   where  y = lo <= x <= hi ? a : b
// A NaN x gives NaN in both (no compare is true for it).
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

void clamp(int64_t n, float lo, float hi, const float* x, float* y) {
  V l = set1(lo), h = set1(hi);
  map1(n, x, y, [l, h](V v) { return select_lt(v, l, l, select_gt(v, h, h, v)); });
}

void where(int64_t n, float lo, float hi, const float* x, const float* a, const float* b, float* y) {
  V l = set1(lo), h = set1(hi);
  map3(n, x, a, b, y, [l, h](V v, V av, V bv) {
    return select_lt(v, l, bv, select_gt(v, h, bv, select_eq(v, v, av, v)));
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
