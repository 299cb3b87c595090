// The GEMM register tiles (one copy per ISA namespace): micro<M_> computes an M_ x NR tile of
//   C = alpha A_panel B_panel + beta C      (beta 0 overwrites C without reading it)
// from a packed A panel (k-major, M_ floats per k) and a packed B panel (k-major, NR floats per
// k), storing only the first nr columns. alpha and beta arrive through memory (ab[0], ab[1]) so
// that they hold no register during the k loop. micro_for(mr) picks the tile for mr rows.
#pragma once
#include "gemm.h"

namespace cortado {
namespace CORTADO_ISA {
namespace {

#if defined(__AVX512F__) || defined(__AVX2__)
#define CORTADO_PREFETCH(p) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0)
#elif defined(__wasm_simd128__)
#define CORTADO_PREFETCH(p) ((void)(p))  // WebAssembly has no prefetch
#endif

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__wasm_simd128__)
// One MR_ x NR tile: for each k, two vectors of the B panel times MR_ broadcasts of the A panel.
template <int M_>
void micro(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
           const float* ab, int64_t nr) {
  V c0[M_], c1[M_];
#pragma GCC unroll 16
  for (int i = 0; i < M_; ++i) {
    c0[i] = zero();
    c1[i] = zero();
    CORTADO_PREFETCH(c + i * ldc);
    CORTADO_PREFETCH(c + i * ldc + NR - 1);
  }
  for (int64_t k = 0; k < kc; ++k) {
    V b0 = load(b), b1 = load(b + W);
    CORTADO_PREFETCH(a + 8 * M_);
#pragma GCC unroll 16
    for (int i = 0; i < M_; ++i) {
      V ai = set1(a[i]);
      c0[i] = fma(ai, b0, c0[i]);
      c1[i] = fma(ai, b1, c1[i]);
    }
    a += M_;
    b += NR;
  }
  // alpha and beta come through memory so that they hold no register during the k loop.
  const float beta = ab[1];
  V va = set1(ab[0]), vb = set1(beta);
  if (nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < M_; ++i) {
      float* row = c + i * ldc;
      V r0 = mul(va, c0[i]), r1 = mul(va, c1[i]);
      if (beta != 0.0f) {
        r0 = fma(vb, load(row), r0);
        r1 = fma(vb, load(row + W), r1);
      }
      store(row, r0);
      store(row + W, r1);
    }
  } else {
    int64_t n0 = imin(nr, W), n1 = nr - n0;
#pragma GCC unroll 16
    for (int i = 0; i < M_; ++i) {
      float* row = c + i * ldc;
      V r0 = mul(va, c0[i]), r1 = mul(va, c1[i]);
      if (beta != 0.0f) {
        r0 = fma(vb, loadp(row, n0), r0);
        if (n1 > 0) r1 = fma(vb, loadp(row + W, n1), r1);
      }
      storep(row, r0, n0);
      if (n1 > 0) storep(row + W, r1, n1);
    }
  }
}
#else
// Portable tile in GCC/Clang vector extensions (SSE2 on x86-64, NEON on arm64): 4 x 8 floats.
typedef float v4 __attribute__((vector_size(16)));
template <int M_>
void micro(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc,
           const float* ab, int64_t nr) {
  v4 c0[M_], c1[M_];
  for (int i = 0; i < M_; ++i) c0[i] = c1[i] = v4{0, 0, 0, 0};
  for (int64_t k = 0; k < kc; ++k) {
    v4 b0, b1;
    memcpy(&b0, b, sizeof b0);
    memcpy(&b1, b + 4, sizeof b1);
    for (int i = 0; i < M_; ++i) {
      c0[i] += a[i] * b0;
      c1[i] += a[i] * b1;
    }
    a += M_;
    b += NR;
  }
  const float alpha = ab[0], beta = ab[1];
  for (int i = 0; i < M_; ++i) {
    float t[8];
    memcpy(t, &c0[i], sizeof c0[i]);
    memcpy(t + 4, &c1[i], sizeof c1[i]);
    float* row = c + i * ldc;
    for (int64_t j = 0; j < nr; ++j) row[j] = alpha * t[j] + (beta != 0.0f ? beta * row[j] : 0.0f);
  }
}
#endif

typedef void (*MicroFn)(int64_t, const float*, const float*, float*, int64_t, const float*, int64_t);

MicroFn micro_for(int64_t mr) {
  switch (mr) {
#define CORTADO_MICRO_CASE(m) \
  case m:                     \
    return m <= MR ? micro<(m <= MR ? m : 1)> : nullptr;
    CORTADO_MICRO_CASE(1) CORTADO_MICRO_CASE(2) CORTADO_MICRO_CASE(3) CORTADO_MICRO_CASE(4)
    CORTADO_MICRO_CASE(5) CORTADO_MICRO_CASE(6) CORTADO_MICRO_CASE(7) CORTADO_MICRO_CASE(8)
    CORTADO_MICRO_CASE(9) CORTADO_MICRO_CASE(10) CORTADO_MICRO_CASE(11) CORTADO_MICRO_CASE(12)
    CORTADO_MICRO_CASE(13) CORTADO_MICRO_CASE(14)
#undef CORTADO_MICRO_CASE
    default:
      return nullptr;
  }
}

}  // namespace
}  // namespace CORTADO_ISA
}  // namespace cortado
