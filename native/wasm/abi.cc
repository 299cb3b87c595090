// The flat C ABI of cortado.wasm: one export per kernel of native/kernels (kernels.h names;
// contracts in cortado.h and src/backend/backend.ts), plus malloc and free for the host.
//
// Pointers are byte offsets into the instance's memory; counts are int32 (a wasm32 memory holds
// under 2^30 floats), so JavaScript passes plain numbers. Geometries arrive as a pointer to their
// int32 fields in the order of cortado.h's ConvGeom / PoolGeom (LRN's
// int32 fields, with its three floats as arguments). The host checks every length
// before calling, as the Node-API glue does for the addon.
#include <stdlib.h>

#include "kernels.h"

#define EXPORT(name) extern "C" __attribute__((export_name(#name))) 

using namespace cortado;
using namespace cortado::CORTADO_ISA;

EXPORT(malloc) void* cortado_malloc(int32_t bytes) { return malloc(size_t(bytes)); }
EXPORT(free) void cortado_free(void* p) { free(p); }
// 1 when this build's kernels use relaxed SIMD (fma is f32x4.relaxed_madd), 0 for SIMD128 alone.
EXPORT(relaxed_simd) int32_t cortado_relaxed_simd() {
#if defined(__wasm_relaxed_simd__)
  return 1;
#else
  return 0;
#endif
}

EXPORT(set) void cortado_set(int32_t n, float alpha, float* y) { set(n, alpha, y); }
EXPORT(copy) void cortado_copy(int32_t n, const float* x, float* y) { copy(n, x, y); }
EXPORT(scal) void cortado_scal(int32_t n, float alpha, float* x) { scal(n, alpha, x); }
EXPORT(axpy) void cortado_axpy(int32_t n, float alpha, const float* x, float* y) { axpy(n, alpha, x, y); }
EXPORT(axpby) void cortado_axpby(int32_t n, float alpha, const float* x, float beta, float* y) {
  axpby(n, alpha, x, beta, y);
}
EXPORT(dot) double cortado_dot(int32_t n, const float* x, const float* y) { return dot(n, x, y); }
EXPORT(asum) double cortado_asum(int32_t n, const float* x) { return asum(n, x); }
EXPORT(binary) void cortado_binary(int32_t op, int32_t n, const float* a, const float* b, float* y) {
  binary(BinaryOp(op), n, a, b, y);
}
EXPORT(unary) void cortado_unary(int32_t op, int32_t n, const float* a, float p, float* y) {
  unary(UnaryOp(op), n, a, p, y);
}
EXPORT(clamp) void cortado_clamp(int32_t n, float lo, float hi, const float* x, float* y) { clamp(n, lo, hi, x, y); }
EXPORT(where) void cortado_where(int32_t n, float lo, float hi, const float* x, const float* a, const float* b,
                                 float* y) {
  where(n, lo, hi, x, a, b, y);
}

EXPORT(gemm) void cortado_gemm(int32_t transA, int32_t transB, int32_t M, int32_t N, int32_t K, float alpha,
                               const float* A, const float* B, float beta, float* C) {
  gemm(transA != 0, transB != 0, M, N, K, alpha, A, B, beta, C);
}
EXPORT(gemm_batched) void cortado_gemm_batched(int32_t batch, int32_t transA, int32_t transB, int32_t M, int32_t N,
                                               int32_t K, float alpha, const float* A, const float* B, float beta,
                                               float* C) {
  gemm_batched(batch, transA != 0, transB != 0, M, N, K, alpha, A, B, beta, C);
}
EXPORT(gemv) void cortado_gemv(int32_t transA, int32_t M, int32_t N, float alpha, const float* A, const float* x,
                               float beta, float* y) {
  gemv(transA != 0, M, N, alpha, A, x, beta, y);
}

EXPORT(gather) int32_t cortado_gather(int32_t rows, int32_t rowSize, int32_t srcRows, const float* src,
                                      const float* index, float scale, float* dst) {
  return int32_t(gather(rows, rowSize, srcRows, src, index, scale, dst));
}
EXPORT(scatter_add) int32_t cortado_scatter_add(int32_t rows, int32_t rowSize, int32_t dstRows, const float* src,
                                                const float* index, float scale, float* dst) {
  return int32_t(scatter_add(rows, rowSize, dstRows, src, index, scale, dst));
}

EXPORT(layer_norm_forward) void cortado_layer_norm_forward(int32_t rows, int32_t D, float eps, const float* x,
                                                          const float* scale, const float* bias, float* xhat,
                                                          float* rstd, float* y) {
  layer_norm_forward(rows, D, eps, x, scale, bias, xhat, rstd, y);
}
EXPORT(layer_norm_backward) void cortado_layer_norm_backward(int32_t rows, int32_t D, const float* xhat,
                                                            const float* rstd, const float* dy, const float* scale,
                                                            float* dx) {
  layer_norm_backward(rows, D, xhat, rstd, dy, scale, dx);
}

EXPORT(copy2d) void cortado_copy2d(int32_t rows, int32_t cols, int32_t srcStride, int32_t dstStride, int32_t accumulate,
                                   const float* src, float* dst) {
  copy2d(rows, cols, srcStride, dstStride, accumulate != 0, src, dst);
}

