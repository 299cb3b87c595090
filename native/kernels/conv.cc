// Convolution forward, backward-data and backward-filter as im2col + GEMM per image, the images
// spread over the pool (backend.ts convForward / convBackwardData / convBackwardFilter).
//
// Per group g, with Mg = numOutput / group, Kg = channels / group * kernelH * kernelW and
// N = outH * outW:
//   forward          y_g[Mg x N]  = W_g[Mg x Kg] col_g[Kg x N]
//   backward data    col_g        = W_gᵀ dy_g,  dx_g = col2im(col_g)
//   backward filter  dW_g        += dy_g col_gᵀ, summed over images
// The weights are packed once per call and shared by all tasks. With strideW 1, im2col is a
// plan compiled once per call (im2col.h) and forward writes it straight into GEMM panels;
// backward filter does too, transposed, when the plan reads no padding in whole vectors. A
// 1 x 1 unstrided unpadded convolution uses x itself as col. Large images are cut into column
// blocks so that a col block stays in L2. A layer with at most 4 input channels computes its
// filter gradient directly instead (conv_direct.cc).
#include <stdlib.h>

#include "conv_direct.h"
#include "gemm.h"
#include "im2col.h"
#include "kernels.h"
#include "loops.h"
#include "winograd.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

constexpr int64_t kColFloats = 1 << 17;    // a 512 KB col block for forward and backward data
constexpr int64_t kFilterFloats = 1 << 16;  // backward filter concatenates images up to 256 KB
constexpr int64_t kPlanFloats = (sizeof(Im2colPlan) + sizeof(float) - 1) / sizeof(float);

struct Dims {
  int64_t G, Cg, Mg, Kg, N, plane, xs, ys;
  bool pointwise;
  explicit Dims(const ConvGeom& g)
      : G(g.group),
        Cg(g.channels / g.group),
        Mg(g.numOutput / g.group),
        Kg(int64_t(g.channels / g.group) * g.kernelH * g.kernelW),
        N(int64_t(g.outH) * g.outW),
        plane(int64_t(g.height) * g.width),
        xs(int64_t(g.channels) * g.height * g.width),
        ys(int64_t(g.numOutput) * g.outH * g.outW),
        pointwise(g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 &&
                  g.padW == 0) {}
  // Output columns per GEMM so that a Kg x block col buffer fits kColFloats (a multiple of NR).
  int64_t block() const { return imin(N, imax(NR, kColFloats / imax(Kg, 1) / NR * NR)); }
};

// The calling thread's last im2col plans, one set per geometry, column block size and layout
// (the least recently used set is replaced). A net's convolutions come back with the same few
// geometries every pass, and building their plans on each call (every op's source, lanes and
// masks) took 8% of LeNet's batch-1 inference on the Zen 3 VM.
struct PlanCache {
  struct Entry {
    ConvGeom g{};
    int64_t nb = 0;
    bool panels = false;
    float* mem = nullptr;  // the Im2colPlan array, then the plans' ops
    uint64_t used = 0;
    ~Entry() { free(mem); }
  };
  Entry entries[8];
  uint64_t clock = 0;
};
thread_local PlanCache tl_plans;

// im2col plans for the column blocks [b nb, min((b + 1) nb, N)), built by the caller (or kept
// from an earlier call, tl_plans) and read by every task.
struct Plans {
  Im2colPlan* plan = nullptr;
  Plans() = default;
  Plans(const ConvGeom& g, const Dims& d, int64_t nb, bool panels) {
    PlanCache& cache = tl_plans;
    PlanCache::Entry* slot = &cache.entries[0];
    for (PlanCache::Entry& e : cache.entries) {
      if (e.mem && e.nb == nb && e.panels == panels && memcmp(&e.g, &g, sizeof g) == 0) {
        e.used = ++cache.clock;
        plan = reinterpret_cast<Im2colPlan*>(e.mem);
        return;
      }
      if (e.used < slot->used) slot = &e;
    }
    const int64_t blocks = (d.N + nb - 1) / nb;
    int64_t floats = blocks * kPlanFloats;
    for (int64_t b = 0; b < blocks; ++b) floats += im2col_plan_floats(g, b * nb, imin(nb, d.N - b * nb));
    free(slot->mem);
    slot->mem = alloc_floats(floats);
    slot->g = g;
    slot->nb = nb;
    slot->panels = panels;
    slot->used = ++cache.clock;
    float* mem = slot->mem;
    plan = reinterpret_cast<Im2colPlan*>(mem);
    mem += blocks * kPlanFloats;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t j0 = b * nb, nc = imin(nb, d.N - j0);
      plan[b] = im2col_plan(g, j0, nc, panels, d.Kg, mem);
      mem += im2col_plan_floats(g, j0, nc);
    }
  }
};

