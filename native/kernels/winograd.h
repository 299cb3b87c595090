// Winograd convolution for stride-1 undilated 3 x 3 and 5 x 5 layers (winograd.cc): conv_forward,
// conv_backward_data and conv_backward_filter send a layer here when the winograd_*_fits test
// says it pays, else use im2col + GEMM. CORTADO_WINOGRAD=0 in the environment turns it off (native builds).
#pragma once
#include "kernels.h"

namespace cortado {
namespace CORTADO_ISA {

bool winograd_forward_fits(const ConvGeom& g);
bool winograd_backward_data_fits(const ConvGeom& g);
bool winograd_backward_filter_fits(const ConvGeom& g);
void conv_forward_winograd(const ConvGeom& g, const float* x, const float* w, float* y);
void conv_backward_data_winograd(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw += the filter gradient (as conv_backward_filter).
void conv_backward_filter_winograd(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace CORTADO_ISA
}  // namespace cortado
