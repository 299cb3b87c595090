// SGEMM and SGEMV (row-major, all four transposes), see gemm.h for the blocking.
#include "gemm.h"

#include <stdlib.h>

#include "kernels.h"
#include "microkernel.h"
#include "threads.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

struct Buffer {
  float* p = nullptr;
  int64_t cap = 0;
  ~Buffer() { free(p); }
};
thread_local Buffer tl_scratch[kSlots];

// C = beta C for the degenerate products (K = 0 or alpha = 0).
void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* row = C + i * ldc;
    if (beta == 0.0f) memset(row, 0, size_t(N) * sizeof(float));
    else if (beta != 1.0f)
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
  }
}

}  // namespace

float* alloc_floats(int64_t floats) {
  float* p = static_cast<float*>(aligned_alloc(64, size_t(round_up(floats, 16)) * sizeof(float)));
  if (!p) abort();  // out of memory with no way to report it from inside a kernel
  return p;
}

float* scratch(ScratchSlot slot, int64_t floats) {
  Buffer& b = tl_scratch[slot];
  if (b.cap < floats) {
    free(b.p);
    int64_t cap = round_up(imax(floats, b.cap * 3 / 2), 16);
    b.p = alloc_floats(cap);
    b.cap = cap;
  }
  return b.p;
}

void pack_a(Mat A, int64_t mc, int64_t kc, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    int64_t mr = imin(MR, mc - i0);
    // A panel of up to 2W rows is two vector halves: rows [0, m0) and [W, mr).
    const int64_t m0 = imin(mr, W), m1 = mr - m0;
    if (A.rs == 1 && MR <= 2 * W) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A.at(i0, k);
        storep(dst + k * mr, loadp(src, m0), m0);
        if (m1 > 0) storep(dst + k * mr + W, loadp(src + W, m1), m1);
      }
    } else if (A.rs == 1) {
      for (int64_t k = 0; k < kc; ++k) memcpy(dst + k * mr, A.at(i0, k), size_t(mr) * sizeof(float));
    } else if (A.cs == 1 && MR <= 2 * W) {
      // Rows contiguous in k: transpose W x W tiles (rows past mr are zero and not stored).
      for (int64_t k = 0; k < kc; k += W) {
        int64_t kr = imin(W, kc - k);
        for (int64_t h = 0; h < mr; h += W) {
          const int64_t rows = imin(W, mr - h);
          if (rows == 1) {  // one row (wasm's fifth): a transpose would be three quarters zeros
            const float* src = A.at(i0 + h, k);
            for (int64_t q = 0; q < kr; ++q) dst[(k + q) * mr + h] = src[q];
            continue;
          }
          V t[W];
          for (int64_t q = 0; q < W; ++q)
            t[q] = q >= rows ? zero() : kr == W ? load(A.at(i0 + h + q, k)) : loadp(A.at(i0 + h + q, k), kr);
          transpose(t);
          // A fixed trip count keeps t in registers (a variable one leaves it in memory on wasm).
          for (int64_t q = 0; q < W; ++q)
            if (q < kr) storep(dst + (k + q) * mr + h, t[q], rows);
        }
      }
    } else {
      for (int64_t r = 0; r < mr; ++r) {
        const float* src = A.at(i0 + r, 0);
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + r] = src[k * A.cs];
      }
    }
    dst += mr * kc;
  }
}

void pack_b(Mat B, int64_t kc, int64_t nc, float* dst) {
  if (B.cs == 1) {
    // Row by row across all the panels: each row of B is read once, front to back. Panel by
    // panel, every k touched another row (a page apart for wide B) for two cache lines, and at
    // n = 4096 packing B took 2.8 times as long as packing A.
    const int64_t full = nc / NR, nr = nc - full * NR, stride = kc * NR;
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = B.at(k, 0);
      float* d = dst + k * NR;
      for (int64_t p = 0; p < full; ++p)
        for (int64_t j = 0; j < NR; j += W) store(d + p * stride + j, load(src + p * NR + j));
      if (nr > 0) {
        float* t = d + full * stride;
        for (int64_t j = 0; j < nr; ++j) t[j] = src[full * NR + j];
        for (int64_t j = nr; j < NR; ++j) t[j] = 0.0f;
      }
    }
    return;
  }
  // Columns contiguous in k (B stored transposed): transpose W x W tiles; columns past nr are zero.
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    int64_t nr = imin(NR, nc - j0);
    for (int64_t k = 0; k < kc; k += W) {
      int64_t kr = imin(W, kc - k);
      for (int64_t g = 0; g < NR; g += W) {
        V t[W];
        for (int64_t q = 0; q < W; ++q)
          t[q] = g + q >= nr ? zero() : kr == W ? load(B.at(k, j0 + g + q)) : loadp(B.at(k, j0 + g + q), kr);
        transpose(t);
        for (int64_t q = 0; q < W; ++q)
          if (q < kr) store(dst + (k + q) * NR + g, t[q]);
      }
    }
    dst += kc * NR;
  }
}

