// A stand-in for libcudnn.so.9 used by the CUDA backend's CPU emulation tests: cuDNN's legacy
// convolution API in plain loops. 4-d NCHW tensors and filters, groups, padding, stride, dilation,
// cross-correlation (or convolution, the kernel flipped), and cuDNN's blending y = alpha conv +
// beta y, where beta = 0 ignores what y held (NaN included). Tensors are float32, binary16 or
// bfloat16 (16-bit words), x, w and y of one type, summed in float32 or wider (the convolution
// descriptor's compute type must be FLOAT); a 16-bit result is rounded once, to nearest even, with
// overflow to infinity and binary16's subnormals. Arguments are checked as cuDNN 9 checks them: a
// null pointer, a descriptor not made here or not set, mismatched data types or shapes, or a
// workspace smaller than the algorithm needs give CUDNN_STATUS_BAD_PARAM; a layout, type or
// algorithm this stand-in lacks gives CUDNN_STATUS_NOT_SUPPORTED.
//
// The Find functions list four algorithms per direction, fastest first, with made-up times that
// grow with the work: a tensor-op one (non-deterministic), an FMA one (non-deterministic), a
// deterministic FMA one, and one that is not supported here, last, as cuDNN lists failures:
//   forward          IMPLICIT_PRECOMP_GEMM (1)  IMPLICIT_GEMM (0)  GEMM (2, workspace)    FFT (4)
//   backward data    WINOGRAD_NONFUSED (5)      ALGO_0 (0)         ALGO_1 (1, workspace)  FFT (2)
//   backward filter  ALGO_3 (3, workspace)      ALGO_0 (0, workspace)  ALGO_1 (1, workspace)  FFT (2)
// The tensor-op one is listed whatever the descriptor's math type, so that a caller's own filter
// is what keeps it out; it rounds float32 operands to TF32 unless the descriptor asks for FMA math.
// The non-deterministic ones add float32 partial sums (per input channel, per output channel, per
// block of images) in the order the emulated driver runs blocks (CORTADO_EMU_BLOCK_ORDER=reverse
// reverses it, read at each call), as atomics on a GPU add them in no fixed order; the
// deterministic ones sum in double in a fixed order. An algorithm with a workspace keeps its
// intermediate results there (image columns, or a partial filter gradient per block of images),
// so a workspace smaller than it claims is written past.
// While fake_cuda captures the handle's stream (cudnnSetStream), a call is recorded there
// (cortado_emu_capture) with alpha and beta read at once, and runs at graph launch.
#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <vector>

