// Convolution through cuDNN's legacy convolution API: one plan per geometry and data format holds
// the descriptors and the fastest algorithm cuDNN measured for each direction. Float32 plans use
// plain fp32 math unless TF32 is on; 16-bit plans (binary16 or bfloat16 tensors, for mixed
// precision) sum in float32 and may use tensor cores.
#include "addon.h"

#include <memory>

struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  int fwdAlgo = 0, bwdDataAlgo = 0, bwdFilterAlgo = 0;
  size_t workspace = 0;
  /** 0 float32, 1 binary16, 2 bfloat16: the tensors' format. */
  int format = 0;
};

namespace {

const size_t kMaxWorkspace = size_t(1) << 30;

const int kDeterministic = 1;  // cudnnDeterminism_t's CUDNN_DETERMINISTIC

// The first (fastest) result that succeeded, fits the workspace limit, for a float32 plan unless
// TF32 is allowed ran in plain fp32, and when the device was started deterministic gives the same
// bits every run (no atomics across blocks).
bool pick(const cudnnConvAlgoPerf* perf, int n, bool tensorOpAllowed, int& algo, size_t& memory, float& ms) {
  for (int i = 0; i < n; i++) {
    const auto& p = perf[i];
    bool tensorOp = p.mathType == CUDNN_TENSOR_OP_MATH || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > kMaxWorkspace || (tensorOp && !tensorOpAllowed)) continue;
    if (S.deterministic && p.determinism != kDeterministic) continue;
    algo = p.algo;
    memory = p.memory;
    ms = p.time;
    return true;
  }
  return false;
}

ConvPlan* planOf(napi_env env, napi_value v, const char* fn) {
  int id = -1;
  if (!getInt(env, v, id, fn, 0)) return nullptr;
  if (!S.dnn || id < 0 || id >= static_cast<int>(S.plans.size())) {
    throwError(env, std::string("cortado_cuda.") + fn + ": no cuDNN convolution plan " + std::to_string(id));
    return nullptr;
  }
  return S.plans[id];
}

}  // namespace

/**
 * convPlan(num, channels, height, width, numOutput, kernelH, kernelW, padH, padW, strideH,
 * strideW, dilationH, dilationW, group, outH, outW, format) -> [planId, workspaceBytes, forward
 * algorithm, backward-data algorithm, backward-filter algorithm, and the three times cuDNN
 * measured in ms]. format: 0 float32, 1 binary16, 2 bfloat16 (x, w and y alike; float32 sums).
 */
