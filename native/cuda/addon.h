// Shared state and Node-API helpers of the cortado_cuda addon.
#pragma once
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cuda_api.h"

struct ConvPlan;

/** A kernel launch captured into a graph, so that a replay can give it new argument slots. */
struct GraphKernel {
  CUgraphNode node;
  CUfunction fn;
  unsigned grid[3], block[3], shared;
  int nargs;
};

/**
 * A captured graph (graph.cc). A graph made for replays with new arguments keeps its kernels in
 * launch order and the page-locked host buffers its uploads copy from, each with an event the
 * graph records right after its copy (a buffer is written again once its copy has run); `done`
 * marks the end of its last launch.
 */
struct Graph {
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  std::vector<GraphKernel> kernels;
  std::vector<void*> stages;
  std::vector<size_t> stageBytes;
  std::vector<CUevent> stageRead;
  CUevent done = nullptr;
  bool launched = false;
};

/**
 * One process, one device, one context. Every call runs on the legacy default stream, except while
 * a CUDA graph is being captured (graph.cc): then kernels, copies, memsets, cuBLAS and cuDNN go to
 * the capture stream, `stream`, and the graph is later launched on the legacy stream.
 */
struct CudaState {
  bool ready = false;
  CudaLibs libs;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  cublasHandle_t blas = nullptr;
  cudnnHandle_t dnn = nullptr;
  bool tf32 = false;
  // cuDNN convolution algorithms limited to those that give the same bits every run
  bool deterministic = false;
  std::vector<CUmodule> modules;
  std::vector<CUfunction> functions;
  std::vector<std::string> functionNames;
  // Kernel arguments: 8-byte slots in a JavaScript ArrayBuffer kept alive by a reference.
  uint8_t* argData = nullptr;
  size_t argBytes = 0;
  napi_ref argRef = nullptr;
  std::vector<ConvPlan*> plans;
  // Where queued work goes: nullptr (the legacy stream), or the capture stream while capturing.
  CUstream stream = nullptr;
  CUstream captureStream = nullptr;
  CUdeviceptr blasWorkspace = 0;
  std::vector<Graph*> graphs;
  // While capturing a graph for replays with new arguments (captureBegin with stage sizes): its
  // kernels so far, its staging buffers, and how many of them the captured uploads have used.
  bool tracking = false;
  std::vector<GraphKernel> capturedKernels;
  std::vector<void*> pendingStages;
  std::vector<size_t> pendingStageBytes;
  std::vector<CUevent> pendingStageRead;
  size_t stagesUsed = 0;
};

extern CudaState S;

/** Reads up to `n` arguments; throws and returns false when fewer than `need` were given. */
bool getArgs(napi_env env, napi_callback_info info, size_t need, napi_value* argv, const char* fn);
bool getNumber(napi_env env, napi_value v, double& out, const char* fn, int index);
bool getInt(napi_env env, napi_value v, int& out, const char* fn, int index);
bool getPtr(napi_env env, napi_value v, CUdeviceptr& out, const char* fn, int index);
napi_value makeNumber(napi_env env, double v);
napi_value undefinedValue(napi_env env);
void throwError(napi_env env, const std::string& msg);
/** Throws `what failed: CUDA_ERROR_NAME (description)` and returns false unless r is success. */
bool cuOk(napi_env env, CUresult r, const std::string& what);
std::string cuErrorText(CUresult r);
/** The same for cuDNN and cuBLAS statuses. */
bool cudnnOk(napi_env env, cudnnStatus_t s, const std::string& what);
bool blasOk(napi_env env, cublasStatus_t s, const char* what);
bool readyOrThrow(napi_env env, const char* fn);
void setProp(napi_env env, napi_value obj, const char* key, napi_value v);
napi_value makeString(napi_env env, const std::string& s);
bool getString(napi_env env, napi_value v, std::string& out);
bool getStrings(napi_env env, napi_value arr, std::vector<std::string>& out);
/** The bytes of a typed array (at its offset) or a Buffer. */
bool getBytes(napi_env env, napi_value v, void*& data, size_t& bytes);

// kernels.cc
napi_value Compile(napi_env env, napi_callback_info info);
napi_value LoadModule(napi_env env, napi_callback_info info);
napi_value GetFunction(napi_env env, napi_callback_info info);
napi_value SetArgBuffer(napi_env env, napi_callback_info info);
napi_value Launch(napi_env env, napi_callback_info info);

// memory.cc
napi_value Malloc(napi_env env, napi_callback_info info);
napi_value Free(napi_env env, napi_callback_info info);
napi_value Memset32(napi_env env, napi_callback_info info);
napi_value Upload(napi_env env, napi_callback_info info);
napi_value Download(napi_env env, napi_callback_info info);
napi_value Copy(napi_env env, napi_callback_info info);
napi_value Synchronize(napi_env env, napi_callback_info info);
napi_value MemInfo(napi_env env, napi_callback_info info);

// graph.cc
napi_value CaptureBegin(napi_env env, napi_callback_info info);
napi_value CaptureEnd(napi_env env, napi_callback_info info);
napi_value GraphLaunch(napi_env env, napi_callback_info info);
napi_value GraphDestroy(napi_env env, napi_callback_info info);
napi_value StageUpload(napi_env env, napi_callback_info info);
napi_value GraphRun(napi_env env, napi_callback_info info);
/** After a kernel launch while tracking a capture: notes the kernel's graph node (false: thrown). */
bool noteCapturedKernel(napi_env env, CUfunction fn, const int* dims, int nargs);

// blas.cc
napi_value Sgemm(napi_env env, napi_callback_info info);
napi_value GemmEx(napi_env env, napi_callback_info info);
napi_value SgemmStridedBatched(napi_env env, napi_callback_info info);
napi_value GemmStridedBatchedEx(napi_env env, napi_callback_info info);
napi_value Sgemv(napi_env env, napi_callback_info info);
napi_value Sdot(napi_env env, napi_callback_info info);
napi_value Sasum(napi_env env, napi_callback_info info);

// cudnn_conv.cc
napi_value ConvPlanCreate(napi_env env, napi_callback_info info);
napi_value ConvForward(napi_env env, napi_callback_info info);
napi_value ConvBackwardData(napi_env env, napi_callback_info info);
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info);
