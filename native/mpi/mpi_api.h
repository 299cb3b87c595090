// The few MPI and NCCL declarations the cortado_mpi addon uses, written here so that it builds
// with no MPI or NCCL headers or libraries: every function is a pointer filled by dlsym at run time.
//
// MPI handles differ between implementations. Open MPI's (MPI_Comm, MPI_Datatype, MPI_Op,
// MPI_Errhandler, MPI_Info) are addresses of global objects exported by libmpi
// (&ompi_mpi_comm_world, &ompi_mpi_float, ...), and MPI_IN_PLACE is (void*)1. MPICH's (and its
// ABI-compatible derivatives, Intel MPI and Cray MPICH) are 32-bit integers fixed by its mpi.h,
// and MPI_IN_PLACE is (void*)-1. Handles travel here as void*: on x86-64 and AArch64 an int
// handle passed in a 64-bit register reads the same to the callee.
#pragma once
#include <cstddef>
#include <cstdint>

typedef void* MpiHandle;

enum { MPI_OK = 0, MPI_THREAD_FUNNELED_LEVEL = 1 };

#define CORTADO_MPI_FUNCS(X)                                                              \
  X(MPI_Init_thread, int, (int*, char***, int, int*))                                     \
  X(MPI_Initialized, int, (int*))                                                         \
  X(MPI_Finalized, int, (int*))                                                           \
  X(MPI_Finalize, int, ())                                                                \
  X(MPI_Abort, int, (MpiHandle, int))                                                     \
  X(MPI_Comm_rank, int, (MpiHandle, int*))                                                \
  X(MPI_Comm_size, int, (MpiHandle, int*))                                                \
  X(MPI_Comm_split_type, int, (MpiHandle, int, int, MpiHandle, MpiHandle*))               \
  X(MPI_Comm_set_errhandler, int, (MpiHandle, MpiHandle))                                 \
  X(MPI_Allreduce, int, (const void*, void*, int, MpiHandle, MpiHandle, MpiHandle))       \
  X(MPI_Bcast, int, (void*, int, MpiHandle, int, MpiHandle))                              \
  X(MPI_Barrier, int, (MpiHandle))                                                        \
  X(MPI_Error_string, int, (int, char*, int*))                                            \
  X(MPI_Get_library_version, int, (char*, int*))

#define CORTADO_DECLARE_PTR(name, ret, params) ret(*name) params = nullptr;

struct MpiApi {
  CORTADO_MPI_FUNCS(CORTADO_DECLARE_PTR)
  /** "Open MPI" or "MPICH". */
  const char* flavour = "";
  MpiHandle commWorld = nullptr, floatType = nullptr, doubleType = nullptr, byteType = nullptr;
  MpiHandle sumOp = nullptr, errorsReturn = nullptr, infoNull = nullptr;
  void* inPlace = nullptr;
  int commTypeShared = 0;
};

// ---- NCCL (nccl.h of NCCL 2.x) ----
typedef int ncclResult_t;
typedef struct ncclComm* ncclComm_t;
typedef struct CUstream_st* cudaStream_t;
#define NCCL_UNIQUE_ID_BYTES 128
struct ncclUniqueId {
  char internal[NCCL_UNIQUE_ID_BYTES];
};
enum { ncclSuccess = 0, ncclFloat32 = 7, ncclSum = 0, ncclInProgress = 7 };

#define CORTADO_NCCL_FUNCS(X)                                                                     \
  X(ncclGetVersion, ncclResult_t, (int*))                                                         \
  X(ncclGetUniqueId, ncclResult_t, (ncclUniqueId*))                                               \
  X(ncclCommInitRank, ncclResult_t, (ncclComm_t*, int, ncclUniqueId, int))                        \
  X(ncclCommDestroy, ncclResult_t, (ncclComm_t))                                                  \
  X(ncclCommAbort, ncclResult_t, (ncclComm_t))                                                    \
  X(ncclCommGetAsyncError, ncclResult_t, (ncclComm_t, ncclResult_t*))                             \
  X(ncclGetErrorString, const char*, (ncclResult_t))                                              \
  X(ncclGroupStart, ncclResult_t, ())                                                             \
  X(ncclGroupEnd, ncclResult_t, ())                                                               \
  X(ncclAllReduce, ncclResult_t, (const void*, void*, size_t, int, int, ncclComm_t, cudaStream_t)) \
  X(ncclBroadcast, ncclResult_t, (const void*, void*, size_t, int, int, ncclComm_t, cudaStream_t))

struct NcclApi {
  CORTADO_NCCL_FUNCS(CORTADO_DECLARE_PTR)
};

// ---- CUDA driver: only what counting the devices needs ----
#define CORTADO_CU_COUNT_FUNCS(X) \
  X(cuInit, int, (unsigned int))  \
  X(cuDeviceGetCount, int, (int*))

struct CuCountApi {
  CORTADO_CU_COUNT_FUNCS(CORTADO_DECLARE_PTR)
};