napi_value ConvPlanCreate(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  if (!getArgs(env, info, 17, argv, "convPlan") || !readyOrThrow(env, "convPlan")) return nullptr;
  if (!S.dnn) {
    throwError(env, "cortado_cuda.convPlan: cuDNN is not loaded");
    return nullptr;
  }
  int g[17];
  for (int i = 0; i < 17; i++) {
    if (!getInt(env, argv[i], g[i], "convPlan", i)) return nullptr;
  }
  const int format = g[16];
  if (format < 0 || format > 2) {
    throwError(env, "cortado_cuda.convPlan: format must be 0 (float32), 1 (binary16) or 2 (bfloat16), found " + std::to_string(format));
    return nullptr;
  }
  const int type = format == 0 ? CUDNN_DATA_FLOAT : format == 1 ? CUDNN_DATA_HALF : CUDNN_DATA_BFLOAT16;
  const bool tensorOp = format != 0 || S.tf32;
  const int num = g[0], channels = g[1], height = g[2], width = g[3], numOutput = g[4], kh = g[5],
            kw = g[6], padH = g[7], padW = g[8], strideH = g[9], strideW = g[10], dilH = g[11],
            dilW = g[12], group = g[13], outH = g[14], outW = g[15];
  auto& d = S.libs.cudnn;
  std::unique_ptr<ConvPlan> owner(new ConvPlan());  // released into S.plans once complete
  ConvPlan* p = owner.get();
  p->format = format;
  bool ok =
      cudnnOk(env, d.cudnnCreateTensorDescriptor(&p->x), "cudnnCreateTensorDescriptor") &&
      cudnnOk(env, d.cudnnCreateTensorDescriptor(&p->y), "cudnnCreateTensorDescriptor") &&
      cudnnOk(env, d.cudnnCreateFilterDescriptor(&p->w), "cudnnCreateFilterDescriptor") &&
      cudnnOk(env, d.cudnnCreateConvolutionDescriptor(&p->conv), "cudnnCreateConvolutionDescriptor") &&
      cudnnOk(env, d.cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, type, num, channels, height, width),
              "cudnnSetTensor4dDescriptor(bottom)") &&
      cudnnOk(env, d.cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, type, num, numOutput, outH, outW),
              "cudnnSetTensor4dDescriptor(top)") &&
      cudnnOk(env, d.cudnnSetFilter4dDescriptor(p->w, type, CUDNN_TENSOR_NCHW, numOutput, channels / group, kh, kw),
              "cudnnSetFilter4dDescriptor") &&
      cudnnOk(env, d.cudnnSetConvolution2dDescriptor(p->conv, padH, padW, strideH, strideW, dilH, dilW,
                                                     CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor") &&
      cudnnOk(env, d.cudnnSetConvolutionGroupCount(p->conv, group), "cudnnSetConvolutionGroupCount") &&
      cudnnOk(env, d.cudnnSetConvolutionMathType(p->conv, format != 0 ? CUDNN_TENSOR_OP_MATH : S.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
              "cudnnSetConvolutionMathType");
  if (!ok) return nullptr;

  cudnnConvAlgoPerf perf[16];
  int n = 0;
  size_t fwdMem = 0, dataMem = 0, filterMem = 0;
  float ms[3] = {0, 0, 0};
  if (!cudnnOk(env, d.cudnnFindConvolutionForwardAlgorithm(S.dnn, p->x, p->w, p->conv, p->y, 16, &n, perf),
               "cudnnFindConvolutionForwardAlgorithm"))
    return nullptr;
  if (!pick(perf, n, tensorOp, p->fwdAlgo, fwdMem, ms[0])) {
    throwError(env, "cuDNN: no usable forward convolution algorithm for this geometry");
    return nullptr;
  }
  if (!cudnnOk(env, d.cudnnFindConvolutionBackwardDataAlgorithm(S.dnn, p->w, p->y, p->conv, p->x, 16, &n, perf),
               "cudnnFindConvolutionBackwardDataAlgorithm"))
    return nullptr;
  if (!pick(perf, n, tensorOp, p->bwdDataAlgo, dataMem, ms[1])) {
    throwError(env, "cuDNN: no usable backward-data convolution algorithm for this geometry");
    return nullptr;
  }
  if (!cudnnOk(env, d.cudnnFindConvolutionBackwardFilterAlgorithm(S.dnn, p->x, p->y, p->conv, p->w, 16, &n, perf),
               "cudnnFindConvolutionBackwardFilterAlgorithm"))
    return nullptr;
  if (!pick(perf, n, tensorOp, p->bwdFilterAlgo, filterMem, ms[2])) {
    throwError(env, "cuDNN: no usable backward-filter convolution algorithm for this geometry");
    return nullptr;
  }
  p->workspace = fwdMem > dataMem ? fwdMem : dataMem;
  if (filterMem > p->workspace) p->workspace = filterMem;
  S.plans.push_back(owner.release());
  napi_value out;
  napi_create_array_with_length(env, 8, &out);
  const double values[8] = {static_cast<double>(S.plans.size() - 1), static_cast<double>(p->workspace),
                            static_cast<double>(p->fwdAlgo), static_cast<double>(p->bwdDataAlgo),
                            static_cast<double>(p->bwdFilterAlgo), ms[0], ms[1], ms[2]};
  for (uint32_t i = 0; i < 8; i++) napi_set_element(env, out, i, makeNumber(env, values[i]));
  return out;
}

// The three directions share one argument shape: (plan, a, b, out, workspace, workspaceBytes).
static bool convArgs(napi_env env, napi_callback_info info, const char* fn, ConvPlan*& plan,
                     CUdeviceptr ptrs[4], double& wsBytes) {
  napi_value argv[6];
  if (!getArgs(env, info, 6, argv, fn) || !readyOrThrow(env, fn)) return false;
  plan = planOf(env, argv[0], fn);
  if (!plan) return false;
  for (int i = 0; i < 4; i++) {
    if (!getPtr(env, argv[i + 1], ptrs[i], fn, i + 1)) return false;
  }
  if (!getNumber(env, argv[5], wsBytes, fn, 5)) return false;
  if (wsBytes < static_cast<double>(plan->workspace)) {
    throwError(env, std::string("cortado_cuda.") + fn + ": the workspace holds " + std::to_string(static_cast<size_t>(wsBytes)) +
                        " bytes, cuDNN needs " + std::to_string(plan->workspace) +
                        " (size it with convWorkspaceSize for the same geometry)");
    return false;
  }
  return true;
}

/** convForward(plan, x, w, y, workspace, workspaceBytes): y = conv(x, w). */
napi_value ConvForward(napi_env env, napi_callback_info info) {
  ConvPlan* p;
  CUdeviceptr a[4];
  double ws;
  if (!convArgs(env, info, "convForward", p, a, ws)) return nullptr;
  const float one = 1, zero = 0;
  cudnnStatus_t s = S.libs.cudnn.cudnnConvolutionForward(
      S.dnn, &one, p->x, reinterpret_cast<void*>(a[0]), p->w, reinterpret_cast<void*>(a[1]), p->conv,
      p->fwdAlgo, reinterpret_cast<void*>(a[3]), static_cast<size_t>(ws), &zero, p->y, reinterpret_cast<void*>(a[2]));
  if (!cudnnOk(env, s, "cudnnConvolutionForward")) return nullptr;
  return undefinedValue(env);
}

/** convBackwardData(plan, dy, w, dx, workspace, workspaceBytes): dx = conv_transpose(dy, w). */
napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  ConvPlan* p;
  CUdeviceptr a[4];
  double ws;
  if (!convArgs(env, info, "convBackwardData", p, a, ws)) return nullptr;
  const float one = 1, zero = 0;
  cudnnStatus_t s = S.libs.cudnn.cudnnConvolutionBackwardData(
      S.dnn, &one, p->w, reinterpret_cast<void*>(a[1]), p->y, reinterpret_cast<void*>(a[0]), p->conv,
      p->bwdDataAlgo, reinterpret_cast<void*>(a[3]), static_cast<size_t>(ws), &zero, p->x, reinterpret_cast<void*>(a[2]));
  if (!cudnnOk(env, s, "cudnnConvolutionBackwardData")) return nullptr;
  return undefinedValue(env);
}

/**
 * convBackwardFilter(plan, x, dy, dw, workspace, workspaceBytes): dw += correlation(x, dy) for a
 * float32 plan; a 16-bit plan writes dw = correlation(x, dy) (its caller adds it to float32 sums).
 */
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  ConvPlan* p;
  CUdeviceptr a[4];
  double ws;
  if (!convArgs(env, info, "convBackwardFilter", p, a, ws)) return nullptr;
  const float one = 1, beta = p->format == 0 ? 1.0f : 0.0f;
  cudnnStatus_t s = S.libs.cudnn.cudnnConvolutionBackwardFilter(
      S.dnn, &one, p->x, reinterpret_cast<void*>(a[0]), p->y, reinterpret_cast<void*>(a[1]), p->conv,
      p->bwdFilterAlgo, reinterpret_cast<void*>(a[3]), static_cast<size_t>(ws), &beta, p->w, reinterpret_cast<void*>(a[2]));
  if (!cudnnOk(env, s, "cudnnConvolutionBackwardFilter")) return nullptr;
  return undefinedValue(env);
}
