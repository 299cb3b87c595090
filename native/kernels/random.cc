// Uniform random numbers from the counter-based generator of src/backend/js/random.ts (backend.ts
// randomUniform): y[i] = (bits(key, i) >> 8) 2^-24, the same bits as every other backend.
//   mix(x)       = x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
//   bits(key, i) = mix(mix(i + key) ^ mix(key ^ 0x9e3779b9))      (32-bit unsigned, wrapping)
// Positions are independent, so the loop vectorizes (32-bit multiplies) and splits across the pool.
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

}  // namespace

void random_uniform(int64_t n, int64_t key, float* y) {
  const uint32_t k = uint32_t(key), salt = mix32(k ^ 0x9e3779b9u);
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = float(mix32(mix32(uint32_t(i) + k) ^ salt) >> 8) * 0x1p-24f;
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
