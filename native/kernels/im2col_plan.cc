// The compiled im2col for strideW 1 (see im2col.h): ops are cut at output rows, W lanes and
// panel edges when the plan is built, so replaying it is one masked load and one masked store
// per op, with no index arithmetic.
#include "gemm.h"
#include "im2col.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// Emits (or counts, when out is null) the copies of kernel offset (i, j) for columns
// [j0, j0 + ncols): runs are cut at output rows, at W lanes and at panel edges.
int64_t emit_ops(const ConvGeom& g, int64_t i, int64_t j, int64_t j0, int64_t ncols, bool panels, int64_t rows,
                 CopyOp* out) {
  int64_t n = 0;
  for (int64_t jj = 0; jj < ncols;) {
    const int64_t col = j0 + jj, oh = col / g.outW, ow = col % g.outW;
    int64_t len = imin(imin(W, g.outW - ow), ncols - jj);
    if (panels) len = imin(len, NR - jj % NR);
    if (out) {
      const int64_t ih = oh * g.strideH - g.padH + i * g.dilationH, iw = ow - g.padW + j * g.dilationW;
      CopyOp& op = out[n];
      op.dst = int32_t(panels ? jj / NR * rows * NR + jj % NR : jj);
      op.len = int8_t(len);
      op.unused = 0;
      if (ih < 0 || ih >= g.height) {
        op.src = 0;
        op.lo = op.hi = 0;
      } else {
        op.src = int32_t(ih * g.width + iw);
        op.lo = int8_t(imin(imax(-iw, 0), len));
        op.hi = int8_t(imax(imin(g.width - iw, len), op.lo));
      }
      op.load_mask = uint16_t(((1u << op.hi) - 1) & ~((1u << op.lo) - 1));
      op.store_mask = uint16_t((1u << len) - 1);
    }
    ++n;
    jj += len;
  }
  return n;
}

}  // namespace

int64_t im2col_plan_floats(const ConvGeom& g, int64_t j0, int64_t ncols) {
  const int64_t offsets = int64_t(g.kernelH) * g.kernelW;
  const int64_t per = emit_ops(g, 0, 0, j0, ncols, true, 1, nullptr);
  return offsets + 1 + offsets * per * int64_t(sizeof(CopyOp) / sizeof(float)) + 4;
}

Im2colPlan im2col_plan(const ConvGeom& g, int64_t j0, int64_t ncols, bool panels, int64_t rows, float* mem) {
  const int64_t offsets = int64_t(g.kernelH) * g.kernelW;
  int32_t* first = reinterpret_cast<int32_t*>(mem);
  CopyOp* ops = reinterpret_cast<CopyOp*>(mem + round_up(offsets + 1, 4));
  int64_t n = 0;
  for (int64_t t = 0; t < offsets; ++t) {
    first[t] = int32_t(n);
    n += emit_ops(g, t / g.kernelW, t % g.kernelW, j0, ncols, panels, rows, ops + n);
  }
  first[offsets] = int32_t(n);
  bool full = true, wide = true, half = W == 16;
  for (int64_t o = 0; o < n; ++o) {
    full = full && ops[o].lo == 0 && ops[o].hi == W && ops[o].len == W;
    wide = wide && ops[o].len == W;
    half = half && ops[o].len == 8;
  }
  return Im2colPlan{first, ops, full, panels ? 0 : wide ? int(W) : half ? 8 : 0};
}

namespace {

// Lanes [op.lo, op.hi) of src (the others 0): an op's load, in im2col_run and its transposed replay.
inline V load_op(const float* src, const CopyOp& op) {
#if defined(__AVX512F__)
  return _mm512_maskz_loadu_ps(op.load_mask, src);
#else
  return loadm(src, op.lo, op.hi);
#endif
}

}  // namespace

void im2col_run(const ConvGeom& g, const Im2colPlan& plan, const float* x, int64_t channels, float* dst,
                int64_t kstride) {
  const int64_t offsets = int64_t(g.kernelH) * g.kernelW, plane = int64_t(g.height) * g.width;
  const int32_t* __restrict first = plan.first;
  const CopyOp* __restrict ops = plan.ops;
#if !defined(__AVX512F__)
  // A full plan needs no masks: one plain load and store per op (AVX-512's masked pair is as fast).
  if (plan.full) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* xc = x + c * plane;
      for (int64_t t = 0; t < offsets; ++t) {
        float* d = dst + (c * offsets + t) * kstride;
        for (const CopyOp *op = ops + first[t], *end = ops + first[t + 1]; op < end; ++op) store(d + op->dst, load(xc + op->src));
      }
    }
    return;
  }
