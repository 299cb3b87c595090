// A stand-in for libcublas.so used by the CUDA backend's CPU emulation tests: plain loops with
// cuBLAS's column-major conventions and argument checks (a wrong leading dimension fails with
// CUBLAS_STATUS_INVALID_VALUE, as the real library does).
// While fake_cuda captures the handle's stream, a call is recorded there (cortado_emu_capture)
// with its alpha and beta read at once, as host pointer mode does, and runs at graph launch.
#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <functional>

extern "C" {
typedef void* cublasHandle_t;
const int kInvalid = 7;
static void* stream = nullptr;

/** Runs `step` now, or records it when fake_cuda is capturing the handle's stream. */
static void runOrRecord(std::function<void()> step) {
  static auto capture = reinterpret_cast<int (*)(void*, std::function<void()>*)>(dlsym(RTLD_DEFAULT, "cortado_emu_capture"));
  if (!(capture && capture(stream, &step))) step();
}

int cublasSetStream_v2(cublasHandle_t, void* s) {
  stream = s;
  return 0;
}
int cublasSetWorkspace_v2(cublasHandle_t, void*, size_t) { return 0; }

int cublasCreate_v2(cublasHandle_t* h) {
  *h = reinterpret_cast<cublasHandle_t>(1);
  return 0;
}
int cublasGetVersion_v2(cublasHandle_t, int* v) {
  *v = 130000;
  return 0;
}
int cublasSetMathMode(cublasHandle_t, int) { return 0; }

static int atLeast1(int v) { return v > 1 ? v : 1; }

int cublasSgemm_v2(cublasHandle_t, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
  if (m < 0 || n < 0 || k < 0 || lda < atLeast1(ta ? k : m) || ldb < atLeast1(tb ? n : k) || ldc < atLeast1(m)) return kInvalid;
  const float a0 = *alpha, b0 = *beta;
  runOrRecord([=] {
  const float* alpha = &a0;
  const float* beta = &b0;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int l = 0; l < k; l++) {
        double a = ta ? A[l + i * lda] : A[i + l * lda];
        double b = tb ? B[j + l * ldb] : B[l + j * ldb];
        s += a * b;
      }
      float& c = C[i + j * ldc];
      c = *beta == 0 ? static_cast<float>(*alpha * s) : static_cast<float>(*alpha * s + *beta * c);
    }
  }
  });
  return 0;
}

int cublasSgemmStridedBatched(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float* alpha,
                              const float* A, int lda, long long sa, const float* B, int ldb, long long sb,
                              const float* beta, float* C, int ldc, long long sc, int batch) {
  if (batch < 0 || sa < 0 || sb < 0 || sc < 0) return kInvalid;
  for (int i = 0; i < batch; i++) {
    int s = cublasSgemm_v2(h, ta, tb, m, n, k, alpha, A + i * sa, lda, B + i * sb, ldb, beta, C + i * sc, ldc);
    if (s != 0) return s;
  }
  return 0;
}

/** A 16-bit element as a float: binary16 (type 2, CUDA_R_16F) or bfloat16 (type 14, CUDA_R_16BF). */
static double half16(unsigned short v, int type) {
  if (type == 14) {
    unsigned bits = static_cast<unsigned>(v) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  int e = (v >> 10) & 0x1f, m = v & 0x3ff;
  double mag = e == 0x1f ? (m ? NAN : INFINITY) : e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (v & 0x8000) ? -mag : mag;
}

// A and B in binary16 or bfloat16, C in float32, sums in double (rounded once to float32).
int cublasGemmEx(cublasHandle_t, int ta, int tb, int m, int n, int k, const void* alpha, const void* A, int Atype, int lda,
                 const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc, int computeType, int) {
  if (m < 0 || n < 0 || k < 0 || lda < atLeast1(ta ? k : m) || ldb < atLeast1(tb ? n : k) || ldc < atLeast1(m)) return kInvalid;
  if ((Atype != 2 && Atype != 14) || Btype != Atype || Ctype != 0 || computeType != 68) return kInvalid;
  const float a0 = *static_cast<const float*>(alpha), b0 = *static_cast<const float*>(beta);
  const auto* a16 = static_cast<const unsigned short*>(A);
  const auto* b16 = static_cast<const unsigned short*>(B);
  float* c32 = static_cast<float*>(C);
  runOrRecord([=] {
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int l = 0; l < k; l++) {
        double a = half16(ta ? a16[l + i * lda] : a16[i + l * lda], Atype);
        double b = half16(tb ? b16[j + l * ldb] : b16[l + j * ldb], Btype);
        s += a * b;
      }
      float& c = c32[i + j * ldc];
      c = b0 == 0 ? static_cast<float>(a0 * s) : static_cast<float>(a0 * s + b0 * c);
    }
  }
  });
  return 0;
}

int cublasGemmStridedBatchedEx(cublasHandle_t h, int ta, int tb, int m, int n, int k, const void* alpha, const void* A,
                               int Atype, int lda, long long sa, const void* B, int Btype, int ldb, long long sb,
                               const void* beta, void* C, int Ctype, int ldc, long long sc, int batch, int computeType,
                               int algo) {
  if (batch < 0 || sa < 0 || sb < 0 || sc < 0) return kInvalid;
  for (int i = 0; i < batch; i++) {
    int s = cublasGemmEx(h, ta, tb, m, n, k, alpha, static_cast<const unsigned short*>(A) + i * sa, Atype, lda,
                         static_cast<const unsigned short*>(B) + i * sb, Btype, ldb, beta, static_cast<float*>(C) + i * sc,
                         Ctype, ldc, computeType, algo);
    if (s != 0) return s;
  }
  return 0;
}

int cublasSgemv_v2(cublasHandle_t, int trans, int m, int n, const float* alpha, const float* A, int lda, const float* x,
                   int incx, const float* beta, float* y, int incy) {
  if (m < 0 || n < 0 || lda < atLeast1(m) || incx != 1 || incy != 1) return kInvalid;
  const float a0 = *alpha, b0 = *beta;
  runOrRecord([=] {
  const float* alpha = &a0;
  const float* beta = &b0;
  int rows = trans ? n : m, inner = trans ? m : n;
  for (int r = 0; r < rows; r++) {
    double s = 0;
    for (int l = 0; l < inner; l++) s += static_cast<double>(trans ? A[l + r * lda] : A[r + l * lda]) * x[l];
    y[r] = *beta == 0 ? static_cast<float>(*alpha * s) : static_cast<float>(*alpha * s + *beta * y[r]);
  }
  });
  return 0;
}

int cublasSdot_v2(cublasHandle_t, int n, const float* x, int incx, const float* y, int incy, float* r) {
  if (incx != 1 || incy != 1) return kInvalid;
  double s = 0;
  for (int i = 0; i < n; i++) s += static_cast<double>(x[i]) * y[i];
  *r = static_cast<float>(s);
  return 0;
}

int cublasSasum_v2(cublasHandle_t, int n, const float* x, int incx, float* r) {
  if (incx != 1) return kInvalid;
  double s = 0;
  for (int i = 0; i < n; i++) s += std::fabs(x[i]);
  *r = static_cast<float>(s);
  return 0;
}
}
