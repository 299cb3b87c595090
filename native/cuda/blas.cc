// cuBLAS in its own column-major convention; the TypeScript side swaps operands for row-major.
#include "addon.h"

// ---------------------------------------------------------------- cuBLAS (column-major)

/** sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), cuBLAS's own convention. */
napi_value Sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!getArgs(env, info, 13, argv, "sgemm") || !readyOrThrow(env, "sgemm")) return nullptr;
  int ta, tb, m, n, k, lda, ldb, ldc;
  double alpha, beta;
  CUdeviceptr A, B, C;
  if (!getInt(env, argv[0], ta, "sgemm", 0) || !getInt(env, argv[1], tb, "sgemm", 1) ||
      !getInt(env, argv[2], m, "sgemm", 2) || !getInt(env, argv[3], n, "sgemm", 3) ||
      !getInt(env, argv[4], k, "sgemm", 4) || !getNumber(env, argv[5], alpha, "sgemm", 5) ||
      !getPtr(env, argv[6], A, "sgemm", 6) || !getInt(env, argv[7], lda, "sgemm", 7) ||
      !getPtr(env, argv[8], B, "sgemm", 8) || !getInt(env, argv[9], ldb, "sgemm", 9) ||
      !getNumber(env, argv[10], beta, "sgemm", 10) || !getPtr(env, argv[11], C, "sgemm", 11) ||
      !getInt(env, argv[12], ldc, "sgemm", 12))
    return nullptr;
  float a = static_cast<float>(alpha), b = static_cast<float>(beta);
  cublasStatus_t s = S.libs.cublas.cublasSgemm_v2(
      S.blas, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, &a,
      reinterpret_cast<const float*>(A), lda, reinterpret_cast<const float*>(B), ldb, &b,
      reinterpret_cast<float*>(C), ldc);
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
  if (!getArgs(env, info, 14, argv, "gemmEx") || !readyOrThrow(env, "gemmEx")) return nullptr;
  int ta, tb, m, n, k, lda, ldb, ldc, format;
  double alpha, beta;
  CUdeviceptr A, B, C;
  if (!getInt(env, argv[0], ta, "gemmEx", 0) || !getInt(env, argv[1], tb, "gemmEx", 1) ||
      !getInt(env, argv[2], m, "gemmEx", 2) || !getInt(env, argv[3], n, "gemmEx", 3) ||
      !getInt(env, argv[4], k, "gemmEx", 4) || !getNumber(env, argv[5], alpha, "gemmEx", 5) ||
      !getPtr(env, argv[6], A, "gemmEx", 6) || !getInt(env, argv[7], lda, "gemmEx", 7) ||
      !getPtr(env, argv[8], B, "gemmEx", 8) || !getInt(env, argv[9], ldb, "gemmEx", 9) ||
      !getNumber(env, argv[10], beta, "gemmEx", 10) || !getPtr(env, argv[11], C, "gemmEx", 11) ||
      !getInt(env, argv[12], ldc, "gemmEx", 12) || !getInt(env, argv[13], format, "gemmEx", 13))
    return nullptr;
  if (format != 1 && format != 2) {
    throwError(env, "cortado_cuda.gemmEx: format must be 1 (binary16) or 2 (bfloat16), found " + std::to_string(format));
    return nullptr;
  }
  if (!S.libs.cublas.cublasGemmEx) {
    throwError(env, "cortado_cuda.gemmEx: cuBLAS (" + S.libs.cublasPath + ") has no cublasGemmEx");
    return nullptr;
  }
  const int type = format == 1 ? CUDA_R_16F : CUDA_R_16BF;
  float a = static_cast<float>(alpha), b = static_cast<float>(beta);
  cublasStatus_t s = S.libs.cublas.cublasGemmEx(
      S.blas, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, &a,
      reinterpret_cast<const void*>(A), type, lda, reinterpret_cast<const void*>(B), type, ldb, &b,
      reinterpret_cast<void*>(C), CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (!blasOk(env, s, "cublasGemmEx")) return nullptr;
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
