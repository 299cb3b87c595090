// CUDA graphs: capture the work a stretch of calls queues, then launch it again as one graph.
//
// captureBegin waits for the device, then points every queued call (kernels, memsets, device
// copies, cuBLAS, cuDNN) at a non-blocking capture stream and starts a thread-local capture there,
// so that a call that cannot be captured (a synchronous copy, an allocation) fails instead of
// running outside the graph. captureEnd ends it, points the calls back at the legacy stream and
// instantiates the graph; graphLaunch queues it on the legacy stream, in order with everything
// else. cuBLAS gets a workspace of its own first, so that it allocates nothing while captured.
//
// A graph made for replays with new arguments (captureBegin given stage sizes) also keeps the
// graph node of each kernel it launched, in order, and a page-locked host buffer per upload:
// stageUpload copies into the next one and queues the copy from it, so the graph copies from
// there at each launch, then records the buffer's event. graphRun writes new upload data into
// those buffers (each once the previous launch's copy from it has run, which its event tells:
// the host need not wait for the rest of that launch), gives the kernels their new argument slots
// (cuGraphExecKernelNodeSetParams) and launches.
#include <cstring>

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

void freeStages(std::vector<void*>& stages, std::vector<CUevent>& read) {
  for (void* p : stages) S.libs.cu.cuMemFreeHost(p);
  for (CUevent e : read) S.libs.cu.cuEventDestroy_v2(e);
  stages.clear();
  read.clear();
}

/** Ends the tracking of a capture; the staging buffers are freed unless a graph took them. */
void stopTracking() {
  S.tracking = false;
  S.capturedKernels.clear();
  freeStages(S.pendingStages, S.pendingStageRead);
  S.pendingStageBytes.clear();
  S.stagesUsed = 0;
}

// After a failure: the legacy stream again, with no error of its own to report.
void backToLegacy() {
  stopTracking();
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

void destroyGraph(Graph* g) {
  // The staging buffers may be read by a launch still running.
  if (g->launched && !g->stages.empty()) S.libs.cu.cuEventSynchronize(g->done);
  if (g->exec) S.libs.cu.cuGraphExecDestroy(g->exec);
  if (g->graph) S.libs.cu.cuGraphDestroy(g->graph);
  if (g->done) S.libs.cu.cuEventDestroy_v2(g->done);
  freeStages(g->stages, g->stageRead);
  delete g;
}

/** What a capture for replays with new arguments needs and this driver lacks ("" when nothing). */
std::string missingForReplays() {
  const auto& cu = S.libs.cu;
  if (!cu.cuStreamGetCaptureInfo_v3 && !cu.cuStreamGetCaptureInfo_v2) return "cuStreamGetCaptureInfo (version 2 or 3)";
  if (!cu.cuGraphExecKernelNodeSetParams_v2 && !cu.cuGraphExecKernelNodeSetParams) return "cuGraphExecKernelNodeSetParams";
  if (!cu.cuMemHostAlloc || !cu.cuMemFreeHost) return "cuMemHostAlloc or cuMemFreeHost";
  if (!cu.cuEventCreate || !cu.cuEventRecord || !cu.cuEventRecordWithFlags || !cu.cuEventSynchronize || !cu.cuEventDestroy_v2) {
    return "the event functions (cuEventRecordWithFlags needs CUDA 11.1)";
  }
  return "";
}

}  // namespace

bool noteCapturedKernel(napi_env env, CUfunction fn, const int* dims, int nargs) {
  const auto& cu = S.libs.cu;
  int status = 0;
  unsigned long long id = 0;
  CUgraph graph = nullptr;
  const CUgraphNode* deps = nullptr;
  size_t n = 0;
  CUresult r = cu.cuStreamGetCaptureInfo_v3 ? cu.cuStreamGetCaptureInfo_v3(S.stream, &status, &id, &graph, &deps, nullptr, &n)
                                            : cu.cuStreamGetCaptureInfo_v2(S.stream, &status, &id, &graph, &deps, &n);
  if (!cuOk(env, r, "cuStreamGetCaptureInfo")) return false;
  // On one stream, what the next call depends on is the node just captured.
  if (status != CU_STREAM_CAPTURE_STATUS_ACTIVE || n != 1 || !deps) {
    throwError(env, "cortado_cuda.launch: the captured kernel's graph node cannot be found (capture status " +
                        std::to_string(status) + ", " + std::to_string(n) + " dependencies)");
    return false;
  }
  GraphKernel k{deps[0], fn, {unsigned(dims[0]), unsigned(dims[1]), unsigned(dims[2])},
                {unsigned(dims[3]), unsigned(dims[4]), unsigned(dims[5])}, unsigned(dims[6]), nargs};
  S.capturedKernels.push_back(k);
  return true;
}

