// One fused SGD step (backend.ts sgdUpdate):
//   g = diff + decay reg(w), reg(w) = w (L2) or sign(w) (L1);  hist = momentum hist + lr g;  w -= hist
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

void sgd_update(int64_t n, float* w, const float* diff, float* hist, float lr, float momentum,
                float decay, bool l1) {
  V vlr = set1(lr), vm = set1(momentum), vd = set1(decay), one = set1(1.0f), mone = set1(-1.0f);
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    auto step = [&](int64_t i, int64_t r) {
      V wv = r == W ? load(w + i) : loadp(w + i, r);
      V dv = r == W ? load(diff + i) : loadp(diff + i, r);
      V hv = r == W ? load(hist + i) : loadp(hist + i, r);
      V reg = l1 ? select_gt(wv, zero(), one, select_lt(wv, zero(), mone, zero())) : wv;
      V g = fma(vd, reg, dv);
      hv = fma(vm, hv, mul(vlr, g));
      wv = sub(wv, hv);
      if (r == W) {
        store(hist + i, hv);
        store(w + i, wv);
      } else {
        storep(hist + i, hv, r);
        storep(w + i, wv, r);
      }
    };
    int64_t i = lo;
    for (; i + W <= hi; i += W) step(i, W);
    if (i < hi) step(i, hi - i);
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
