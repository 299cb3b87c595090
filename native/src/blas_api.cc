// Node-API entry points for BLAS levels 1 to 3 and the elementwise ops.
#include "call.h"

namespace cortado {

namespace {

// ---- BLAS level 1 and elementwise ----

napi_value Set(napi_env env, napi_callback_info info) {
  Call c(env, info, "set");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* y = c.f32(2, "y", double(n));
  if (c.ok()) K().set(n, alpha, y);
  return nullptr;
}

napi_value Copy(napi_env env, napi_callback_info info) {
  Call c(env, info, "copy");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* y = c.f32(2, "y", double(n));
  if (c.ok()) K().copy(n, x, y);
  return nullptr;
}

napi_value Scal(napi_env env, napi_callback_info info) {
  Call c(env, info, "scal");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  if (c.ok()) K().scal(n, alpha, x);
  return nullptr;
}

napi_value Axpy(napi_env env, napi_callback_info info) {
  Call c(env, info, "axpy");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  float* y = c.f32(3, "y", double(n));
  if (c.ok()) K().axpy(n, alpha, x, y);
  return nullptr;
}

napi_value Axpby(napi_env env, napi_callback_info info) {
  Call c(env, info, "axpby");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  float beta = float(c.number(3, "beta"));
  float* y = c.f32(4, "y", double(n));
  if (c.ok()) K().axpby(n, alpha, x, beta, y);
  return nullptr;
}

napi_value Dot(napi_env env, napi_callback_info info) {
  Call c(env, info, "dot");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* y = c.f32(2, "y", double(n));
  return c.ok() ? number_value(env, K().dot(n, x, y)) : nullptr;
}

napi_value Asum(napi_env env, napi_callback_info info) {
  Call c(env, info, "asum");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  return c.ok() ? number_value(env, K().asum(n, x)) : nullptr;
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Call c(env, info, "binary");
  int64_t op = c.count(0, "op");
  int64_t n = c.count(1, "n");
  float* a = c.f32(2, "a", double(n));
  float* b = c.f32(3, "b", double(n));
  float* y = c.f32(4, "y", double(n));
  if (c.ok() && op > kDiv) c.fail(true, "unknown op %lld", (long long)op);
  if (c.ok()) K().binary(BinaryOp(op), n, a, b, y);
  return nullptr;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  Call c(env, info, "unary");
  int64_t op = c.count(0, "op");
  int64_t n = c.count(1, "n");
  float* a = c.f32(2, "a", double(n));
  float p = float(c.number(3, "p"));
  float* y = c.f32(4, "y", double(n));
  if (c.ok() && op > kAddScalar) c.fail(true, "unknown op %lld", (long long)op);
  if (c.ok()) K().unary(UnaryOp(op), n, a, p, y);
  return nullptr;
}

napi_value Clamp(napi_env env, napi_callback_info info) {
  Call c(env, info, "clamp");
  int64_t n = c.count(0, "n");
  float lo = float(c.number(1, "lo")), hi = float(c.number(2, "hi"));
  float* x = c.f32(3, "x", double(n));
  float* y = c.f32(4, "y", double(n));
  if (c.ok()) K().clamp(n, lo, hi, x, y);
  return nullptr;
}

napi_value Where(napi_env env, napi_callback_info info) {
  Call c(env, info, "where");
  int64_t n = c.count(0, "n");
  float lo = float(c.number(1, "lo")), hi = float(c.number(2, "hi"));
  float* x = c.f32(3, "x", double(n));
  float* a = c.f32(4, "a", double(n));
  float* b = c.f32(5, "b", double(n));
  float* y = c.f32(6, "y", double(n));
  if (c.ok()) K().where(n, lo, hi, x, a, b, y);
  return nullptr;
}

// ---- BLAS level 2 and 3 ----

napi_value Gemm(napi_env env, napi_callback_info info) {
  Call c(env, info, "gemm");
  bool ta = c.flag(0, "transA"), tb = c.flag(1, "transB");
  int64_t M = c.count(2, "M"), N = c.count(3, "N"), Kd = c.count(4, "K");
  float alpha = float(c.number(5, "alpha"));
  float* A = c.f32(6, "A", double(M) * double(Kd));
  float* B = c.f32(7, "B", double(Kd) * double(N));
  float beta = float(c.number(8, "beta"));
  float* C = c.f32(9, "C", double(M) * double(N));
  if (c.ok()) K().gemm(ta, tb, M, N, Kd, alpha, A, B, beta, C);
  return nullptr;
}

napi_value Gemv(napi_env env, napi_callback_info info) {
  Call c(env, info, "gemv");
  bool ta = c.flag(0, "transA");
  int64_t M = c.count(1, "M"), N = c.count(2, "N");
  float alpha = float(c.number(3, "alpha"));
  float* A = c.f32(4, "A", double(M) * double(N));
  float* x = c.f32(5, "x", double(ta ? M : N));
  float beta = float(c.number(6, "beta"));
  float* y = c.f32(7, "y", double(ta ? N : M));
  if (c.ok()) K().gemv(ta, M, N, alpha, A, x, beta, y);
  return nullptr;
}

}  // namespace

const Export kBlasExports[] = {
    {"set", Set},
    {"copy", Copy},
    {"scal", Scal},
    {"axpy", Axpy},
    {"axpby", Axpby},
    {"dot", Dot},
    {"asum", Asum},
    {"binary", Binary},
    {"unary", Unary},
    {"clamp", Clamp},
    {"where", Where},
    {"gemm", Gemm},
    {"gemv", Gemv},
};
const size_t kBlasExportCount = sizeof kBlasExports / sizeof kBlasExports[0];

}  // namespace cortado