/**
 * captureBegin(stageBytes?): the calls that follow are captured, not run, until captureEnd. With
 * stageBytes (an array, maybe empty), the graph is made for graphRun: its kernels are noted, and a
 * page-locked buffer of each size is made for the uploads stageUpload captures, in order.
 */
napi_value CaptureBegin(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (!readyOrThrow(env, "captureBegin")) return nullptr;
  bool tracking = false;
  if (argc >= 1) napi_is_array(env, argv[0], &tracking);
  const auto& cu = S.libs.cu;
  const auto& blas = S.libs.cublas;
  std::string missing = !cu.cuStreamCreate || !cu.cuStreamBeginCapture_v2 || !cu.cuStreamEndCapture || !cu.cuGraphLaunch ||
                                !cu.cuGraphInstantiateWithFlags || !cu.cuGraphExecDestroy || !cu.cuGraphDestroy
                            ? "the driver (" + S.libs.cuPath + ") has no CUDA graph capture (it needs CUDA 11.4 or later)"
                        : !blas.cublasSetStream_v2 || !blas.cublasSetWorkspace_v2
                            ? "cuBLAS (" + S.libs.cublasPath + ") has no cublasSetStream_v2 or cublasSetWorkspace_v2"
                        : S.dnn && !S.libs.cudnn.cudnnSetStream ? "cuDNN (" + S.libs.cudnnPath + ") has no cudnnSetStream"
                                                                : "";
  if (missing.empty() && tracking && !missingForReplays().empty()) {
    missing = "the driver (" + S.libs.cuPath + ") has no " + missingForReplays() + ", which replays with new arguments need";
  }
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
  if (tracking) {
    uint32_t count = 0;
    napi_get_array_length(env, argv[0], &count);
    for (uint32_t i = 0; i < count; i++) {
      napi_value v;
      double bytes = 0;
      napi_get_element(env, argv[0], i, &v);
      void* host = nullptr;
      if (napi_get_value_double(env, v, &bytes) != napi_ok || !(bytes > 0) || bytes != static_cast<double>(static_cast<size_t>(bytes))) {
        stopTracking();
        throwError(env, "cortado_cuda.captureBegin: stage size " + std::to_string(i) + " is not a positive whole number of bytes");
        return nullptr;
      }
      if (!cuOk(env, S.libs.cu.cuMemHostAlloc(&host, static_cast<size_t>(bytes), 0), "cuMemHostAlloc (a graph's upload buffer)")) {
        stopTracking();
        return nullptr;
      }
      S.pendingStages.push_back(host);
      S.pendingStageBytes.push_back(static_cast<size_t>(bytes));
      CUevent read = nullptr;
      if (!cuOk(env, S.libs.cu.cuEventCreate(&read, CU_EVENT_DISABLE_TIMING), "cuEventCreate (a graph's upload buffer)")) {
        stopTracking();
        return nullptr;
      }
      S.pendingStageRead.push_back(read);
    }
  }
  // The capture stream does not wait for the legacy stream: let the work queued there finish.
  if (!cuOk(env, S.libs.cu.cuCtxSynchronize(), "cuCtxSynchronize")) {
    stopTracking();
    return nullptr;
  }
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
  S.tracking = tracking;
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
    stopTracking();
    return nullptr;
  }
  if (!keep || ended != CUDA_SUCCESS) {
    if (graph) S.libs.cu.cuGraphDestroy(graph);
    stopTracking();
    if (keep) cuOk(env, ended, "cuStreamEndCapture (a captured call could not be captured)");
    return keep ? nullptr : undefinedValue(env);
  }
  if (S.tracking && S.stagesUsed != S.pendingStages.size()) {
    S.libs.cu.cuGraphDestroy(graph);
    std::string msg = "cortado_cuda.captureEnd: " + std::to_string(S.stagesUsed) + " uploads were captured into " +
                      std::to_string(S.pendingStages.size()) + " staging buffers";
    stopTracking();
    throwError(env, msg);
    return nullptr;
  }
  auto* g = new Graph();
  g->graph = graph;
  if (S.tracking) {
    g->kernels.swap(S.capturedKernels);
    g->stages.swap(S.pendingStages);
    g->stageBytes.swap(S.pendingStageBytes);
    g->stageRead.swap(S.pendingStageRead);
    stopTracking();
    if (!cuOk(env, S.libs.cu.cuEventCreate(&g->done, CU_EVENT_DISABLE_TIMING), "cuEventCreate")) {
      destroyGraph(g);
      return nullptr;
    }
  }
  CUresult made = S.libs.cu.cuGraphInstantiateWithFlags(&g->exec, graph, 0);
  if (made != CUDA_SUCCESS) {
    g->exec = nullptr;
    destroyGraph(g);
    cuOk(env, made, "cuGraphInstantiateWithFlags");
    return nullptr;
  }
  // A graph for graphRun keeps its source graph: its kernel nodes name what SetParams changes.
  if (!g->done) {
    S.libs.cu.cuGraphDestroy(graph);
    g->graph = nullptr;
  }
  S.graphs.push_back(g);
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
  Graph* g = S.graphs[id];
  if (!cuOk(env, S.libs.cu.cuGraphLaunch(g->exec, nullptr), "cuGraphLaunch")) return nullptr;
  if (g->done) {
    if (!cuOk(env, S.libs.cu.cuEventRecord(g->done, nullptr), "cuEventRecord")) return nullptr;
    g->launched = true;
  }
  return undefinedValue(env);
}