void macro_kernel(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
                  int64_t bstride, float beta, float* C, int64_t ldc) {
  MicroFn full = micro_for(MR);
  MicroFn tail = mc % MR ? micro_for(mc % MR) : full;
  const float ab[2] = {alpha, beta};
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    int64_t nr = imin(NR, nc - j0);
    const float* b = bp + (j0 / NR) * bstride;
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
      MicroFn f = i0 + MR <= mc ? full : tail;
      f(kc, ap + i0 * kc, b, C + i0 * ldc + j0, ldc, ab, nr);
    }
  }
}

namespace {

// macro_kernel with A panels outer and B panels inner: an A panel stays in L1 while the B block
// streams from L2, and C is swept along its rows, a few pages at a time. Walking down C's columns
// instead touches a page per row when rows are 4 KB or more apart, and with B blocks of 4096
// columns (2-4 MB) that did not fit in L2 it ran square products at 130-140 GFLOP/s on one
// AVX-512 thread, against 160 at n = 512.
void macro_kernel_rows(int64_t mc, int64_t nc, int64_t kc, float alpha, const float* ap, const float* bp,
                       int64_t bstride, float beta, float* C, int64_t ldc) {
  MicroFn full = micro_for(MR);
  MicroFn tail = mc % MR ? micro_for(mc % MR) : full;
  const float ab[2] = {alpha, beta};
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    MicroFn f = i0 + MR <= mc ? full : tail;
    for (int64_t j0 = 0; j0 < nc; j0 += NR)
      f(kc, ap + i0 * kc, bp + (j0 / NR) * bstride, C + i0 * ldc + j0, ldc, ab, imin(NR, nc - j0));
  }
}

// The k block and A's row block of gemm_serial and gemm_shared, which must agree: the k blocks
// decide the order of each sum, so the threaded product gives the one-thread product's bits.
// Equal k blocks of at most KG (800 is 2 x 400, not 512 + 288: C is read and written once per
// block, which a short last block does not pay for). A is packed once per k block, in equal row
// blocks of at most kPackAFloats in whole MR-row panels (at kc = 512 all of A up to 4092 rows on
// AVX2, 4088 on AVX-512: a 4096-row A is two blocks; letting it be one measured no faster on the
// Zen 3 VM, 0.98-0.99 times over 16 rounds of bench/sgemm-pair.sh), and each NC-column block of
// B once per row block. With B blocks small enough for L2, packing A once per B block
// instead (as for n x n products with n > NC) took 7% of the time at n = 2048.
struct Blocking {
  int64_t kb, ma;
};
Blocking blocking(int64_t M, int64_t K) {
  const int64_t kb = (K + (K + KG - 1) / KG - 1) / ((K + KG - 1) / KG);
  const int64_t most = imax(MR, kPackAFloats / kb / MR * MR), blocks = (M + most - 1) / most;
  return {kb, round_up((M + blocks - 1) / blocks, MR)};
}