#endif
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * plane;
    for (int64_t t = 0; t < offsets; ++t) {
      float* d = dst + (c * offsets + t) * kstride;
      for (const CopyOp *op = ops + first[t], *end = ops + first[t + 1]; op < end; ++op) {
#if defined(__AVX512F__)
        _mm512_mask_storeu_ps(d + op->dst, op->store_mask, load_op(xc + op->src, *op));
#else
        storep(d + op->dst, load_op(xc + op->src, *op), op->len);
#endif
      }
    }
  }
}

namespace {

#if defined(__AVX512F__)
// The 8-lane vectors of a plan whose copies are 8 lanes: ymm registers.
struct Ymm {
  static constexpr int W = 8;
  typedef __m256 V;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load(const float* p, const CopyOp& op) { return _mm256_maskz_loadu_ps(__mmask8(op.load_mask), p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V zero() { return _mm256_setzero_ps(); }
  static void transpose(V r[8]) { transpose8(r); }
};
#endif

// The build's own vectors.
struct Native {
  static constexpr int W = CORTADO_ISA::W;
  typedef CORTADO_ISA::V V;
  static V load(const float* p) { return CORTADO_ISA::load(p); }
  static V load(const float* p, const CopyOp& op) { return load_op(p, op); }
  static void store(float* p, V v) { CORTADO_ISA::store(p, v); }
  static V zero() { return CORTADO_ISA::zero(); }
  static void transpose(V r[W]) { CORTADO_ISA::transpose(r); }
};

// im2col_run_transposed with the plan's ops VW lanes wide, in tiles of VW x VW.
template <class Vec>
void run_transposed(const ConvGeom& g, const Im2colPlan& plan, const float* x, int64_t channels, float* dst,
                    int64_t rows, int64_t l0) {
  constexpr int VW = Vec::W;
  typedef typename Vec::V VV;
  const int64_t offsets = int64_t(g.kernelH) * g.kernelW, plane = int64_t(g.height) * g.width;
  const int64_t K = channels * offsets, Kp = round_up(K, NR), per = plan.first[1] - plan.first[0];
  for (int64_t k0 = 0; k0 < Kp; k0 += VW) {
    float* d = dst + k0 / NR * rows * NR + k0 % NR + l0 * NR;
    // Row k of the tile reads channel k / offsets through offset k % offsets's ops (rows past K
    // repeat the last and are zeroed after the loads).
    const float* b[VW];
    const CopyOp* ops[VW];
    for (int64_t q = 0; q < VW; ++q) {
      const int64_t k = imin(k0 + q, K - 1);
      b[q] = x + k / offsets * plane;
      ops[q] = plan.ops + plan.first[k % offsets];
    }
    const bool tail = k0 + VW > K;
    for (int64_t o = 0; o < per; ++o) {
      VV t[VW];
      // A full plan reads no padding: plain loads.
      if (plan.full)
        for (int64_t q = 0; q < VW; ++q) t[q] = Vec::load(b[q] + ops[q][o].src);
      else
        for (int64_t q = 0; q < VW; ++q) t[q] = Vec::load(b[q] + ops[q][o].src, ops[q][o]);
      if (tail)
        for (int64_t q = 0; q < VW; ++q)
          if (k0 + q >= K) t[q] = Vec::zero();
      Vec::transpose(t);
      float* row = d + int64_t(ops[0][o].dst) * NR;
      for (int64_t q = 0; q < VW; ++q) Vec::store(row + q * NR, t[q]);
    }
  }
}

}  // namespace

void im2col_run_transposed(const ConvGeom& g, const Im2colPlan& plan, const float* x, int64_t channels, float* dst,
                           int64_t rows, int64_t l0) {
#if defined(__AVX512F__)
  if (plan.lanes == 8) return run_transposed<Ymm>(g, plan, x, channels, dst, rows, l0);
#endif
  run_transposed<Native>(g, plan, x, channels, dst, rows, l0);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