/** graphDestroy(id): frees the graph (work already queued still runs). */
napi_value GraphDestroy(napi_env env, napi_callback_info info) {
  int id = 0;
  if (!graphId(env, info, "graphDestroy", id)) return nullptr;
  destroyGraph(S.graphs[id]);
  S.graphs[id] = nullptr;
  return undefinedValue(env);
}

/**
 * stageUpload(index, ptr, typedArray), while capturing for graphRun: copies the data into staging
 * buffer `index` (its size must match) and captures the copy from there to `ptr`.
 */
napi_value StageUpload(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int index = 0;
  CUdeviceptr p = 0;
  if (!getArgs(env, info, 3, argv, "stageUpload") || !readyOrThrow(env, "stageUpload") ||
      !getInt(env, argv[0], index, "stageUpload", 0) || !getPtr(env, argv[1], p, "stageUpload", 1)) return nullptr;
  void* data = nullptr;
  size_t bytes = 0;
  if (!getBytes(env, argv[2], data, bytes)) {
    throwError(env, "cortado_cuda.stageUpload: expected a typed array");
    return nullptr;
  }
  if (!S.tracking || !S.stream) {
    throwError(env, "cortado_cuda.stageUpload: no capture for graphRun in progress");
    return nullptr;
  }
  if (index < 0 || static_cast<size_t>(index) != S.stagesUsed || S.stagesUsed >= S.pendingStages.size() ||
      S.pendingStageBytes[index] != bytes) {
    throwError(env, "cortado_cuda.stageUpload: upload " + std::to_string(index) + " of " + std::to_string(bytes) +
                        " bytes does not match the next staging buffer");
    return nullptr;
  }
  std::memcpy(S.pendingStages[index], data, bytes);
  if (!cuOk(env, S.libs.cu.cuMemcpyHtoDAsync_v2(p, S.pendingStages[index], bytes, S.stream), "cuMemcpyHtoDAsync (captured)")) return nullptr;
  // An event record node (external: a plain record in a capture only links streams), recorded at
  // each launch once the copy has run: graphRun waits for it before writing the buffer again.
  if (!cuOk(env, S.libs.cu.cuEventRecordWithFlags(S.pendingStageRead[index], S.stream, CU_EVENT_RECORD_EXTERNAL),
            "cuEventRecordWithFlags (captured)")) return nullptr;
  S.stagesUsed++;
  return undefinedValue(env);
}