// C = alpha A B + beta C on the pool with one packed copy of A: for each k block (and row block
// of A when A is taller than kPackAFloats / kc), the threads first pack A together into the
// calling thread's kShared buffer, then take column blocks of C one at a time, each packing its
// own block of B and sweeping it against all of packed A. Splitting C into a slab per thread
// instead made every thread pack all of A (at n = 2048, a twentieth of the product's time), and
// a thread that the host preempted left its slab for the other to wait on; with more blocks
// than threads, the pool hands the blocks that a slow thread has not reached to the others.
void gemm_shared(Mat A, Mat B, int64_t M, int64_t N, int64_t K, float alpha, float beta, float* C,
                 int64_t T) {
  const Blocking bl = blocking(M, K);
  const int64_t kb = bl.kb, ma = bl.ma;
  // Column blocks of whole NR panels, at most NC wide, at least two per thread and a multiple of
  // the thread count, all within one panel of the same width: with 11 blocks of 384 columns at
  // n = 4096, one thread idled for most of a block at the end of every k block.
  const int64_t panels_n = (N + NR - 1) / NR;
  const int64_t ncb = imin(panels_n, round_up(imax((N + NC - 1) / NC, 2 * T), T));
  float* ap = scratch(kShared, imin(M, ma) * kb);
  for (int64_t pc = 0; pc < K; pc += kb) {
    const int64_t kc = imin(kb, K - pc);
    const float beta_k = pc == 0 ? beta : 1.0f;
    for (int64_t ic = 0; ic < M; ic += ma) {
      const int64_t mc = imin(ma, M - ic);
      // Packing in parts of whole MR-row panels: part p's panels start at ap + its first row * kc.
      const int64_t parts = imin((mc + MR - 1) / MR, 4 * T);
      parallel_for(parts, [&](int64_t part, int) {
        int64_t r0, r1;
        split_range(mc, parts, part, MR, &r0, &r1);
        if (r1 > r0) pack_a(Mat{A.at(ic + r0, pc), A.rs, A.cs}, r1 - r0, kc, ap + r0 * kc);
      });
      parallel_for(ncb, [&](int64_t j, int) {
        int64_t jc, end;
        split_range(N, ncb, j, NR, &jc, &end);
        const int64_t nc = end - jc;
        float* bp = scratch(kPackB, kc * round_up(nc, NR));
        pack_b(Mat{B.at(pc, jc), B.rs, B.cs}, kc, nc, bp);
        macro_kernel_rows(mc, nc, kc, alpha, ap, bp, kc * NR, beta_k, C + ic * N + jc, N);
      });
    }
  }
}

}  // namespace

void gemm_serial(Mat A, Mat B, int64_t M, int64_t N, int64_t K, float alpha, float beta, float* C,
                 int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) return scale_c(M, N, beta, C, ldc);
  const Blocking bl = blocking(M, K);
  const int64_t kb = bl.kb, ma = bl.ma;
  float* bp = scratch(kPackB, kb * round_up(imin(N, NC), NR));
  float* ap = scratch(kPackA, imin(M, ma) * kb);
  for (int64_t pc = 0; pc < K; pc += kb) {
    int64_t kc = imin(kb, K - pc);
    float beta_k = pc == 0 ? beta : 1.0f;
    for (int64_t ic = 0; ic < M; ic += ma) {
      int64_t mc = imin(ma, M - ic);
      pack_a(Mat{A.at(ic, pc), A.rs, A.cs}, mc, kc, ap);
      for (int64_t jc = 0; jc < N; jc += NC) {
        int64_t nc = imin(NC, N - jc);
        pack_b(Mat{B.at(pc, jc), B.rs, B.cs}, kc, nc, bp);
        macro_kernel_rows(mc, nc, kc, alpha, ap, bp, kc * NR, beta_k, C + ic * ldc + jc, ldc);
      }
    }
  }
}

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          const float* B, float beta, float* C) {
  if (M <= 0 || N <= 0) return;
  // A product with one row or one column of C is a matrix-vector product: packing the other
  // operand for the register tiles would cost more than the product (an InnerProduct at batch 1).
  // A row or column of one operand is contiguous whatever its transpose flag.
  if (K > 0 && alpha != 0.0f && M == 1) return transB ? gemv(false, N, K, alpha, B, A, beta, C) : gemv(true, K, N, alpha, B, A, beta, C);
  if (K > 0 && alpha != 0.0f && N == 1) return transA ? gemv(true, K, M, alpha, A, B, beta, C) : gemv(false, M, K, alpha, A, B, beta, C);
  Mat a = transA ? Mat{A, 1, M} : Mat{A, K, 1};
  Mat b = transB ? Mat{B, 1, K} : Mat{B, N, 1};
  int64_t T = num_threads();
  if (T == 1 || double(M) * double(N) * double(K) < kThreadedGemm) return gemm_serial(a, b, M, N, K, alpha, beta, C, N);
  bool by_cols = (N + NR - 1) / NR >= T;
  if (by_cols && K > 0 && alpha != 0.0f && M * K >= kSharedPackA && N >= 2 * T * NR)
    return gemm_shared(a, b, M, N, K, alpha, beta, C, T);
  // Each thread takes a slab of C's columns (or rows when C is too narrow) and packs its own
  // blocks: no synchronization inside the product, at the price of packing A (or B) T times.
  parallel_for(T, [&](int64_t part, int) {
    int64_t lo, hi;
    if (by_cols) {
      split_range(N, T, part, NR, &lo, &hi);
      if (hi > lo) gemm_serial(a, Mat{b.at(0, lo), b.rs, b.cs}, M, hi - lo, K, alpha, beta, C + lo, N);
    } else {
      split_range(M, T, part, MR, &lo, &hi);
      if (hi > lo) gemm_serial(Mat{a.at(lo, 0), a.rs, a.cs}, b, hi - lo, N, K, alpha, beta, C + lo * N, N);
    }
  });
}

