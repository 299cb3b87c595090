// cuBLAS in its own column-major convention; the TypeScript side swaps operands for row-major.
#include "addon.h"

// ---------------------------------------------------------------- cuBLAS (column-major)

namespace {

/** The 13 arguments sgemm and gemmEx share: transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc. */
struct GemmArgs {
  int ta, tb, m, n, k, lda, ldb, ldc;
  float alpha, beta;
  CUdeviceptr A, B, C;
};

bool readGemmArgs(napi_env env, napi_value* argv, const char* fn, GemmArgs& g) {
  double alpha, beta;
  if (!getInt(env, argv[0], g.ta, fn, 0) || !getInt(env, argv[1], g.tb, fn, 1) || !getInt(env, argv[2], g.m, fn, 2) ||
      !getInt(env, argv[3], g.n, fn, 3) || !getInt(env, argv[4], g.k, fn, 4) || !getNumber(env, argv[5], alpha, fn, 5) ||
      !getPtr(env, argv[6], g.A, fn, 6) || !getInt(env, argv[7], g.lda, fn, 7) || !getPtr(env, argv[8], g.B, fn, 8) ||
      !getInt(env, argv[9], g.ldb, fn, 9) || !getNumber(env, argv[10], beta, fn, 10) || !getPtr(env, argv[11], g.C, fn, 11) ||
      !getInt(env, argv[12], g.ldc, fn, 12))
    return false;
  g.alpha = static_cast<float>(alpha);
  g.beta = static_cast<float>(beta);
  return true;
}

/** The strides of A, B and C and the batch count, at positions 13 to 16 of the strided batched calls. */
bool readBatch(napi_env env, napi_value* argv, const char* fn, int& sa, int& sb, int& sc, int& batch) {
  return getInt(env, argv[13], sa, fn, 13) && getInt(env, argv[14], sb, fn, 14) && getInt(env, argv[15], sc, fn, 15) &&
         getInt(env, argv[16], batch, fn, 16);
}

/**
 * CUDA's data type of a 16-bit format (1 binary16, 2 bfloat16) for `fn`, or -1 with the error
 * thrown: a format that is neither, or a cuBLAS without `symbol` (`present` false).
 */
int halfType(napi_env env, const char* fn, int format, bool present, const char* symbol) {
  if (format != 1 && format != 2) {
    throwError(env, std::string("cortado_cuda.") + fn + ": format must be 1 (binary16) or 2 (bfloat16), found " + std::to_string(format));
    return -1;
  }
  if (!present) {
    throwError(env, std::string("cortado_cuda.") + fn + ": cuBLAS (" + S.libs.cublasPath + ") has no " + symbol);
    return -1;
  }
  return format == 1 ? CUDA_R_16F : CUDA_R_16BF;
}

}  // namespace

/** sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), cuBLAS's own convention. */
napi_value Sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  GemmArgs g;
  if (!getArgs(env, info, 13, argv, "sgemm") || !readyOrThrow(env, "sgemm") || !readGemmArgs(env, argv, "sgemm", g)) return nullptr;
  cublasStatus_t s = S.libs.cublas.cublasSgemm_v2(
      S.blas, g.ta ? CUBLAS_OP_T : CUBLAS_OP_N, g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, g.m, g.n, g.k, &g.alpha,
      reinterpret_cast<const float*>(g.A), g.lda, reinterpret_cast<const float*>(g.B), g.ldb, &g.beta,
      reinterpret_cast<float*>(g.C), g.ldc);
  if (!blasOk(env, s, "cublasSgemm")) return nullptr;
  return undefinedValue(env);
}

/**
 * gemmEx(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, format): sgemm's call with
 * A and B in a 16-bit format (1 binary16, 2 bfloat16), C in float32, products summed in float32
 * (cublasGemmEx, CUBLAS_COMPUTE_32F): tensor cores where the card has them.
 */