/**
 * graphRun(id, updates, staged): launches a graph made for it, after writing `staged` (a typed
 * array holding the data of the graph's uploads in order, each of its staging buffer's size; null
 * when it has none) and giving kernels new arguments. `updates` is null or a typed array of
 * entries, each an int32 kernel index (in launch order) and an int32 slot count n, then n 8-byte
 * argument slots.
 */
napi_value GraphRun(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int id = 0;
  if (!getArgs(env, info, 3, argv, "graphRun") || !readyOrThrow(env, "graphRun") || !getInt(env, argv[0], id, "graphRun", 0)) return nullptr;
  if (id < 0 || id >= static_cast<int>(S.graphs.size()) || !S.graphs[id] || !S.graphs[id]->done) {
    throwError(env, "cortado_cuda.graphRun: no graph " + std::to_string(id) + " made for it");
    return nullptr;
  }
  if (S.stream) {
    throwError(env, "cortado_cuda.graphRun: a capture is in progress");
    return nullptr;
  }
  Graph* g = S.graphs[id];
  const auto& cu = S.libs.cu;
  size_t total = 0;
  for (size_t b : g->stageBytes) total += b;
  void* staged = nullptr;
  size_t stagedBytes = 0;
  if (total > 0 && (!getBytes(env, argv[2], staged, stagedBytes) || stagedBytes != total)) {
    throwError(env, "cortado_cuda.graphRun: the upload data must be a typed array of " + std::to_string(total) +
                        " bytes, the graph's " + std::to_string(g->stages.size()) + " uploads in order");
    return nullptr;
  }
  size_t at = 0;
  for (size_t i = 0; i < g->stages.size(); i++) {
    // The previous launch's copy from this buffer must have run; its kernels may still be running.
    if (!cuOk(env, cu.cuEventSynchronize(g->stageRead[i]), "cuEventSynchronize (a previous launch's upload)")) return nullptr;
    std::memcpy(g->stages[i], static_cast<const uint8_t*>(staged) + at, g->stageBytes[i]);
    at += g->stageBytes[i];
  }
  napi_valuetype type;
  napi_typeof(env, argv[1], &type);
  if (type != napi_null && type != napi_undefined) {
    void* data = nullptr;
    size_t bytes = 0;
    if (!getBytes(env, argv[1], data, bytes)) {
      throwError(env, "cortado_cuda.graphRun: updates must be a typed array or null");
      return nullptr;
    }
    const auto* u = static_cast<const uint8_t*>(data);
    size_t pos = 0;
    while (pos + 8 <= bytes) {
      int32_t head[2];
      std::memcpy(head, u + pos, 8);
      pos += 8;
      if (head[0] < 0 || static_cast<size_t>(head[0]) >= g->kernels.size() || head[1] != g->kernels[head[0]].nargs ||
          head[1] < 0 || head[1] > 32 || pos + 8 * size_t(head[1]) > bytes) {
        throwError(env, "cortado_cuda.graphRun: a malformed update (kernel " + std::to_string(head[0]) + ")");
        return nullptr;
      }
      const GraphKernel& k = g->kernels[head[0]];
      uint64_t slots[32];
      void* params[32];
      std::memcpy(slots, u + pos, 8 * size_t(k.nargs));
      pos += 8 * size_t(k.nargs);
      for (int i = 0; i < k.nargs; i++) params[i] = &slots[i];
      CudaKernelNodeParams p{k.fn, k.grid[0], k.grid[1], k.grid[2], k.block[0], k.block[1], k.block[2], k.shared,
                             params, nullptr, nullptr, nullptr};
      CUresult r = cu.cuGraphExecKernelNodeSetParams_v2 ? cu.cuGraphExecKernelNodeSetParams_v2(g->exec, k.node, &p)
                                                          : cu.cuGraphExecKernelNodeSetParams(g->exec, k.node, &p);
      if (!cuOk(env, r, "cuGraphExecKernelNodeSetParams")) return nullptr;
    }
  }
  if (!cuOk(env, cu.cuGraphLaunch(g->exec, nullptr), "cuGraphLaunch")) return nullptr;
  if (!cuOk(env, cu.cuEventRecord(g->done, nullptr), "cuEventRecord")) return nullptr;
  g->launched = true;
  return undefinedValue(env);
}