namespace {
// cudnnStatus_t (cuDNN 9)
const int kSuccess = 0, kBadParam = 2000, kNotSupported = 3000;
// cudnnDataType_t
const int kFloat = 0, kHalf = 2, kBfloat16 = 9, kLastDataType = 21;
// cudnnTensorFormat_t
const int kNCHW = 0, kLastFormat = 2;
// cudnnConvolutionMode_t
const int kConvolution = 0, kCrossCorrelation = 1;
// cudnnMathType_t
const int kDefaultMath = 0, kTensorOpMath = 1, kFmaMath = 3;
// cudnnDeterminism_t
const int kNonDeterministic = 0, kDeterministic = 1;

struct Handle {
  void* stream = nullptr;
};
struct Tensor {
  bool set = false;
  int type = 0, format = 0, n = 0, c = 0, h = 0, w = 0;
};
struct Conv {
  bool set = false;
  int padH = 0, padW = 0, strideH = 1, strideW = 1, dilH = 1, dilW = 1, mode = kCrossCorrelation, compute = kFloat;
  int groups = 1, math = kDefaultMath;
};
// Filters have the tensor's fields (k in n); a type of their own keeps the registries apart.
struct Filter : Tensor {};

// What this library made and has not destroyed: anything else passed in is refused.
std::set<Handle*> handles;
std::set<Tensor*> tensors;
std::set<Filter*> filters;
std::set<Conv*> convs;

// cudnnConvolutionFwdAlgoPerf_t, BwdDataAlgoPerf_t and BwdFilterAlgoPerf_t share this layout.
struct AlgoPerf {
  int algo;
  int status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

enum Direction { kForward, kBackwardData, kBackwardFilter };
const int kAlgoCount[3] = {8, 6, 7};  // the enums' COUNT: a larger number is not an algorithm

/** One convolution's sizes, checked against each other. */
struct Geom {
  int N, C, H, W, K, Cg, Kg, R, S, P, Q, padH, padW, sh, sw, dh, dw, G;
  int type;
  bool flip;  // convolution mode: the kernel is applied flipped
  int descMath;
  size_t xCount() const { return size_t(N) * C * H * W; }
  size_t wCount() const { return size_t(K) * Cg * R * S; }
  size_t yCount() const { return size_t(N) * K * P * Q; }
  size_t colCount() const { return size_t(C) * R * S * P * Q; }  // one image's columns
  double flops() const { return 2.0 * N * K * P * Q * Cg * R * S; }
};

/** The four algorithms listed for a direction, fastest first. */
struct Algo {
  int algo, status, determinism;
  bool tensorOp;
  double speed;  // time relative to the FMA one
};
const Algo kAlgos[3][4] = {
    {{1, kSuccess, kNonDeterministic, true, 0.55}, {0, kSuccess, kNonDeterministic, false, 1},
     {2, kSuccess, kDeterministic, false, 1.6}, {4, kNotSupported, kDeterministic, false, 0}},
    {{5, kSuccess, kNonDeterministic, true, 0.6}, {0, kSuccess, kNonDeterministic, false, 1},
     {1, kSuccess, kDeterministic, false, 1.8}, {2, kNotSupported, kDeterministic, false, 0}},
    {{3, kSuccess, kNonDeterministic, true, 0.5}, {0, kSuccess, kNonDeterministic, false, 1},
     {1, kSuccess, kDeterministic, false, 2.1}, {2, kNotSupported, kDeterministic, false, 0}},
};

const Algo* findAlgo(Direction d, int algo) {
  for (const auto& a : kAlgos[d]) {
    if (a.algo == algo) return &a;
  }
  return nullptr;
}

/** The images per block of backward filter's non-deterministic algorithms: partial sums per block. */
int filterBlocks(const Geom& g) { return g.N < 4 ? g.N : 4; }

/** Workspace bytes that `algo` needs (it keeps float32 intermediates there). */
size_t workspaceBytes(Direction d, int algo, const Geom& g) {
  if (d == kForward) return algo == 2 ? g.colCount() * sizeof(float) : 0;
  if (d == kBackwardData) return algo == 1 ? g.colCount() * sizeof(float) : 0;
  if (algo == 1) return g.colCount() * sizeof(float);
  return algo == 0 || algo == 3 ? size_t(filterBlocks(g)) * g.wCount() * sizeof(float) : 0;
}

// ---- 16-bit formats: `mant` stored mantissa bits, exponent bias `emax`, subnormals below 1 - emax

/** Rounds v to the nearest value of the format, ties to even, and returns its bits. */
uint16_t roundTo16(double v, int mant, int emax) {
  const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const uint16_t expMask = static_cast<uint16_t>(((1 << (15 - mant)) - 1) << mant);
  if (std::isnan(v)) return expMask | static_cast<uint16_t>(1 << (mant - 1));  // the quiet NaN
  const double a = std::fabs(v);
  if (a == 0) return sign;
  if (std::isinf(a)) return sign | expMask;
  int e;
  std::frexp(a, &e);  // a = f 2^e with f in [0.5, 1): the binade 2^(e - 1)
  int exp = e - 1 < 1 - emax ? 1 - emax : e - 1;
  double q = std::nearbyint(std::ldexp(a, mant - exp));  // in units of the last place; ties to even
  if (q >= std::ldexp(1.0, mant + 1)) {  // rounded up into the next binade
    q /= 2;
    exp++;
  }
  if (exp > emax) return sign | expMask;  // overflow: infinity
  const unsigned m = static_cast<unsigned>(q);
  if (m < (1u << mant)) return sign | static_cast<uint16_t>(m);  // subnormal (or zero)
  return sign | static_cast<uint16_t>(((exp + emax) << mant) | (m - (1u << mant)));
}

double from16(uint16_t b, int mant, int emax) {
  const int expField = (b >> mant) & ((1 << (15 - mant)) - 1);
  const int m = b & ((1 << mant) - 1);
  const double s = (b & 0x8000) ? -1 : 1;
  if (expField == (1 << (15 - mant)) - 1) return m ? NAN : s * INFINITY;
  if (expField == 0) return s * std::ldexp(m, 1 - emax - mant);
  return s * std::ldexp(m + (1 << mant), expField - emax - mant);
}

double load(const void* p, size_t i, int type) {
  if (type == kFloat) return static_cast<const float*>(p)[i];
  const uint16_t b = static_cast<const uint16_t*>(p)[i];
  return type == kHalf ? from16(b, 10, 15) : from16(b, 7, 127);
}

void store(void* p, size_t i, int type, double v) {
  if (type == kFloat) static_cast<float*>(p)[i] = static_cast<float>(v);
  else static_cast<uint16_t*>(p)[i] = type == kHalf ? roundTo16(v, 10, 15) : roundTo16(v, 7, 127);
}

/** A float32 operand as a tensor core reads it in TF32: 10 mantissa bits, to nearest, ties away. */
double tf32(double v) {
  float f = static_cast<float>(v);
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u) return v;
  u = (u + 0x1000u) & ~0x1fffu;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/** A whole tensor as doubles, rounded to TF32 when the algorithm reads it so. */
std::vector<double> loadAll(const void* p, size_t n, int type, bool toTf32) {
  std::vector<double> out(n);
  for (size_t i = 0; i < n; i++) out[i] = toTf32 ? tf32(load(p, i, type)) : load(p, i, type);
  return out;
}

/** y[i] = alpha v + beta y[i]; beta = 0 does not read y. */
void blend(void* y, size_t i, int type, double v, float alpha, float beta) {
  store(y, i, type, beta == 0 ? alpha * v : alpha * v + beta * load(y, i, type));
}

bool reversedOrder() {
  const char* order = getenv("CORTADO_EMU_BLOCK_ORDER");
  return order && strcmp(order, "reverse") == 0;
}

/** Runs `step` now, or records it when fake_cuda is capturing `stream`. */
void runOrRecord(void* stream, std::function<void()> step) {
  static auto capture = reinterpret_cast<int (*)(void*, std::function<void()>*)>(dlsym(RTLD_DEFAULT, "cortado_emu_capture"));
  if (!(capture && capture(stream, &step))) step();
}

bool validDims(int n, int c, int h, int w) {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return false;
  return double(n) * c * h * w <= 2147483647.0;
}

/** Checks one convolution's descriptors against each other and fills `g`. */
int describe(Handle* handle, const Tensor* x, const Filter* w, const Conv* conv, const Tensor* y, Geom& g) {
  if (!handles.count(handle) || !tensors.count(const_cast<Tensor*>(x)) || !tensors.count(const_cast<Tensor*>(y)) ||
      !filters.count(const_cast<Filter*>(w)) || !convs.count(const_cast<Conv*>(conv)))
    return kBadParam;
  if (!x->set || !y->set || !w->set || !conv->set) return kBadParam;
  if (x->type != w->type || y->type != x->type) return kBadParam;
  if (x->format != kNCHW || y->format != kNCHW || w->format != kNCHW) return kNotSupported;
  if ((x->type != kFloat && x->type != kHalf && x->type != kBfloat16) || conv->compute != kFloat) return kNotSupported;
  const int G = conv->groups;
  if (w->c * G != x->c || w->n % G != 0) return kBadParam;
  const int effR = (w->h - 1) * conv->dilH + 1, effS = (w->w - 1) * conv->dilW + 1;
  if (effR > x->h + 2 * conv->padH || effS > x->w + 2 * conv->padW) return kBadParam;
  const int P = (x->h + 2 * conv->padH - effR) / conv->strideH + 1;
  const int Q = (x->w + 2 * conv->padW - effS) / conv->strideW + 1;
  if (y->n != x->n || y->c != w->n || y->h != P || y->w != Q) return kBadParam;
  g = Geom{x->n, x->c, x->h, x->w, w->n, w->c, w->n / G, w->h, w->w, P, Q, conv->padH, conv->padW,
           conv->strideH, conv->strideW, conv->dilH, conv->dilW, G, x->type, conv->mode == kConvolution, conv->math};
  return kSuccess;
}

/** The input row and column that kernel tap (r, s) of output (p, q) reads; false in the padding. */
inline bool tap(const Geom& g, int p, int q, int r, int s, int& h, int& w) {
  h = p * g.sh - g.padH + r * g.dh;
  w = q * g.sw - g.padW + s * g.dw;
  return h >= 0 && h < g.H && w >= 0 && w < g.W;
}

/** Index of w[k][c][r][s], c within k's group, the kernel flipped in convolution mode. */
inline size_t wIndex(const Geom& g, int k, int c, int r, int s) {
  if (g.flip) {
    r = g.R - 1 - r;
    s = g.S - 1 - s;
  }
  return ((size_t(k) * g.Cg + c) * g.R + r) * g.S + s;
}

/** One image's columns [C][R][S][P][Q] (zero in the padding) into `col`. */
void im2col(const Geom& g, const std::vector<double>& x, int n, float* col) {
  size_t i = 0;
  for (int c = 0; c < g.C; c++)
    for (int r = 0; r < g.R; r++)
      for (int s = 0; s < g.S; s++)
        for (int p = 0; p < g.P; p++)
          for (int q = 0; q < g.Q; q++) {
            int h, w;
            col[i++] = tap(g, p, q, r, s, h, w) ? static_cast<float>(x[((size_t(n) * g.C + c) * g.H + h) * g.W + w]) : 0.0f;
          }
}

/** Whether the algorithm reads float32 operands as TF32. */
bool readsTf32(const Algo& a, const Geom& g) { return a.tensorOp && g.type == kFloat && g.descMath != kFmaMath; }

// ---- the three directions, once arguments are checked

void forward(const Geom& g, const Algo& a, const void* xp, const void* wp, void* yp, void* ws, float alpha, float beta) {
  const bool t = readsTf32(a, g);
  const std::vector<double> x = loadAll(xp, g.xCount(), g.type, t), w = loadAll(wp, g.wCount(), g.type, t);
  if (a.determinism == kDeterministic) {  // GEMM: columns in the workspace, sums in double
    float* col = static_cast<float*>(ws);
    const size_t rs = size_t(g.R) * g.S, pq = size_t(g.P) * g.Q;
    for (int n = 0; n < g.N; n++) {
      im2col(g, x, n, col);
      for (int k = 0; k < g.K; k++) {
        const int gi = k / g.Kg;
        for (size_t o = 0; o < pq; o++) {
          double sum = 0;
          for (int c = 0; c < g.Cg; c++)
            for (int r = 0; r < g.R; r++)
              for (int s = 0; s < g.S; s++)
                sum += w[wIndex(g, k, c, r, s)] * col[((size_t(gi) * g.Cg + c) * rs + size_t(r) * g.S + s) * pq + o];
          blend(yp, (size_t(n) * g.K + k) * pq + o, g.type, sum, alpha, beta);
        }
      }
    }
    return;
  }
  // Implicit GEMM: one float32 partial sum per input channel, added in block order.
  const bool reverse = reversedOrder();
  std::vector<float> part(g.Cg);
  for (int n = 0; n < g.N; n++)
    for (int k = 0; k < g.K; k++) {
      const int c0 = (k / g.Kg) * g.Cg;
      for (int p = 0; p < g.P; p++)
        for (int q = 0; q < g.Q; q++) {
          for (int c = 0; c < g.Cg; c++) {
            double s1 = 0;
            for (int r = 0; r < g.R; r++)
              for (int s = 0; s < g.S; s++) {
                int h, wc;
                if (tap(g, p, q, r, s, h, wc)) s1 += x[((size_t(n) * g.C + c0 + c) * g.H + h) * g.W + wc] * w[wIndex(g, k, c, r, s)];
              }
            part[c] = static_cast<float>(s1);
          }
          float sum = 0;
          for (int i = 0; i < g.Cg; i++) sum += part[reverse ? g.Cg - 1 - i : i];
          blend(yp, ((size_t(n) * g.K + k) * g.P + p) * g.Q + q, g.type, sum, alpha, beta);
        }
    }
}

void backwardData(const Geom& g, const Algo& a, const void* wp, const void* dyp, void* dxp, void* ws, float alpha, float beta) {
  const bool t = readsTf32(a, g);
  const std::vector<double> w = loadAll(wp, g.wCount(), g.type, t), dy = loadAll(dyp, g.yCount(), g.type, t);
  const size_t pq = size_t(g.P) * g.Q, hw = size_t(g.H) * g.W;
  if (a.determinism == kDeterministic) {  // ALGO_1: columns Wᵀ dy in the workspace, then col2im in double
    float* col = static_cast<float*>(ws);
    std::vector<double> dx(size_t(g.C) * hw);
    for (int n = 0; n < g.N; n++) {
      size_t i = 0;
      for (int c = 0; c < g.C; c++) {
        const int gi = c / g.Cg;
        for (int r = 0; r < g.R; r++)
          for (int s = 0; s < g.S; s++)
            for (size_t o = 0; o < pq; o++) {
              double sum = 0;
              for (int k = gi * g.Kg; k < (gi + 1) * g.Kg; k++) sum += w[wIndex(g, k, c - gi * g.Cg, r, s)] * dy[(size_t(n) * g.K + k) * pq + o];
              col[i++] = static_cast<float>(sum);
            }
      }
      std::fill(dx.begin(), dx.end(), 0.0);
      i = 0;
      for (int c = 0; c < g.C; c++)
        for (int r = 0; r < g.R; r++)
          for (int s = 0; s < g.S; s++)
            for (int p = 0; p < g.P; p++)
              for (int q = 0; q < g.Q; q++, i++) {
                int h, wc;
                if (tap(g, p, q, r, s, h, wc)) dx[size_t(c) * hw + size_t(h) * g.W + wc] += col[i];
              }
      for (size_t j = 0; j < dx.size(); j++) blend(dxp, size_t(n) * g.C * hw + j, g.type, dx[j], alpha, beta);
    }
    return;
  }
  // ALGO_0: each output channel adds its float32 contributions to dx, channels in block order.
  const bool reverse = reversedOrder();
  std::vector<float> dx(size_t(g.C) * hw);
  for (int n = 0; n < g.N; n++) {
    std::fill(dx.begin(), dx.end(), 0.0f);
    for (int i = 0; i < g.K; i++) {
      const int k = reverse ? g.K - 1 - i : i;
      const int c0 = (k / g.Kg) * g.Cg;
      for (int p = 0; p < g.P; p++)
        for (int q = 0; q < g.Q; q++) {
          const double d = dy[(size_t(n) * g.K + k) * pq + size_t(p) * g.Q + q];
          for (int c = 0; c < g.Cg; c++)
            for (int r = 0; r < g.R; r++)
              for (int s = 0; s < g.S; s++) {
                int h, wc;
                if (tap(g, p, q, r, s, h, wc)) dx[size_t(c0 + c) * hw + size_t(h) * g.W + wc] += static_cast<float>(d * w[wIndex(g, k, c, r, s)]);
              }
        }
    }
    for (size_t j = 0; j < dx.size(); j++) blend(dxp, size_t(n) * g.C * hw + j, g.type, dx[j], alpha, beta);
  }
}

void backwardFilter(const Geom& g, const Algo& a, const void* xp, const void* dyp, void* dwp, void* ws, float alpha, float beta) {
  const bool t = readsTf32(a, g);
  const std::vector<double> x = loadAll(xp, g.xCount(), g.type, t), dy = loadAll(dyp, g.yCount(), g.type, t);
  const size_t pq = size_t(g.P) * g.Q, rs = size_t(g.R) * g.S;
  if (a.determinism == kDeterministic) {  // ALGO_1: each image's columns in the workspace, sums in double
    float* col = static_cast<float*>(ws);
    std::vector<double> dw(g.wCount(), 0.0);
    for (int n = 0; n < g.N; n++) {
      im2col(g, x, n, col);
      for (int k = 0; k < g.K; k++) {
        const int gi = k / g.Kg;
        for (int c = 0; c < g.Cg; c++)
          for (int r = 0; r < g.R; r++)
            for (int s = 0; s < g.S; s++) {
              const float* cr = col + ((size_t(gi) * g.Cg + c) * rs + size_t(r) * g.S + s) * pq;
              double sum = 0;
              for (size_t o = 0; o < pq; o++) sum += dy[(size_t(n) * g.K + k) * pq + o] * cr[o];
              dw[wIndex(g, k, c, r, s)] += sum;
            }
      }
    }
    for (size_t j = 0; j < dw.size(); j++) blend(dwp, j, g.type, dw[j], alpha, beta);
    return;
  }
  // ALGO_0 and ALGO_3: a float32 partial gradient per block of images in the workspace (image n
  // in block n mod B), then the blocks added in block order.
  const int B = filterBlocks(g);
  float* part = static_cast<float*>(ws);
  std::vector<double> sum(g.wCount());
  for (int b = 0; b < B; b++) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int n = b; n < g.N; n += B)
      for (int k = 0; k < g.K; k++) {
        const int c0 = (k / g.Kg) * g.Cg;
        for (int c = 0; c < g.Cg; c++)
          for (int r = 0; r < g.R; r++)
            for (int s = 0; s < g.S; s++) {
              double v = 0;
              for (int p = 0; p < g.P; p++)
                for (int q = 0; q < g.Q; q++) {
                  int h, wc;
                  if (tap(g, p, q, r, s, h, wc))
                    v += dy[(size_t(n) * g.K + k) * pq + size_t(p) * g.Q + q] * x[((size_t(n) * g.C + c0 + c) * g.H + h) * g.W + wc];
                }
              sum[wIndex(g, k, c, r, s)] += v;
            }
      }
    for (size_t j = 0; j < sum.size(); j++) part[size_t(b) * g.wCount() + j] = static_cast<float>(sum[j]);
  }
  const bool reverse = reversedOrder();
  for (size_t j = 0; j < g.wCount(); j++) {
    float v = 0;
    for (int i = 0; i < B; i++) v += part[size_t(reverse ? B - 1 - i : i) * g.wCount() + j];
    blend(dwp, j, g.type, v, alpha, beta);
  }
}

