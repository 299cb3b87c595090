// This instruction set's kernel table (see cortado.h).
#include "kernels.h"

#define CORTADO_STR2(x) #x
#define CORTADO_STR(x) CORTADO_STR2(x)

namespace cortado {
namespace CORTADO_ISA {

const Kernels* table() {
  static const Kernels k = {
      CORTADO_STR(CORTADO_ISA),
      set, copy, scal, axpy, axpby, dot, asum,
      gemm, gemv, gemm_batched,
      binary, unary, clamp, where,
      gather, scatter_add, copy2d,
      conv_forward, conv_backward_data, conv_backward_filter, bias_forward, bias_backward,
      pool_forward, pool_backward, lrn_forward, lrn_backward,
      neuron_forward, neuron_backward,
      layer_norm_forward, layer_norm_backward,
      softmax_forward, softmax_backward, softmax_loss_forward, softmax_loss_backward,
      log_softmax_forward, log_softmax_backward,
      random_uniform, dropout_forward, sgd_update,
  };
  return &k;
}

}  // namespace CORTADO_ISA
}  // namespace cortado
