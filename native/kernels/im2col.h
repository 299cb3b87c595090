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

}  // namespace CORTADO_ISA
}  // namespace cortado