/** The perf results of a Find call: the listed algorithms, as many as asked for. */
int listAlgos(Direction d, const Geom& g, int requested, int* returned, void* results) {
  if (requested <= 0 || !returned || !results) return kBadParam;
  auto* out = static_cast<AlgoPerf*>(results);
  const int math = g.descMath == kFmaMath ? kFmaMath : kDefaultMath;
  int n = 0;
  for (const auto& a : kAlgos[d]) {
    if (n == requested) break;
    AlgoPerf p{};
    p.algo = a.algo;
    p.status = a.status;
    p.determinism = a.determinism;
    p.mathType = a.tensorOp ? kTensorOpMath : math;
    if (a.status == kSuccess) {
      p.time = static_cast<float>((0.004 + g.flops() * 1e-10) * a.speed);
      p.memory = workspaceBytes(d, a.algo, g);
    } else {
      p.time = -1;
    }
    out[n++] = p;
  }
  *returned = n;
  return kSuccess;
}

/** The checks the three convolution calls share; fills `g` and `algo`. */
int checkCall(Direction d, Handle* handle, const void* alpha, const Tensor* x, const void* xp, const Filter* w, const void* wp,
              const Conv* conv, int algo, void* ws, size_t wsBytes, const void* beta, const Tensor* y, const void* yp,
              Geom& g, const Algo*& a) {
  if (!alpha || !beta || !xp || !wp || !yp) return kBadParam;
  int s = describe(handle, x, w, conv, y, g);
  if (s != kSuccess) return s;
  if (algo < 0 || algo >= kAlgoCount[d]) return kBadParam;
  a = findAlgo(d, algo);
  if (!a || a->status != kSuccess) return kNotSupported;
  const size_t need = workspaceBytes(d, algo, g);
  if (wsBytes < need || (need > 0 && !ws)) return kBadParam;
  return kSuccess;
}
}  // namespace