EXPORT(conv_forward) void cortado_conv_forward(const ConvGeom* g, const float* x, const float* w, float* y) {
  conv_forward(*g, x, w, y);
}
EXPORT(conv_backward_data) void cortado_conv_backward_data(const ConvGeom* g, const float* dy, const float* w,
                                                           float* dx) {
  conv_backward_data(*g, dy, w, dx);
}
EXPORT(conv_backward_filter) void cortado_conv_backward_filter(const ConvGeom* g, const float* x, const float* dy,
                                                               float* dw) {
  conv_backward_filter(*g, x, dy, dw);
}
EXPORT(bias_forward) void cortado_bias_forward(int32_t outer, int32_t channels, int32_t inner, const float* bias,
                                               float* y) {
  bias_forward(outer, channels, inner, bias, y);
}
EXPORT(bias_backward) void cortado_bias_backward(int32_t outer, int32_t channels, int32_t inner, const float* dy,
                                                 float* dbias) {
  bias_backward(outer, channels, inner, dy, dbias);
}

EXPORT(pool_forward) void cortado_pool_forward(const PoolGeom* g, int32_t method, const float* x, float* y,
                                               float* mask) {
  pool_forward(*g, PoolMethod(method), x, y, mask);
}
EXPORT(pool_backward) void cortado_pool_backward(const PoolGeom* g, int32_t method, const float* dy,
                                                 const float* mask, float* dx) {
  pool_backward(*g, PoolMethod(method), dy, mask, dx);
}
// LRN's geometry: its six int32 fields, then alpha, beta and k as arguments.
EXPORT(lrn_forward) void cortado_lrn_forward(const int32_t* v, float alpha, float beta, float k, const float* x,
                                             float* scale, float* y) {
  lrn_forward(LRNGeom{v[0], v[1], v[2], v[3], v[4], v[5], alpha, beta, k}, x, scale, y);
}
EXPORT(lrn_backward) void cortado_lrn_backward(const int32_t* v, float alpha, float beta, float k, const float* x,
                                               const float* y, const float* scale, const float* dy, float* dx) {
  lrn_backward(LRNGeom{v[0], v[1], v[2], v[3], v[4], v[5], alpha, beta, k}, x, y, scale, dy, dx);
}

EXPORT(neuron_forward) void cortado_neuron_forward(int32_t op, int32_t n, const float* x, float* y, float alpha) {
  neuron_forward(NeuronOp(op), n, x, y, alpha);
}
EXPORT(neuron_backward) void cortado_neuron_backward(int32_t op, int32_t n, const float* y, const float* dy,
                                                     float* dx, float alpha) {
  neuron_backward(NeuronOp(op), n, y, dy, dx, alpha);
}

EXPORT(softmax_forward) void cortado_softmax_forward(int32_t outer, int32_t classes, int32_t inner, const float* x,
                                                     float* y) {
  softmax_forward(ClassGeom{outer, classes, inner}, x, y);
}
EXPORT(softmax_backward) void cortado_softmax_backward(int32_t outer, int32_t classes, int32_t inner,
                                                       const float* y, const float* dy, float* dx) {
  softmax_backward(ClassGeom{outer, classes, inner}, y, dy, dx);
}
EXPORT(log_softmax_forward) void cortado_log_softmax_forward(int32_t outer, int32_t classes, int32_t inner,
                                                             const float* x, float* y) {
  log_softmax_forward(ClassGeom{outer, classes, inner}, x, y);
}
EXPORT(log_softmax_backward) void cortado_log_softmax_backward(int32_t outer, int32_t classes, int32_t inner,
                                                               const float* y, const float* dy, float* dx) {
  log_softmax_backward(ClassGeom{outer, classes, inner}, y, dy, dx);
}
// Both return -1, or the position of the first label that is no class (nothing written then).
EXPORT(softmax_loss_forward) double cortado_softmax_loss_forward(int32_t outer, int32_t classes, int32_t inner,
                                                                 const float* prob, const float* label,
                                                                 int32_t hasIgnore, int32_t ignoreLabel,
                                                                 int32_t norm, float* loss) {
  return double(softmax_loss_forward(ClassGeom{outer, classes, inner}, prob, label, hasIgnore != 0, ignoreLabel,
                                     Normalization(norm), loss));
}
EXPORT(softmax_loss_backward) double cortado_softmax_loss_backward(int32_t outer, int32_t classes, int32_t inner,
                                                                   const float* prob, const float* label,
                                                                   int32_t hasIgnore, int32_t ignoreLabel,
                                                                   int32_t norm, float lossWeight, float* dx) {
  return double(softmax_loss_backward(ClassGeom{outer, classes, inner}, prob, label, hasIgnore != 0, ignoreLabel,
                                      Normalization(norm), lossWeight, dx));
}

// key: the 32-bit unsigned key's bits.
EXPORT(random_uniform) void cortado_random_uniform(int32_t n, int32_t key, float* y) {
  random_uniform(n, int64_t(uint32_t(key)), y);
}
EXPORT(dropout_forward) void cortado_dropout_forward(int32_t n, const float* x, const float* rand, float ratio,
                                                     float scale, float* y) {
  dropout_forward(n, x, rand, ratio, scale, y);
}
EXPORT(sgd_update) void cortado_sgd_update(int32_t n, float* w, const float* diff, float* hist, float lr,
                                           float momentum, float decay, int32_t l1) {
  sgd_update(n, w, diff, hist, lr, momentum, decay, l1 != 0);
}
