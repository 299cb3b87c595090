// The kernels of one instruction set (the entries of its cortado::Kernels table, see cortado.h
// for the contracts), declared in the per-ISA namespace.
#pragma once
#include "cortado.h"
#include "simd.h"

namespace cortado {
namespace CORTADO_ISA {

void set(int64_t n, float alpha, float* y);
void copy(int64_t n, const float* x, float* y);
void scal(int64_t n, float alpha, float* x);
void axpy(int64_t n, float alpha, const float* x, float* y);
void axpby(int64_t n, float alpha, const float* x, float beta, float* y);
double dot(int64_t n, const float* x, const float* y);
double asum(int64_t n, const float* x);
void binary(BinaryOp op, int64_t n, const float* a, const float* b, float* y);
void unary(UnaryOp op, int64_t n, const float* a, float p, float* y);
void clamp(int64_t n, float lo, float hi, const float* x, float* y);
void where(int64_t n, float lo, float hi, const float* x, const float* a, const float* b, float* y);

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          const float* B, float beta, float* C);
void gemv(bool transA, int64_t M, int64_t N, float alpha, const float* A, const float* x,
          float beta, float* y);
void gemm_batched(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, const float* B, float beta, float* C);

int64_t gather(int64_t rows, int64_t rowSize, int64_t srcRows, const float* src, const float* index, float scale,
               float* dst);
int64_t scatter_add(int64_t rows, int64_t rowSize, int64_t dstRows, const float* src, const float* index,
                    float scale, float* dst);
void copy2d(int64_t rows, int64_t cols, int64_t srcStride, int64_t dstStride, bool accumulate, const float* src,
            float* dst);

void conv_forward(const ConvGeom& g, const float* x, const float* w, float* y);
void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);
void bias_forward(int64_t outer, int64_t channels, int64_t inner, const float* bias, float* y);
void bias_backward(int64_t outer, int64_t channels, int64_t inner, const float* dy, float* dbias);

void pool_forward(const PoolGeom& g, PoolMethod method, const float* x, float* y, float* mask);
void pool_backward(const PoolGeom& g, PoolMethod method, const float* dy, const float* mask, float* dx);
void lrn_forward(const LRNGeom& g, const float* x, float* scale, float* y);
void lrn_backward(const LRNGeom& g, const float* x, const float* y, const float* scale, const float* dy, float* dx);

void neuron_forward(NeuronOp op, int64_t n, const float* x, float* y, float alpha);
void neuron_backward(NeuronOp op, int64_t n, const float* y, const float* dy, float* dx, float alpha);

void layer_norm_forward(int64_t rows, int64_t D, float eps, const float* x, const float* scale, const float* bias,
                        float* xhat, float* rstd, float* y);
void layer_norm_backward(int64_t rows, int64_t D, const float* xhat, const float* rstd, const float* dy,
                         const float* scale, float* dx);

void softmax_forward(const ClassGeom& g, const float* x, float* y);
void softmax_backward(const ClassGeom& g, const float* y, const float* dy, float* dx);
void log_softmax_forward(const ClassGeom& g, const float* x, float* y);
void log_softmax_backward(const ClassGeom& g, const float* y, const float* dy, float* dx);
int64_t softmax_loss_forward(const ClassGeom& g, const float* prob, const float* label, bool hasIgnore,
                             int32_t ignoreLabel, Normalization norm, float* loss);
int64_t softmax_loss_backward(const ClassGeom& g, const float* prob, const float* label, bool hasIgnore,
                              int32_t ignoreLabel, Normalization norm, float lossWeight, float* dx);

void random_uniform(int64_t n, int64_t key, float* y);
void dropout_forward(int64_t n, const float* x, const float* rand, float ratio, float scale, float* y);
void sgd_update(int64_t n, float* w, const float* diff, float* hist, float lr, float momentum,
                float decay, bool l1);

}  // namespace CORTADO_ISA
}  // namespace cortado
