// im2col and its adjoint col2im over a range of output positions, for the convolution kernels.
#pragma once
#include "cortado.h"
#include "simd.h"

namespace cortado {
namespace CORTADO_ISA {

// For output positions j0 + jj = oh outW + ow (jj in [0, ncols)) and the first `channels`
// planes of x ([channels, height, width]):
//   col[(c kernelH + i) kernelW + j][jj] = x[c][oh strideH - padH + i dilationH][ow strideW - padW + j dilationW]
// or 0 where that falls in the padding. Rows of col are ldcol floats apart.
void im2col(const ConvGeom& g, const float* x, int64_t channels, int64_t j0, int64_t ncols, float* col,
            int64_t ldcol);

// The adjoint: dx[c][ih][iw] += col[...] for the same positions (dx is accumulated into).
void col2im(const ConvGeom& g, const float* col, int64_t channels, int64_t j0, int64_t ncols, int64_t ldcol,
            float* dx);

// When strideW is 1, every (kernel offset, output row) of im2col is a contiguous run of x, and
// the whole column range can be compiled once per call into a list of masked vector copies
// (an Im2colPlan) that every image then replays.
inline bool plannable(const ConvGeom& g) { return g.strideW == 1; }

// One masked copy: lanes [lo, hi) of x_c + src go to lanes of dst (len of them, the rest of the
// run being padding zeros). load_mask and store_mask are the same lanes as bit masks, for
// instruction sets with mask registers.
struct CopyOp {
  int32_t dst, src;
  int8_t lo, hi, len, unused;
  uint16_t load_mask, store_mask;
};

// ops for kernel offset t = i kernelW + j are ops[first[t] .. first[t + 1]). Every offset has
// the same number of ops with the same dst and len (runs are cut where the columns are, not
// where the padding is); only src, lo and hi differ.
// full: every op copies W lanes with no padding (no masks needed when replayed).
// lanes: W when every op stores W lanes, 8 when every op stores 8 lanes on AVX-512 (LeNet
// conv2's 8-wide rows, half a zmm), else 0: whether the plan can be replayed transposed.
struct Im2colPlan {
  const int32_t* first;
  const CopyOp* ops;
  bool full;
  int lanes;
};

// Floats of memory that im2col_plan needs for a column range of ncols.
int64_t im2col_plan_floats(const ConvGeom& g, int64_t j0, int64_t ncols);

// Compiles im2col of output columns [j0, j0 + ncols) into `mem`. The destination of (k, column
// j0 + jj) is dst + k * kstride + offset(jj): offset(jj) = jj for a plain col matrix, and for
// NR-column panels of `rows` rows each (gemm.h's packed B) (jj / NR) rows NR + jj % NR.
Im2colPlan im2col_plan(const ConvGeom& g, int64_t j0, int64_t ncols, bool panels, int64_t rows, float* mem);

// Replays a plan over the first `channels` planes of x.
void im2col_run(const ConvGeom& g, const Im2colPlan& plan, const float* x, int64_t channels, float* dst,
                int64_t kstride);

// Replays a plan with lanes > 0 (plain columns, not panels) transposed, into gemm.h's packed B
// panels of colᵀ: column jj of image row k goes to row l0 + jj, column k of the panels, whose rows
// are `rows` long (so panel k / NR starts at dst + k / NR rows NR). Columns of the last panel past
// channels kernelH kernelW are written as zeros.
void im2col_run_transposed(const ConvGeom& g, const Im2colPlan& plan, const float* x, int64_t channels, float* dst,
                           int64_t rows, int64_t l0);

// col2im for strideW 1 and kernelH <= kMaxKernelH over whole output rows [oh0, oh1) (col is
// plain, rows ld apart): each input row chunk is summed in registers and added to dx once.
constexpr int64_t kMaxKernelH = 64;
inline bool col2im_by_rows(const ConvGeom& g) { return g.strideW == 1 && g.kernelH <= kMaxKernelH; }
void col2im_rows(const ConvGeom& g, const float* col, int64_t channels, int64_t oh0, int64_t oh1, int64_t ld,
                 float* dx);

}  // namespace CORTADO_ISA
}  // namespace cortado