// Columns [j0, j0 + nc) of dy_g for n images from dy_g of the first, side by side (Mg x n nc).
float* gather_dy(const Dims& d, const float* dyg, int64_t n, int64_t j0, int64_t nc) {
  const int64_t L = n * nc;
  float* dyc = scratch(kGather, d.Mg * L);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t m = 0; m < d.Mg; ++m) memcpy(dyc + m * L + i * nc, dyg + i * d.ys + m * d.N + j0, size_t(nc) * sizeof(float));
  return dyc;
}

}  // namespace

void conv_forward(const ConvGeom& g, const float* x, const float* w, float* y) {
  const Dims d(g);
  if (d.N == 0 || d.Mg == 0 || g.num == 0) return;
  if (d.Kg == 0) return set(int64_t(g.num) * d.ys, 0.0f, y);
  if (winograd_forward_fits(g)) return conv_forward_winograd(g, x, w, y);
  // Packed weights: group gi, k block pc at wp + gi Mg Kg + pc Mg (pack_a's layout for that block).
  float* wp = scratch(kShared, d.G * d.Mg * d.Kg);
  for (int64_t gi = 0; gi < d.G; ++gi)
    for (int64_t pc = 0; pc < d.Kg; pc += KC)
      pack_a(Mat{w + gi * d.Mg * d.Kg + pc, d.Kg, 1}, d.Mg, imin(KC, d.Kg - pc), wp + gi * d.Mg * d.Kg + pc * d.Mg);
  const int64_t nb = d.block(), blocks = (d.N + nb - 1) / nb;
  const bool planned = !d.pointwise && plannable(g);
  const Plans plans = planned ? Plans(g, d, nb, true) : Plans();
  parallel_for(int64_t(g.num) * blocks, [&](int64_t task, int) {
    const int64_t b = task / blocks, blk = task % blocks, j0 = blk * nb, nc = imin(nb, d.N - j0);
    float* bp = scratch(kPackB, d.Kg * round_up(nc, NR));
    float* col = d.pointwise || planned ? nullptr : scratch(kCol, d.Kg * nc);
    for (int64_t gi = 0; gi < d.G; ++gi) {
      const float* xg = x + b * d.xs + gi * d.Cg * d.plane;
      if (d.pointwise) {
        pack_b(Mat{xg + j0, d.N, 1}, d.Kg, nc, bp);
      } else if (planned) {
        // The plan fills the first nc % NR lanes of the last panel; the rest must be 0 (not
        // stale data that could hold denormals and slow the multiply down).
        if (nc % NR) memset(bp + nc / NR * d.Kg * NR, 0, size_t(d.Kg * NR) * sizeof(float));
        im2col_run(g, plans.plan[blk], xg, d.Cg, bp, NR);
      } else {
        im2col(g, xg, d.Cg, j0, nc, col, nc);
        pack_b(Mat{col, nc, 1}, d.Kg, nc, bp);
      }
      float* yg = y + b * d.ys + gi * d.Mg * d.N + j0;
      for (int64_t pc = 0; pc < d.Kg; pc += KC)
        macro_kernel(d.Mg, nc, imin(KC, d.Kg - pc), 1.0f, wp + gi * d.Mg * d.Kg + pc * d.Mg, bp + pc * NR,
                     d.Kg * NR, pc == 0 ? 0.0f : 1.0f, yg, d.N);
    }
  });
}

