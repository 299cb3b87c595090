// The few CUDA driver, NVRTC, cuBLAS and cuDNN declarations the addon uses, written here so that
// the addon builds with no CUDA headers or libraries: every function is a pointer filled by dlsym
// at run time (loader.cc). Values and layouts follow the public C APIs of CUDA 12/13 and cuDNN 9.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

// ---- driver API ----
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st* CUcontext;
typedef struct CUmod_st* CUmodule;
typedef struct CUfunc_st* CUfunction;
typedef struct CUstream_st* CUstream;
typedef struct CUgraph_st* CUgraph;
typedef struct CUgraphExec_st* CUgraphExec;
typedef struct CUgraphNode_st* CUgraphNode;
typedef struct CUevent_st* CUevent;
typedef struct CUkern_st* CUkernel;
struct CUgraphEdgeData;

// A kernel node's parameters (CUDA_KERNEL_NODE_PARAMS_v2; version 1 is the same without kern and
// ctx, so the one struct serves both versions of cuGraphExecKernelNodeSetParams).
struct CudaKernelNodeParams {
  CUfunction func;
  unsigned int gridDimX, gridDimY, gridDimZ;
  unsigned int blockDimX, blockDimY, blockDimZ;
  unsigned int sharedMemBytes;
  void** kernelParams;
  void** extra;
  CUkernel kern;
  CUcontext ctx;
};

enum {
  CUDA_SUCCESS = 0,
  CU_STREAM_NON_BLOCKING = 1,
  CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
  CU_STREAM_CAPTURE_STATUS_ACTIVE = 1,
  CU_EVENT_DISABLE_TIMING = 2,
  CU_EVENT_RECORD_EXTERNAL = 1,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
};

// ---- NVRTC ----
typedef int nvrtcResult;
typedef struct _nvrtcProgram* nvrtcProgram;

// ---- cuBLAS (column-major, host pointer mode) ----
typedef int cublasStatus_t;
typedef struct cublasContext* cublasHandle_t;
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 };
// cudaDataType_t's real formats, cublasComputeType_t's fp32 accumulation, cublasGemmAlgo_t's default.
enum { CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14 };
enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_GEMM_DEFAULT = -1 };