void gemm_batched(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, const float* B, float beta, float* C) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const int64_t sa = M * K, sb = K * N, sc = M * N;
  const double work = double(M) * double(N) * double(K);
  // A product big enough for gemm to split is split so, one after another. Smaller ones (the
  // heads of attention: 17 x 17 x 16) are dealt out whole, a run of products per thread. Either
  // way each product is computed exactly as gemm alone computes it.
  const int64_t parts = work >= kThreadedGemm || work * double(batch) < kThreadedGemm ? 1 : imin(num_threads(), batch);
  if (parts == 1) {
    for (int64_t i = 0; i < batch; ++i) gemm(transA, transB, M, N, K, alpha, A + i * sa, B + i * sb, beta, C + i * sc);
    return;
  }
  parallel_for(parts, [&](int64_t part, int) {
    int64_t lo, hi;
    split_range(batch, parts, part, 1, &lo, &hi);
    for (int64_t i = lo; i < hi; ++i) gemm(transA, transB, M, N, K, alpha, A + i * sa, B + i * sb, beta, C + i * sc);
  });
}

void gemv(bool transA, int64_t M, int64_t N, float alpha, const float* A, const float* x,
          float beta, float* y) {
  int64_t rows = transA ? N : M;
  int64_t T = double(M) * double(N) < 1e5 ? 1 : num_threads();
  if (!transA) {
    // y[i] = alpha A[i, :] . x + beta y[i]
    parallel_for(T, [&](int64_t part, int) {
      int64_t lo, hi;
      split_range(rows, T, part, 1, &lo, &hi);
      int64_t i = lo;
      // Four rows at a time share each load of x and keep four independent FMA chains in flight;
      // every row's sum runs in the same order as the one-row loop below.
      for (; i + 4 <= hi; i += 4) {
        const float *r0 = A + i * N, *r1 = r0 + N, *r2 = r1 + N, *r3 = r2 + N;
        V a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
        int64_t j = 0;
        for (; j + W <= N; j += W) {
          const V xv = load(x + j);
          a0 = fma(load(r0 + j), xv, a0);
          a1 = fma(load(r1 + j), xv, a1);
          a2 = fma(load(r2 + j), xv, a2);
          a3 = fma(load(r3 + j), xv, a3);
        }
        if (j < N) {
          const int64_t n = N - j;
          const V xv = loadp(x + j, n);
          a0 = fma(loadp(r0 + j, n), xv, a0);
          a1 = fma(loadp(r1 + j, n), xv, a1);
          a2 = fma(loadp(r2 + j, n), xv, a2);
          a3 = fma(loadp(r3 + j, n), xv, a3);
        }
        const float s[4] = {alpha * hsum(a0), alpha * hsum(a1), alpha * hsum(a2), alpha * hsum(a3)};
        for (int64_t q = 0; q < 4; ++q) y[i + q] = beta == 0.0f ? s[q] : s[q] + beta * y[i + q];
      }
      for (; i < hi; ++i) {
        const float* r = A + i * N;
        V acc = zero();
        int64_t j = 0;
        for (; j + W <= N; j += W) acc = fma(load(r + j), load(x + j), acc);
        if (j < N) acc = fma(loadp(r + j, N - j), loadp(x + j, N - j), acc);
        float s = alpha * hsum(acc);
        y[i] = beta == 0.0f ? s : s + beta * y[i];
      }
    });
  } else {
    // y[j] = alpha sum_i A[i, j] x[i] + beta y[j], a column slab of y per thread.
    parallel_for(T, [&](int64_t part, int) {
      int64_t lo, hi;
      split_range(rows, T, part, W, &lo, &hi);
      for (int64_t j = lo; j < hi; ++j) y[j] = beta == 0.0f ? 0.0f : beta * y[j];
      for (int64_t i = 0; i < M; ++i) {
        const float* r = A + i * N;
        V s = set1(alpha * x[i]);
        int64_t j = lo;
        for (; j + W <= hi; j += W) store(y + j, fma(s, load(r + j), load(y + j)));
        if (j < hi) storep(y + j, fma(s, loadp(r + j, hi - j), loadp(y + j, hi - j)), hi - j);
      }
    });
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