extern "C" {
typedef Handle* cudnnHandle_t;
typedef Tensor* cudnnTensorDescriptor_t;
typedef Filter* cudnnFilterDescriptor_t;
typedef Conv* cudnnConvolutionDescriptor_t;

size_t cudnnGetVersion() { return 91400; }  // 9.14.0

const char* cudnnGetErrorString(int status) {
  switch (status) {
    case kSuccess: return "CUDNN_STATUS_SUCCESS";
    case kBadParam: return "CUDNN_STATUS_BAD_PARAM";
    case kNotSupported: return "CUDNN_STATUS_NOT_SUPPORTED";
    default: return "CUDNN_STATUS_UNKNOWN (from the CPU emulation of cuDNN)";
  }
}

int cudnnCreate(cudnnHandle_t* handle) {
  if (!handle) return kBadParam;
  *handle = new Handle();
  handles.insert(*handle);
  return kSuccess;
}
int cudnnDestroy(cudnnHandle_t handle) {
  if (!handles.erase(handle)) return kBadParam;
  delete handle;
  return kSuccess;
}
int cudnnSetStream(cudnnHandle_t handle, void* stream) {
  if (!handles.count(handle)) return kBadParam;
  handle->stream = stream;
  return kSuccess;
}
int cudnnGetStream(cudnnHandle_t handle, void** stream) {
  if (!handles.count(handle) || !stream) return kBadParam;
  *stream = handle->stream;
  return kSuccess;
}

int cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* d) {
  if (!d) return kBadParam;
  *d = new Tensor();
  tensors.insert(*d);
  return kSuccess;
}
int cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, int format, int type, int n, int c, int h, int w) {
  if (!tensors.count(d) || format < 0 || format > kLastFormat || type < 0 || type > kLastDataType || !validDims(n, c, h, w)) return kBadParam;
  *d = Tensor{};
  d->set = true;
  d->format = format;
  d->type = type;
  d->n = n, d->c = c, d->h = h, d->w = w;
  return kSuccess;
}
int cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d) {
  if (!d) return kSuccess;
  if (!tensors.erase(d)) return kBadParam;
  delete d;
  return kSuccess;
}

int cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* d) {
  if (!d) return kBadParam;
  *d = new Filter();
  filters.insert(*d);
  return kSuccess;
}
int cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, int type, int format, int k, int c, int h, int w) {
  if (!filters.count(d) || format < 0 || format > kLastFormat || type < 0 || type > kLastDataType || !validDims(k, c, h, w)) return kBadParam;
  d->set = true;
  d->format = format;
  d->type = type;
  d->n = k, d->c = c, d->h = h, d->w = w;
  return kSuccess;
}
int cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d) {
  if (!d) return kSuccess;
  if (!filters.erase(d)) return kBadParam;
  delete d;
  return kSuccess;
}

int cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* d) {
  if (!d) return kBadParam;
  *d = new Conv();
  convs.insert(*d);
  return kSuccess;
}
int cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int padH, int padW, int strideH, int strideW, int dilH,
                                    int dilW, int mode, int computeType) {
  if (!convs.count(d) || padH < 0 || padW < 0 || strideH <= 0 || strideW <= 0 || dilH <= 0 || dilW <= 0 ||
      (mode != kConvolution && mode != kCrossCorrelation) || computeType < 0 || computeType > kLastDataType)
    return kBadParam;
  d->set = true;
  d->padH = padH, d->padW = padW, d->strideH = strideH, d->strideW = strideW, d->dilH = dilH, d->dilW = dilW;
  d->mode = mode;
  d->compute = computeType;
  return kSuccess;
}
int cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups) {
  if (!convs.count(d) || groups <= 0) return kBadParam;
  d->groups = groups;
  return kSuccess;
}
int cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, int math) {
  if (!convs.count(d) || math < kDefaultMath || math > kFmaMath) return kBadParam;
  d->math = math;
  return kSuccess;
}
int cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d) {
  if (!d) return kSuccess;
  if (!convs.erase(d)) return kBadParam;
  delete d;
  return kSuccess;
}
int cudnnGetConvolution2dForwardOutputDim(cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                          int* n, int* c, int* h, int* wd) {
  if (!convs.count(conv) || !tensors.count(x) || !filters.count(w) || !conv->set || !x->set || !w->set || !n || !c || !h || !wd)
    return kBadParam;
  if (w->c * conv->groups != x->c) return kBadParam;
  const int effR = (w->h - 1) * conv->dilH + 1, effS = (w->w - 1) * conv->dilW + 1;
  if (effR > x->h + 2 * conv->padH || effS > x->w + 2 * conv->padW) return kBadParam;
  *n = x->n;
  *c = w->n;
  *h = (x->h + 2 * conv->padH - effR) / conv->strideH + 1;
  *wd = (x->w + 2 * conv->padW - effS) / conv->strideW + 1;
  return kSuccess;
}

int cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t handle, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                         cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, int requested,
                                         int* returned, void* results) {
  Geom g;
  int s = describe(handle, x, w, conv, y, g);
  return s != kSuccess ? s : listAlgos(kForward, g, requested, returned, results);
}
int cudnnFindConvolutionBackwardDataAlgorithm(cudnnHandle_t handle, cudnnFilterDescriptor_t w, cudnnTensorDescriptor_t dy,
                                              cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t dx, int requested,
                                              int* returned, void* results) {
  Geom g;
  int s = describe(handle, dx, w, conv, dy, g);
  return s != kSuccess ? s : listAlgos(kBackwardData, g, requested, returned, results);
}
int cudnnFindConvolutionBackwardFilterAlgorithm(cudnnHandle_t handle, cudnnTensorDescriptor_t x, cudnnTensorDescriptor_t dy,
                                                cudnnConvolutionDescriptor_t conv, cudnnFilterDescriptor_t dw, int requested,
                                                int* returned, void* results) {
  Geom g;
  int s = describe(handle, x, dw, conv, dy, g);
  return s != kSuccess ? s : listAlgos(kBackwardFilter, g, requested, returned, results);
}

int cudnnConvolutionForward(cudnnHandle_t handle, const void* alpha, cudnnTensorDescriptor_t xd, const void* x,
                            cudnnFilterDescriptor_t wd, const void* w, cudnnConvolutionDescriptor_t conv, int algo, void* ws,
                            size_t wsBytes, const void* beta, cudnnTensorDescriptor_t yd, void* y) {
  Geom g;
  const Algo* a = nullptr;
  int s = checkCall(kForward, handle, alpha, xd, x, wd, w, conv, algo, ws, wsBytes, beta, yd, y, g, a);
  if (s != kSuccess) return s;
  const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  runOrRecord(handle->stream, [=] { forward(g, *a, x, w, y, ws, al, be); });
  return kSuccess;
}
int cudnnConvolutionBackwardData(cudnnHandle_t handle, const void* alpha, cudnnFilterDescriptor_t wd, const void* w,
                                 cudnnTensorDescriptor_t dyd, const void* dy, cudnnConvolutionDescriptor_t conv, int algo,
                                 void* ws, size_t wsBytes, const void* beta, cudnnTensorDescriptor_t dxd, void* dx) {
  Geom g;
  const Algo* a = nullptr;
  // dx is the convolution's input, dy its output: the shapes are checked as for forward.
  int s = checkCall(kBackwardData, handle, alpha, dxd, dx, wd, w, conv, algo, ws, wsBytes, beta, dyd, dy, g, a);
  if (s != kSuccess) return s;
  const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  runOrRecord(handle->stream, [=] { backwardData(g, *a, w, dy, dx, ws, al, be); });
  return kSuccess;
}
int cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void* alpha, cudnnTensorDescriptor_t xd, const void* x,
                                   cudnnTensorDescriptor_t dyd, const void* dy, cudnnConvolutionDescriptor_t conv, int algo,
                                   void* ws, size_t wsBytes, const void* beta, cudnnFilterDescriptor_t dwd, void* dw) {
  Geom g;
  const Algo* a = nullptr;
  int s = checkCall(kBackwardFilter, handle, alpha, xd, x, dwd, dw, conv, algo, ws, wsBytes, beta, dyd, dy, g, a);
  if (s != kSuccess) return s;
  const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  runOrRecord(handle->stream, [=] { backwardFilter(g, *a, x, dy, dw, ws, al, be); });
  return kSuccess;
}
}