void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const Dims d(g);
  if (g.num == 0 || d.xs == 0) return;
  if (d.N == 0 || d.Mg == 0 || d.Kg == 0) return set(int64_t(g.num) * d.xs, 0.0f, dx);
  if (winograd_backward_data_fits(g)) return conv_backward_data_winograd(g, dy, w, dx);
  // Packed W_gᵀ (Kg x Mg): group gi, k block pc (over Mg) at wp + gi Kg Mg + pc Kg.
  float* wp = scratch(kShared, d.G * d.Kg * d.Mg);
  for (int64_t gi = 0; gi < d.G; ++gi)
    for (int64_t pc = 0; pc < d.Mg; pc += KC)
      pack_a(Mat{w + gi * d.Mg * d.Kg + pc * d.Kg, 1, d.Kg}, d.Kg, imin(KC, d.Mg - pc), wp + gi * d.Kg * d.Mg + pc * d.Kg);
  // col2im by rows needs blocks of whole output rows.
  const bool by_rows = !d.pointwise && col2im_by_rows(g);
  const int64_t nb = by_rows ? imax(1, d.block() / g.outW) * g.outW : d.block();
  // One task per image: column blocks of one image overlap in dx, so they stay on one thread.
  parallel_for(g.num, [&](int64_t b, int) {
    float* dxb = dx + b * d.xs;
    if (!d.pointwise) memset(dxb, 0, size_t(d.xs) * sizeof(float));
    float* col = d.pointwise ? nullptr : scratch(kCol, d.Kg * nb);
    float* bp = scratch(kPackB, d.Mg * round_up(nb, NR));
    for (int64_t gi = 0; gi < d.G; ++gi) {
      const float* dyg = dy + b * d.ys + gi * d.Mg * d.N;
      float* dxg = dxb + gi * d.Cg * d.plane;
      for (int64_t j0 = 0; j0 < d.N; j0 += nb) {
        const int64_t nc = imin(nb, d.N - j0);
        pack_b(Mat{dyg + j0, d.N, 1}, d.Mg, nc, bp);
        float* out = d.pointwise ? dxg + j0 : col;
        const int64_t ldo = d.pointwise ? d.N : nc;
        for (int64_t pc = 0; pc < d.Mg; pc += KC)
          macro_kernel(d.Kg, nc, imin(KC, d.Mg - pc), 1.0f, wp + gi * d.Kg * d.Mg + pc * d.Kg, bp + pc * NR,
                       d.Mg * NR, pc == 0 ? 0.0f : 1.0f, out, ldo);
        if (by_rows) col2im_rows(g, col, d.Cg, j0 / g.outW, (j0 + nc) / g.outW, nc, dxg);
        else if (!d.pointwise) col2im(g, col, d.Cg, j0, nc, nc, dxg);
      }
    }
  });
}

