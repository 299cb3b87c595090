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

/** One process, one device, one context; every call runs on the legacy default stream. */
struct CudaState {
  bool ready = false;
  CudaLibs libs;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  cublasHandle_t blas = nullptr;
  cudnnHandle_t dnn = nullptr;
  bool tf32 = false;
  std::vector<CUmodule> modules;
  std::vector<CUfunction> functions;
  std::vector<std::string> functionNames;
  // Kernel arguments: 8-byte slots in a JavaScript ArrayBuffer kept alive by a reference.
  uint8_t* argData = nullptr;
  size_t argBytes = 0;
  napi_ref argRef = nullptr;
  std::vector<ConvPlan*> plans;
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
/** The same for cuDNN statuses. */
bool cudnnOk(napi_env env, cudnnStatus_t s, const std::string& what);
bool readyOrThrow(napi_env env, const char* fn);

// cudnn_conv.cc
napi_value ConvPlanCreate(napi_env env, napi_callback_info info);
napi_value ConvForward(napi_env env, napi_callback_info info);
napi_value ConvBackwardData(napi_env env, napi_callback_info info);
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info);
