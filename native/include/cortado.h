// The seam between the Node-API glue (native/src) and the float32 kernels (native/kernels).
//
// The kernels are compiled three times, once per instruction set (CORTADO_ISA = avx512, avx2,
// portable), each copy in its own namespace so that no inline function or template compiled with
// wide-vector flags can be picked by the linker for code that runs on an older CPU. Each copy
// fills a `Kernels` table of plain function pointers; dispatch.cc picks one table at load time.
//
// Semantics of every entry are those of the method of the same name in src/backend/backend.ts.
// Pointers are element 0 of the caller's Float32Array views (zero copy); the glue has checked
// every length before a kernel runs, so kernels trust their arguments.
#pragma once
#include <stdint.h>

namespace cortado {

// Field order is the order in which src/backend/native/native-backend.ts packs the geometry.
struct ConvGeom {
  int32_t num, channels, height, width, numOutput, group, kernelH, kernelW, strideH, strideW,
      padH, padW, dilationH, dilationW, outH, outW;
};
struct PoolGeom {
  int32_t num, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW;
};
struct ClassGeom {
  int32_t outer, classes, inner;
};
// LRN's shape and constants (backend.ts LRNGeom); size is odd, within is 0 or 1.
struct LRNGeom {
  int32_t num, channels, height, width, size, within;
  float alpha, beta, k;
};

enum BinaryOp : int32_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum UnaryOp : int32_t { kExp = 0, kLog = 1, kAbs = 2, kSign = 3, kPowx = 4, kAddScalar = 5 };
enum NeuronOp : int32_t { kIdentity = 0, kRelu = 1, kLrelu = 2, kSigmoid = 3, kTanh = 4, kExpNeuron = 5, kErf = 6, kGelu = 7, kGeluTanh = 8 };
enum PoolMethod : int32_t { kMaxPool = 0, kMeanPool = 1 };
enum Normalization : int32_t { kValid = 0, kBatch = 1, kFull = 2, kNoNorm = 3 };

struct Kernels {
  const char* isa;

  void (*set)(int64_t n, float alpha, float* y);
  void (*copy)(int64_t n, const float* x, float* y);
  void (*scal)(int64_t n, float alpha, float* x);
  void (*axpy)(int64_t n, float alpha, const float* x, float* y);
  void (*axpby)(int64_t n, float alpha, const float* x, float beta, float* y);
  double (*dot)(int64_t n, const float* x, const float* y);
  double (*asum)(int64_t n, const float* x);

  void (*gemm)(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, const float* B, float beta, float* C);
  void (*gemv)(bool transA, int64_t M, int64_t N, float alpha, const float* A, const float* x,
               float beta, float* y);
  // `batch` gemms of matrices stored one after another: A_i at i M K, B_i at i K N, C_i at i M N.
  void (*gemmBatched)(int64_t batch, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, const float* B, float beta, float* C);

  void (*binary)(BinaryOp op, int64_t n, const float* a, const float* b, float* y);
  void (*unary)(UnaryOp op, int64_t n, const float* a, float p, float* y);
  void (*clamp)(int64_t n, float lo, float hi, const float* x, float* y);
  void (*where)(int64_t n, float lo, float hi, const float* x, const float* a, const float* b, float* y);

  // Row gather dst[r] = scale src[index[r]] and scatter-add dst[index[r]] += scale src[r] (rows of
  // rowSize floats; srcRows or dstRows rows on the indexed side). Both return -1, or (nothing
  // written) the position of the first index that is not a row there.
  int64_t (*gather)(int64_t rows, int64_t rowSize, int64_t srcRows, const float* src, const float* index,
                    float scale, float* dst);
  int64_t (*scatterAdd)(int64_t rows, int64_t rowSize, int64_t dstRows, const float* src, const float* index,
                        float scale, float* dst);
  // dst[r dstStride + j] = src[r srcStride + j] (+= when accumulate), r < rows, j < cols; no overlap.
  void (*copy2d)(int64_t rows, int64_t cols, int64_t srcStride, int64_t dstStride, bool accumulate, const float* src,
                 float* dst);

  void (*convForward)(const ConvGeom& g, const float* x, const float* w, float* y);
  void (*convBackwardData)(const ConvGeom& g, const float* dy, const float* w, float* dx);
  void (*convBackwardFilter)(const ConvGeom& g, const float* x, const float* dy, float* dw);
  void (*biasForward)(int64_t outer, int64_t channels, int64_t inner, const float* bias, float* y);
  void (*biasBackward)(int64_t outer, int64_t channels, int64_t inner, const float* dy, float* dbias);

  void (*poolForward)(const PoolGeom& g, PoolMethod method, const float* x, float* y, float* mask);
  void (*poolBackward)(const PoolGeom& g, PoolMethod method, const float* dy, const float* mask,
                       float* dx);
  void (*lrnForward)(const LRNGeom& g, const float* x, float* scale, float* y);
  void (*lrnBackward)(const LRNGeom& g, const float* x, const float* y, const float* scale, const float* dy,
                      float* dx);

  void (*neuronForward)(NeuronOp op, int64_t n, const float* x, float* y, float alpha);
  void (*neuronBackward)(NeuronOp op, int64_t n, const float* y, const float* dy, float* dx,
                         float alpha);

  // Layer normalization of [rows, D] (scale and bias both null, or both D floats) and its input
  // gradient (scale null: g = dy); dx may alias dy.
  void (*layerNormForward)(int64_t rows, int64_t D, float eps, const float* x, const float* scale, const float* bias,
                           float* xhat, float* rstd, float* y);
  void (*layerNormBackward)(int64_t rows, int64_t D, const float* xhat, const float* rstd, const float* dy,
                            const float* scale, float* dx);

  void (*softmaxForward)(const ClassGeom& g, const float* x, float* y);
  void (*softmaxBackward)(const ClassGeom& g, const float* y, const float* dy, float* dx);
  // Both return -1, or the flat [outer, inner] position of the first label that is neither the
  // ignore label nor an integer class in [0, classes): nothing is written then.
  int64_t (*softmaxLossForward)(const ClassGeom& g, const float* prob, const float* label,
                                bool hasIgnore, int32_t ignoreLabel, Normalization norm,
                                float* loss);
  int64_t (*softmaxLossBackward)(const ClassGeom& g, const float* prob, const float* label,
                                 bool hasIgnore, int32_t ignoreLabel, Normalization norm,
                                 float lossWeight, float* dx);
  // y = log softmax(x) = x - max - log sum exp(x - max) over the class axis, and its input gradient
  // dx = dy - exp(y) sum dy from that y; dx may alias dy.
  void (*logSoftmaxForward)(const ClassGeom& g, const float* x, float* y);
  void (*logSoftmaxBackward)(const ClassGeom& g, const float* y, const float* dy, float* dx);

  // y[i] = uniform in [0, 1) from (key, i), key a 32-bit unsigned integer (src/backend/js/random.ts).
  void (*randomUniform)(int64_t n, int64_t key, float* y);
  void (*dropoutForward)(int64_t n, const float* x, const float* rand, float ratio, float scale,
                         float* y);
  void (*sgdUpdate)(int64_t n, float* w, const float* diff, float* hist, float lr, float momentum,
                    float decay, bool l1);
};

namespace avx512 { const Kernels* table(); }
namespace avx2 { const Kernels* table(); }
namespace portable { const Kernels* table(); }

// The table for the best instruction set this CPU supports (CORTADO_NATIVE_ISA=portable|avx2|avx512
// in the environment caps it, for testing the narrower paths on a wide machine).
const Kernels& kernels();

}  // namespace cortado