napi_value GemmEx(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  GemmArgs g;
  int format;
  if (!getArgs(env, info, 14, argv, "gemmEx") || !readyOrThrow(env, "gemmEx") || !readGemmArgs(env, argv, "gemmEx", g) ||
      !getInt(env, argv[13], format, "gemmEx", 13))
    return nullptr;
  const int type = halfType(env, "gemmEx", format, S.libs.cublas.cublasGemmEx != nullptr, "cublasGemmEx");
  if (type < 0) return nullptr;
  cublasStatus_t s = S.libs.cublas.cublasGemmEx(
      S.blas, g.ta ? CUBLAS_OP_T : CUBLAS_OP_N, g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, g.m, g.n, g.k, &g.alpha,
      reinterpret_cast<const void*>(g.A), type, g.lda, reinterpret_cast<const void*>(g.B), type, g.ldb, &g.beta,
      reinterpret_cast<void*>(g.C), CUDA_R_32F, g.ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (!blasOk(env, s, "cublasGemmEx")) return nullptr;
  return undefinedValue(env);
}

/**
 * sgemmStridedBatched(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, strideA,
 * strideB, strideC, batch): `batch` of sgemm's products in one call, product i on A + i strideA,
 * B + i strideB and C + i strideC (strides in elements).
 */
napi_value SgemmStridedBatched(napi_env env, napi_callback_info info) {
  const char* fn = "sgemmStridedBatched";
  napi_value argv[17];
  GemmArgs g;
  int sa, sb, sc, batch;
  if (!getArgs(env, info, 17, argv, fn) || !readyOrThrow(env, fn) || !readGemmArgs(env, argv, fn, g) ||
      !readBatch(env, argv, fn, sa, sb, sc, batch))
    return nullptr;
  cublasStatus_t s = S.libs.cublas.cublasSgemmStridedBatched(
      S.blas, g.ta ? CUBLAS_OP_T : CUBLAS_OP_N, g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, g.m, g.n, g.k, &g.alpha,
      reinterpret_cast<const float*>(g.A), g.lda, sa, reinterpret_cast<const float*>(g.B), g.ldb, sb, &g.beta,
      reinterpret_cast<float*>(g.C), g.ldc, sc, batch);
  if (!blasOk(env, s, "cublasSgemmStridedBatched")) return nullptr;
  return undefinedValue(env);
}

/**
 * gemmStridedBatchedEx(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, strideA,
 * strideB, strideC, batch, format): sgemmStridedBatched's call with A and B in a 16-bit format as
 * gemmEx's (cublasGemmStridedBatchedEx, CUBLAS_COMPUTE_32F).
 */
napi_value GemmStridedBatchedEx(napi_env env, napi_callback_info info) {
  const char* fn = "gemmStridedBatchedEx";
  napi_value argv[18];
  GemmArgs g;
  int sa, sb, sc, batch, format;
  if (!getArgs(env, info, 18, argv, fn) || !readyOrThrow(env, fn) || !readGemmArgs(env, argv, fn, g) ||
      !readBatch(env, argv, fn, sa, sb, sc, batch) || !getInt(env, argv[17], format, fn, 17))
    return nullptr;
  const int type = halfType(env, fn, format, S.libs.cublas.cublasGemmStridedBatchedEx != nullptr, "cublasGemmStridedBatchedEx");
  if (type < 0) return nullptr;
  cublasStatus_t s = S.libs.cublas.cublasGemmStridedBatchedEx(
      S.blas, g.ta ? CUBLAS_OP_T : CUBLAS_OP_N, g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, g.m, g.n, g.k, &g.alpha,
      reinterpret_cast<const void*>(g.A), type, g.lda, sa, reinterpret_cast<const void*>(g.B), type, g.ldb, sb, &g.beta,
      reinterpret_cast<void*>(g.C), CUDA_R_32F, g.ldc, sc, batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (!blasOk(env, s, "cublasGemmStridedBatchedEx")) return nullptr;
  return undefinedValue(env);
}

/** sgemv(trans, m, n, alpha, A, lda, x, beta, y), unit strides. */
napi_value Sgemv(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!getArgs(env, info, 9, argv, "sgemv") || !readyOrThrow(env, "sgemv")) return nullptr;
  int t, m, n, lda;
  double alpha, beta;
  CUdeviceptr A, x, y;
  if (!getInt(env, argv[0], t, "sgemv", 0) || !getInt(env, argv[1], m, "sgemv", 1) ||
      !getInt(env, argv[2], n, "sgemv", 2) || !getNumber(env, argv[3], alpha, "sgemv", 3) ||
      !getPtr(env, argv[4], A, "sgemv", 4) || !getInt(env, argv[5], lda, "sgemv", 5) ||
      !getPtr(env, argv[6], x, "sgemv", 6) || !getNumber(env, argv[7], beta, "sgemv", 7) ||
      !getPtr(env, argv[8], y, "sgemv", 8))
    return nullptr;
  float a = static_cast<float>(alpha), b = static_cast<float>(beta);
  cublasStatus_t s = S.libs.cublas.cublasSgemv_v2(S.blas, t ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, &a,
                                                  reinterpret_cast<const float*>(A), lda,
                                                  reinterpret_cast<const float*>(x), 1, &b,
                                                  reinterpret_cast<float*>(y), 1);
  if (!blasOk(env, s, "cublasSgemv")) return nullptr;
  return undefinedValue(env);
}

/** sdot(n, x, y) -> number (waits for the device). */
napi_value Sdot(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int n;
  CUdeviceptr x, y;
  if (!getArgs(env, info, 3, argv, "sdot") || !readyOrThrow(env, "sdot") || !getInt(env, argv[0], n, "sdot", 0) ||
      !getPtr(env, argv[1], x, "sdot", 1) || !getPtr(env, argv[2], y, "sdot", 2))
    return nullptr;
  float r = 0;
  cublasStatus_t s = S.libs.cublas.cublasSdot_v2(S.blas, n, reinterpret_cast<const float*>(x), 1,
                                                 reinterpret_cast<const float*>(y), 1, &r);
  if (!blasOk(env, s, "cublasSdot")) return nullptr;
  return makeNumber(env, r);
}

/** sasum(n, x) -> number (waits for the device). */
napi_value Sasum(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int n;
  CUdeviceptr x;
  if (!getArgs(env, info, 2, argv, "sasum") || !readyOrThrow(env, "sasum") || !getInt(env, argv[0], n, "sasum", 0) ||
      !getPtr(env, argv[1], x, "sasum", 1))
    return nullptr;
  float r = 0;
  cublasStatus_t s = S.libs.cublas.cublasSasum_v2(S.blas, n, reinterpret_cast<const float*>(x), 1, &r);
  if (!blasOk(env, s, "cublasSasum")) return nullptr;
  return makeNumber(env, r);
}
