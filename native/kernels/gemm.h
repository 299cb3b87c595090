// SGEMM building blocks shared by gemm.cc and conv.cc (one copy per ISA namespace).
//
// C = alpha op(A) op(B) + beta C is computed the usual cache-blocked way: B is packed KC rows by
// NR-column panels (zero padded to NR), A in KC-deep blocks of MR-row panels (the last panel holds
// only the remaining rows), and a register-blocked micro-kernel multiplies one A panel by one B
// panel into an MR x NR tile of C. gemm_serial keeps an A panel in L1 and sweeps it along a
// KC x NC block of B held in L2, so C is walked along its rows; macro_kernel (the convolutions')
// keeps a B panel in L1 and sweeps the A panels of a few output channels down its columns.
#pragma once
#include "simd.h"

namespace cortado {
namespace CORTADO_ISA {

#if defined(__AVX512F__)
constexpr int64_t MR = 14, NR = 32;  // 28 zmm accumulators + 2 for B
#elif defined(__AVX2__)
constexpr int64_t MR = 6, NR = 16;  // 12 ymm accumulators + 2 for B
#elif defined(__wasm_simd128__)
constexpr int64_t MR = 5, NR = 8;  // 10 accumulators + 2 for B + 2 temporaries: V8 has 15 xmm registers; 6x8 spills
#else
constexpr int64_t MR = 4, NR = 8;
#endif
constexpr int64_t KC = 256;  // macro_kernel (convolutions): a KC x NR panel of B stays in L1
// gemm_serial: an MR x KG panel of A stays in L1 (28 KB for AVX-512's 14 rows) and a KG x NC
// block of B (768 KB) in L2; A is packed in row blocks of at most kPackAFloats (8 MB).
constexpr int64_t KG = 512, NC = 384;
constexpr int64_t kPackAFloats = 1 << 21;
// gemm's threads share one packed A (gemm_shared in gemm.cc) when A has at least this many
// floats. Below it (LeNet's largest A, ip1's, has 32,000) each thread packs its own small A and a
// product stays one fork-join instead of two per k block; the cut-off itself was not tuned.
constexpr int64_t kSharedPackA = 1 << 18;
// gemm splits a product across threads from this many multiply-adds (M N K) on.
constexpr double kThreadedGemm = 5e5;

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// A strided matrix: element (i, j) at p[i * rs + j * cs]. Transposes are just swapped strides.
struct Mat {
  const float* p;
  int64_t rs, cs;
  const float* at(int64_t i, int64_t j) const { return p + i * rs + j * cs; }
};

// Scratch memory of the calling thread, 64-byte aligned, grown on demand and kept for reuse.
// Slots let one kernel hold several buffers at once; kShared is for buffers that the calling
// thread hands to the whole pool during one call (the tasks themselves use the other slots).
enum ScratchSlot { kPackA, kPackB, kCol, kGather, kShared, kPlan, kTile, kSlots };
float* scratch(ScratchSlot slot, int64_t floats);
// `floats` (rounded up to whole cache lines) on a 64-byte boundary, for free(); aborts when memory
// runs out, which a kernel has no way to report.
float* alloc_floats(int64_t floats);

// Packs rows [0, mc) x cols [0, kc) of A into MR-row panels: panel p is kc x mr floats, k-major.
void pack_a(Mat A, int64_t mc, int64_t kc, float* dst);
// Packs rows [0, kc) x cols [0, nc) of B into NR-column panels of kc x NR floats, zero padded.
void pack_b(Mat B, int64_t kc, int64_t nc, float* dst);

// C[mc x nc] = alpha Ap Bp + beta C (beta 0 overwrites C without reading it). Ap is pack_a's
// output for kc; the B panel j starts at bp + j * bstride (kc * NR for pack_b's output). B panels
// outer, A panels inner.
void macro_kernel(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
                  int64_t bstride, float beta, float* C, int64_t ldc);

// C = alpha A B + beta C on the calling thread only, A M x K, B K x N, C with row stride ldc.
void gemm_serial(Mat A, Mat B, int64_t M, int64_t N, int64_t K, float alpha, float beta, float* C,
                 int64_t ldc);

}  // namespace CORTADO_ISA
}  // namespace cortado
