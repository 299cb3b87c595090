// A stand-in for libcublas.so used by the CUDA backend's CPU emulation tests: plain loops with
// cuBLAS's column-major conventions and argument checks (a wrong leading dimension fails with
// CUBLAS_STATUS_INVALID_VALUE, as the real library does).
#include <cmath>

extern "C" {
typedef void* cublasHandle_t;
const int kInvalid = 7;

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
  return 0;
}

int cublasSgemv_v2(cublasHandle_t, int trans, int m, int n, const float* alpha, const float* A, int lda, const float* x,
                   int incx, const float* beta, float* y, int incy) {
  if (m < 0 || n < 0 || lda < atLeast1(m) || incx != 1 || incy != 1) return kInvalid;
  int rows = trans ? n : m, inner = trans ? m : n;
  for (int r = 0; r < rows; r++) {
    double s = 0;
    for (int l = 0; l < inner; l++) s += static_cast<double>(trans ? A[l + r * lda] : A[r + l * lda]) * x[l];
    y[r] = *beta == 0 ? static_cast<float>(*alpha * s) : static_cast<float>(*alpha * s + *beta * y[r]);
  }
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
