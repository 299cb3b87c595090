// CUDA graphs: capture the work a stretch of calls queues, then launch it again as one graph.
//
// captureBegin waits for the device, then points every queued call (kernels, memsets, device
// copies, cuBLAS, cuDNN) at a non-blocking capture stream and starts a thread-local capture there,
// so that a call that cannot be captured (a synchronous copy, an allocation) fails instead of
// running outside the graph. captureEnd ends it, points the calls back at the legacy stream and
// instantiates the graph; graphLaunch queues it on the legacy stream, in order with everything
// else. cuBLAS gets a workspace of its own first, so that it allocates nothing while captured.
#include "addon.h"

namespace {

constexpr size_t kBlasWorkspace = size_t(32) << 20;

// cublasSetStream puts cuBLAS back on its default workspace pool, so the capture stream gets
// the workspace again each time; back on the legacy stream cuBLAS keeps its default.
bool pointCallsAt(napi_env env, CUstream stream) {
  S.stream = stream;
  if (!blasOk(env, S.libs.cublas.cublasSetStream_v2(S.blas, stream), "cublasSetStream")) return false;
  if (stream && !blasOk(env, S.libs.cublas.cublasSetWorkspace_v2(S.blas, reinterpret_cast<void*>(S.blasWorkspace), kBlasWorkspace), "cublasSetWorkspace")) return false;
  if (S.dnn && !cudnnOk(env, S.libs.cudnn.cudnnSetStream(S.dnn, stream), "cudnnSetStream")) return false;
  return true;
}

// After a failure: the legacy stream again, with no error of its own to report.
void backToLegacy() {
  S.stream = nullptr;
  S.libs.cublas.cublasSetStream_v2(S.blas, nullptr);
  if (S.dnn) S.libs.cudnn.cudnnSetStream(S.dnn, nullptr);
}

bool graphId(napi_env env, napi_callback_info info, const char* fn, int& id) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, fn) || !readyOrThrow(env, fn) || !getInt(env, argv[0], id, fn, 0)) return false;
  if (id < 0 || id >= static_cast<int>(S.graphs.size()) || !S.graphs[id]) {
    throwError(env, std::string("cortado_cuda.") + fn + ": no graph " + std::to_string(id));
    return false;
  }
  return true;
}

}  // namespace

/** captureBegin(): the calls that follow are captured, not run, until captureEnd. */
napi_value CaptureBegin(napi_env env, napi_callback_info info) {
  if (!readyOrThrow(env, "captureBegin")) return nullptr;
  const auto& cu = S.libs.cu;
  const auto& blas = S.libs.cublas;
  std::string missing = !cu.cuStreamCreate || !cu.cuStreamBeginCapture_v2 || !cu.cuStreamEndCapture || !cu.cuGraphLaunch ||
                                !cu.cuGraphInstantiateWithFlags || !cu.cuGraphExecDestroy || !cu.cuGraphDestroy
                            ? "the driver (" + S.libs.cuPath + ") has no CUDA graph capture (it needs CUDA 11.4 or later)"
                        : !blas.cublasSetStream_v2 || !blas.cublasSetWorkspace_v2
                            ? "cuBLAS (" + S.libs.cublasPath + ") has no cublasSetStream_v2 or cublasSetWorkspace_v2"
                        : S.dnn && !S.libs.cudnn.cudnnSetStream ? "cuDNN (" + S.libs.cudnnPath + ") has no cudnnSetStream"
                                                                : "";
  if (!missing.empty()) {
    throwError(env, "cortado_cuda.captureBegin: " + missing);
    return nullptr;
  }
  if (S.stream) {
    throwError(env, "cortado_cuda.captureBegin: a capture is already in progress");
    return nullptr;
  }
  if (!S.captureStream && !cuOk(env, S.libs.cu.cuStreamCreate(&S.captureStream, CU_STREAM_NON_BLOCKING), "cuStreamCreate")) return nullptr;
  if (!S.blasWorkspace && !cuOk(env, S.libs.cu.cuMemAlloc_v2(&S.blasWorkspace, kBlasWorkspace), "cuMemAlloc (cuBLAS workspace)")) return nullptr;
  // The capture stream does not wait for the legacy stream: let the work queued there finish.
  if (!cuOk(env, S.libs.cu.cuCtxSynchronize(), "cuCtxSynchronize")) return nullptr;
  if (!pointCallsAt(env, S.captureStream)) {
    backToLegacy();
    return nullptr;
  }
  CUresult r = S.libs.cu.cuStreamBeginCapture_v2(S.captureStream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
  if (r != CUDA_SUCCESS) {
    backToLegacy();
    cuOk(env, r, "cuStreamBeginCapture");
    return nullptr;
  }
  return undefinedValue(env);
}

/**
 * captureEnd(keep) -> graph id (keep true), or undefined: ends the capture and points the calls
 * back at the legacy stream; with keep false (the captured calls failed) the graph is discarded.
 */
napi_value CaptureEnd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "captureEnd") || !readyOrThrow(env, "captureEnd")) return nullptr;
  bool keep = false;
  napi_get_value_bool(env, argv[0], &keep);
  if (!S.stream) {
    throwError(env, "cortado_cuda.captureEnd: no capture in progress");
    return nullptr;
  }
  CUgraph graph = nullptr;
  CUresult ended = S.libs.cu.cuStreamEndCapture(S.captureStream, &graph);
  if (!pointCallsAt(env, nullptr)) {
    if (graph) S.libs.cu.cuGraphDestroy(graph);
    return nullptr;
  }
  if (!keep || ended != CUDA_SUCCESS) {
    if (graph) S.libs.cu.cuGraphDestroy(graph);
    if (keep) cuOk(env, ended, "cuStreamEndCapture (a captured call could not be captured)");
    return keep ? nullptr : undefinedValue(env);
  }
  CUgraphExec exec = nullptr;
  CUresult made = S.libs.cu.cuGraphInstantiateWithFlags(&exec, graph, 0);
  S.libs.cu.cuGraphDestroy(graph);
  if (!cuOk(env, made, "cuGraphInstantiateWithFlags")) return nullptr;
  S.graphs.push_back(exec);
  return makeNumber(env, static_cast<double>(S.graphs.size() - 1));
}

/** graphLaunch(id): queues the graph's work on the legacy stream; no wait. */
napi_value GraphLaunch(napi_env env, napi_callback_info info) {
  int id = 0;
  if (!graphId(env, info, "graphLaunch", id)) return nullptr;
  if (S.stream) {
    throwError(env, "cortado_cuda.graphLaunch: a capture is in progress");
    return nullptr;
  }
  if (!cuOk(env, S.libs.cu.cuGraphLaunch(S.graphs[id], nullptr), "cuGraphLaunch")) return nullptr;
  return undefinedValue(env);
}

/** graphDestroy(id): frees the graph (work already queued still runs). */
napi_value GraphDestroy(napi_env env, napi_callback_info info) {
  int id = 0;
  if (!graphId(env, info, "graphDestroy", id)) return nullptr;
  S.libs.cu.cuGraphExecDestroy(S.graphs[id]);
  S.graphs[id] = nullptr;
  return undefinedValue(env);
}