void conv_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const Dims d(g);
  const int64_t wsize = d.G * d.Mg * d.Kg;
  if (g.num == 0 || d.N == 0 || wsize == 0) return;
  if (direct_filter_fits(g)) return conv_backward_filter_direct(g, x, dy, dw);
  if (winograd_backward_filter_fits(g)) return conv_backward_filter_winograd(g, x, dy, dw);
  // Fixed partitions of the batch, each summing into its own buffer (partition 0 into dw), added
  // in order at the end: the result does not depend on thread timing.
  // (At most 64 M floats of partial sums: a machine with many cores and a big layer uses fewer.)
  const int64_t parts = imax(1, imin(imin(num_threads(), g.num), 1 + (int64_t(1) << 26) / wsize));
  float* partial = parts > 1 ? scratch(kShared, (parts - 1) * wsize) : nullptr;
  if (parts > 1) memset(partial, 0, size_t((parts - 1) * wsize) * sizeof(float));
  // Images per GEMM (the GEMM's inner dimension runs over images x positions), or column blocks
  // of one image when a single image's col is already large.
  const bool whole = d.Kg * d.N <= kFilterFloats;
  const int64_t per = whole ? imax(1, imin(kFilterFloats / (d.Kg * d.N), 512 / d.N)) : 1;
  const int64_t nb = whole ? d.N : d.block();
  const bool planned = !d.pointwise && plannable(g);
  const Plans plans = planned ? Plans(g, d, nb, false) : Plans();
  // Plans whose copies are all whole vectors (padded or not; on AVX-512 8 lanes will do) write
  // colᵀ straight into the GEMM's B panels, transposing as they go, instead of writing col and
  // having the GEMM transpose it while packing.
  bool transposed = planned;
  for (int64_t b = 0; transposed && b < (d.N + nb - 1) / nb; ++b) transposed = plans.plan[b].lanes > 0;
  parallel_for(parts, [&](int64_t part, int) {
    float* acc = part == 0 ? dw : partial + (part - 1) * wsize;
    int64_t b0, b1;
    split_range(g.num, parts, part, 1, &b0, &b1);
    for (int64_t c0 = b0; c0 < b1; c0 += per) {
      const int64_t n = imin(per, b1 - c0);
      if (transposed) {
        for (int64_t gi = 0; gi < d.G; ++gi)
          for (int64_t j0 = 0; j0 < d.N; j0 += nb) {
            const int64_t nc = imin(nb, d.N - j0), L = n * nc;
            float* bp = scratch(kPackB, round_up(d.Kg, NR) * L);
            float* ap = scratch(kPackA, d.Mg * imin(L, KC));
            for (int64_t i = 0; i < n; ++i)
              im2col_run_transposed(g, plans.plan[j0 / nb], x + (c0 + i) * d.xs + gi * d.Cg * d.plane, d.Cg, bp, L, i * nc);
            // A = dy_g over the chunk (Mg x L), gathered when it spans images.
            Mat A{dy + c0 * d.ys + gi * d.Mg * d.N + j0, d.N, 1};
            if (n > 1) A = Mat{gather_dy(d, dy + c0 * d.ys + gi * d.Mg * d.N, n, j0, nc), L, 1};
            for (int64_t pc = 0; pc < L; pc += KC) {
              const int64_t kc = imin(KC, L - pc);
              pack_a(Mat{A.at(0, pc), A.rs, A.cs}, d.Mg, kc, ap);
              macro_kernel(d.Mg, d.Kg, kc, 1.0f, ap, bp + pc * NR, L * NR, 1.0f, acc + gi * d.Mg * d.Kg, d.Kg);
            }
          }
        continue;
      }
      for (int64_t gi = 0; gi < d.G; ++gi)
        for (int64_t j0 = 0; j0 < d.N; j0 += nb) {
          const int64_t nc = imin(nb, d.N - j0), L = n * nc;
          // A = dy_g over the chunk (Mg x L), B = col_gᵀ (L x Kg).
          Mat A{dy + c0 * d.ys + gi * d.Mg * d.N + j0, d.N, 1}, B{nullptr, 1, L};
          if (n > 1) A = Mat{gather_dy(d, dy + c0 * d.ys + gi * d.Mg * d.N, n, j0, nc), L, 1};
          if (d.pointwise && n == 1) {
            B = Mat{x + c0 * d.xs + gi * d.Cg * d.plane + j0, 1, d.N};
          } else {
            float* col = scratch(kCol, d.Kg * L);
            for (int64_t i = 0; i < n; ++i) {
              const float* xg = x + (c0 + i) * d.xs + gi * d.Cg * d.plane;
              if (d.pointwise) {
                for (int64_t c = 0; c < d.Cg; ++c) memcpy(col + c * L + i * nc, xg + c * d.plane + j0, size_t(nc) * sizeof(float));
              } else if (planned) {
                im2col_run(g, plans.plan[j0 / nb], xg, d.Cg, col + i * nc, L);
              } else {
                im2col(g, xg, d.Cg, j0, nc, col + i * nc, L);
              }
            }
            B = Mat{col, 1, L};
          }
          gemm_serial(A, B, d.Mg, d.Kg, L, 1.0f, 1.0f, acc + gi * d.Mg * d.Kg, d.Kg);
        }
    }
  });
  for (int64_t p = 1; p < parts; ++p) axpy(wsize, 1.0f, partial + (p - 1) * wsize, dw);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