// ---- cuDNN ----
typedef int cudnnStatus_t;
typedef struct cudnnContext* cudnnHandle_t;
typedef struct cudnnTensorStruct* cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct* cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;
enum {
  CUDNN_STATUS_SUCCESS = 0,
  CUDNN_TENSOR_NCHW = 0,
  CUDNN_DATA_FLOAT = 0,
  CUDNN_DATA_HALF = 2,
  CUDNN_DATA_BFLOAT16 = 9,
  CUDNN_CROSS_CORRELATION = 1,
  CUDNN_DEFAULT_MATH = 0,
  CUDNN_TENSOR_OP_MATH = 1,
  CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2,
  CUDNN_FMA_MATH = 3,
};
// Same layout for the forward, backward-data and backward-filter result structs.
struct cudnnConvAlgoPerf {
  int algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

// Function tables: X(name, return type, parameter list). The symbol looked up is `name`.
#define CORTADO_CUDA_FUNCS(X)                                                                     \
  X(cuInit, CUresult, (unsigned int))                                                             \
  X(cuDriverGetVersion, CUresult, (int*))                                                         \
  X(cuDeviceGetCount, CUresult, (int*))                                                           \
  X(cuDeviceGet, CUresult, (CUdevice*, int))                                                      \
  X(cuDeviceGetName, CUresult, (char*, int, CUdevice))                                            \
  X(cuDeviceGetAttribute, CUresult, (int*, int, CUdevice))                                        \
  X(cuDeviceTotalMem_v2, CUresult, (size_t*, CUdevice))                                           \
  X(cuDevicePrimaryCtxRetain, CUresult, (CUcontext*, CUdevice))                                   \
  X(cuCtxSetCurrent, CUresult, (CUcontext))                                                       \
  X(cuCtxSynchronize, CUresult, ())                                                               \
  X(cuMemGetInfo_v2, CUresult, (size_t*, size_t*))                                                \
  X(cuMemAlloc_v2, CUresult, (CUdeviceptr*, size_t))                                              \
  X(cuMemFree_v2, CUresult, (CUdeviceptr))                                                        \
  X(cuMemsetD32Async, CUresult, (CUdeviceptr, unsigned int, size_t, CUstream))                    \
  X(cuMemcpyHtoDAsync_v2, CUresult, (CUdeviceptr, const void*, size_t, CUstream))                 \
  X(cuMemcpyDtoH_v2, CUresult, (void*, CUdeviceptr, size_t))                                      \
  X(cuMemcpyDtoDAsync_v2, CUresult, (CUdeviceptr, CUdeviceptr, size_t, CUstream))                 \
  X(cuModuleLoadData, CUresult, (CUmodule*, const void*))                                         \
  X(cuModuleGetFunction, CUresult, (CUfunction*, CUmodule, const char*))                          \
  X(cuLaunchKernel, CUresult, (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,      \
                               unsigned, unsigned, CUstream, void**, void**))                     \
  X(cuGetErrorName, CUresult, (CUresult, const char**))                                           \
  X(cuGetErrorString, CUresult, (CUresult, const char**))

// Optional: bound when present (left null otherwise), for CUDA graphs (graph.cc), which say what
// is missing; the backend loads without them. All exist since CUDA 11.4, cuBLAS 11 and cuDNN 7,
// except the versions 2 and 3 of cuStreamGetCaptureInfo (CUDA 11.3 and 12.3: either serves; CUDA
// 13's headers drop version 2), version 2 of cuGraphExecKernelNodeSetParams (CUDA 12.0; version
// 1 serves before) and cuEventRecordWithFlags (CUDA 11.1).
#define CORTADO_CUDA_OPTIONAL_FUNCS(X)                                                            \
  X(cuStreamCreate, CUresult, (CUstream*, unsigned int))                                          \
  X(cuStreamBeginCapture_v2, CUresult, (CUstream, int))                                           \
  X(cuStreamEndCapture, CUresult, (CUstream, CUgraph*))                                           \
  X(cuGraphInstantiateWithFlags, CUresult, (CUgraphExec*, CUgraph, unsigned long long))           \
  X(cuGraphLaunch, CUresult, (CUgraphExec, CUstream))                                             \
  X(cuGraphExecDestroy, CUresult, (CUgraphExec))                                                  \
  X(cuGraphDestroy, CUresult, (CUgraph))                                                          \
  X(cuStreamGetCaptureInfo_v2, CUresult, (CUstream, int*, unsigned long long*, CUgraph*,          \
                                          const CUgraphNode**, size_t*))                          \
  X(cuStreamGetCaptureInfo_v3, CUresult, (CUstream, int*, unsigned long long*, CUgraph*,          \
                                          const CUgraphNode**, const CUgraphEdgeData**, size_t*)) \
  X(cuGraphExecKernelNodeSetParams, CUresult, (CUgraphExec, CUgraphNode,                         \
                                               const CudaKernelNodeParams*))                      \
  X(cuGraphExecKernelNodeSetParams_v2, CUresult, (CUgraphExec, CUgraphNode,                      \
                                                  const CudaKernelNodeParams*))                   \
  X(cuMemHostAlloc, CUresult, (void**, size_t, unsigned int))                                     \
  X(cuMemFreeHost, CUresult, (void*))                                                             \
  X(cuEventCreate, CUresult, (CUevent*, unsigned int))                                            \
  X(cuEventRecord, CUresult, (CUevent, CUstream))                                                 \
  X(cuEventRecordWithFlags, CUresult, (CUevent, CUstream, unsigned int))                          \
  X(cuEventSynchronize, CUresult, (CUevent))                                                      \
  X(cuEventDestroy_v2, CUresult, (CUevent))
#define CORTADO_CUBLAS_OPTIONAL_FUNCS(X)                                                          \
  X(cublasSetStream_v2, cublasStatus_t, (cublasHandle_t, CUstream))                               \
  X(cublasSetWorkspace_v2, cublasStatus_t, (cublasHandle_t, void*, size_t))                      \
  X(cublasGemmEx, cublasStatus_t, (cublasHandle_t, int, int, int, int, int, const void*,          \
                                   const void*, int, int, const void*, int, int, const void*,     \
                                   void*, int, int, int, int))                                    \
  X(cublasGemmStridedBatchedEx, cublasStatus_t,                                                   \
    (cublasHandle_t, int, int, int, int, int, const void*, const void*, int, int, long long,      \
     const void*, int, int, long long, const void*, void*, int, int, long long, int, int, int))
#define CORTADO_CUDNN_OPTIONAL_FUNCS(X) X(cudnnSetStream, cudnnStatus_t, (cudnnHandle_t, CUstream))

#define CORTADO_NVRTC_FUNCS(X)                                                                    \
  X(nvrtcVersion, nvrtcResult, (int*, int*))                                                      \
  X(nvrtcGetErrorString, const char*, (nvrtcResult))                                              \
  X(nvrtcCreateProgram, nvrtcResult, (nvrtcProgram*, const char*, const char*, int,               \
                                      const char* const*, const char* const*))                    \
  X(nvrtcDestroyProgram, nvrtcResult, (nvrtcProgram*))                                            \
  X(nvrtcCompileProgram, nvrtcResult, (nvrtcProgram, int, const char* const*))                    \
  X(nvrtcGetProgramLogSize, nvrtcResult, (nvrtcProgram, size_t*))                                 \
  X(nvrtcGetProgramLog, nvrtcResult, (nvrtcProgram, char*))                                       \
  X(nvrtcGetPTXSize, nvrtcResult, (nvrtcProgram, size_t*))                                        \
  X(nvrtcGetPTX, nvrtcResult, (nvrtcProgram, char*))                                              \
  X(nvrtcGetCUBINSize, nvrtcResult, (nvrtcProgram, size_t*))                                      \
  X(nvrtcGetCUBIN, nvrtcResult, (nvrtcProgram, char*))                                            \
  X(nvrtcGetNumSupportedArchs, nvrtcResult, (int*))                                               \
  X(nvrtcGetSupportedArchs, nvrtcResult, (int*))

#define CORTADO_CUBLAS_FUNCS(X)                                                                   \
  X(cublasCreate_v2, cublasStatus_t, (cublasHandle_t*))                                           \
  X(cublasGetVersion_v2, cublasStatus_t, (cublasHandle_t, int*))                                  \
  X(cublasSetMathMode, cublasStatus_t, (cublasHandle_t, int))                                     \
  X(cublasSgemm_v2, cublasStatus_t, (cublasHandle_t, int, int, int, int, int, const float*,       \
                                     const float*, int, const float*, int, const float*, float*, \
                                     int))                                                        \
  X(cublasSgemmStridedBatched, cublasStatus_t, (cublasHandle_t, int, int, int, int, int,          \
                                                const float*, const float*, int, long long,       \
                                                const float*, int, long long, const float*,       \
                                                float*, int, long long, int))                     \
  X(cublasSgemv_v2, cublasStatus_t, (cublasHandle_t, int, int, int, const float*, const float*,   \
                                     int, const float*, int, const float*, float*, int))         \
  X(cublasSdot_v2, cublasStatus_t, (cublasHandle_t, int, const float*, int, const float*, int,    \
                                    float*))                                                      \
  X(cublasSasum_v2, cublasStatus_t, (cublasHandle_t, int, const float*, int, float*))

#define CORTADO_CUDNN_FUNCS(X)                                                                    \
  X(cudnnGetVersion, size_t, ())                                                                  \
  X(cudnnGetErrorString, const char*, (cudnnStatus_t))                                            \
  X(cudnnCreate, cudnnStatus_t, (cudnnHandle_t*))                                                 \
  X(cudnnCreateTensorDescriptor, cudnnStatus_t, (cudnnTensorDescriptor_t*))                       \
  X(cudnnSetTensor4dDescriptor, cudnnStatus_t, (cudnnTensorDescriptor_t, int, int, int, int, int, \
                                                int))                                             \
  X(cudnnCreateFilterDescriptor, cudnnStatus_t, (cudnnFilterDescriptor_t*))                       \
  X(cudnnSetFilter4dDescriptor, cudnnStatus_t, (cudnnFilterDescriptor_t, int, int, int, int, int, \
                                                int))                                             \
  X(cudnnCreateConvolutionDescriptor, cudnnStatus_t, (cudnnConvolutionDescriptor_t*))             \
  X(cudnnSetConvolution2dDescriptor, cudnnStatus_t, (cudnnConvolutionDescriptor_t, int, int, int, \
                                                     int, int, int, int, int))                    \
  X(cudnnSetConvolutionGroupCount, cudnnStatus_t, (cudnnConvolutionDescriptor_t, int))            \
  X(cudnnSetConvolutionMathType, cudnnStatus_t, (cudnnConvolutionDescriptor_t, int))              \
  X(cudnnFindConvolutionForwardAlgorithm, cudnnStatus_t,                                          \
    (cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t,                             \
     cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, int, int*, cudnnConvAlgoPerf*))       \
  X(cudnnFindConvolutionBackwardDataAlgorithm, cudnnStatus_t,                                     \
    (cudnnHandle_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t,                             \
     cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, int, int*, cudnnConvAlgoPerf*))       \
  X(cudnnFindConvolutionBackwardFilterAlgorithm, cudnnStatus_t,                                   \
    (cudnnHandle_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t,                             \
     cudnnConvolutionDescriptor_t, cudnnFilterDescriptor_t, int, int*, cudnnConvAlgoPerf*))       \
  X(cudnnConvolutionForward, cudnnStatus_t,                                                       \
    (cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnFilterDescriptor_t,   \
     const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,                  \
     cudnnTensorDescriptor_t, void*))                                                             \
  X(cudnnConvolutionBackwardData, cudnnStatus_t,                                                  \
    (cudnnHandle_t, const void*, cudnnFilterDescriptor_t, const void*, cudnnTensorDescriptor_t,   \
     const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,                  \
     cudnnTensorDescriptor_t, void*))                                                             \
  X(cudnnConvolutionBackwardFilter, cudnnStatus_t,                                                \
    (cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnTensorDescriptor_t,   \
     const void*, cudnnConvolutionDescriptor_t, int, void*, size_t, const void*,                  \
     cudnnFilterDescriptor_t, void*))

#define CORTADO_DECLARE_PTR(name, ret, params) ret(*name) params = nullptr;

struct CudaApi {
  CORTADO_CUDA_FUNCS(CORTADO_DECLARE_PTR)
  CORTADO_CUDA_OPTIONAL_FUNCS(CORTADO_DECLARE_PTR)
};
struct NvrtcApi {
  CORTADO_NVRTC_FUNCS(CORTADO_DECLARE_PTR)
};
struct CublasApi {
  CORTADO_CUBLAS_FUNCS(CORTADO_DECLARE_PTR)
  CORTADO_CUBLAS_OPTIONAL_FUNCS(CORTADO_DECLARE_PTR)
};
struct CudnnApi {
  CORTADO_CUDNN_FUNCS(CORTADO_DECLARE_PTR)
  CORTADO_CUDNN_OPTIONAL_FUNCS(CORTADO_DECLARE_PTR)
};

/** The libraries found and their function tables; `path` is empty when a library was not found. */
struct CudaLibs {
  CudaApi cu;
  NvrtcApi nvrtc;
  CublasApi cublas;
  CudnnApi cudnn;
  std::string cuPath, nvrtcPath, cublasPath, cudnnPath;
};

/**
 * Opens one library: tries each name in each folder (an empty folder means the loader's own search
 * path), keeping the first that opens and has every symbol of its table. On failure `error` says
 * what was tried. `kind` is 'cuda', 'nvrtc', 'cublas' or 'cudnn'.
 */
bool openLibrary(CudaLibs& libs, const std::string& kind, const std::vector<std::string>& dirs,
                 std::string& error);

/** The folders searched, in order: the override, the loader path, the CUDA toolkit folders. */
std::vector<std::string> searchDirs(const std::string& overrideDir, const std::string& kind);
