// Direct backward-filter convolution for layers with few input channels (conv_direct.cc):
// conv_backward_filter, once it has returned for an empty batch or output, sends a layer here
// when direct_filter_fits, else uses im2col + GEMM.
#pragma once
#include "kernels.h"

namespace cortado {
namespace CORTADO_ISA {

bool direct_filter_fits(const ConvGeom& g);
void conv_backward_filter_direct(const ConvGeom& g, const float* x, const float* dy, float* dw);

}  // namespace CORTADO_ISA
}  // namespace cortado
