// NCCL for the CUDA backend: when every rank owns a GPU, gradients are summed device to device.
// Written against NCCL 2's documented C API (nccl.h), opened with dlopen (libnccl.so.2) like MPI.
// The unique id rank 0 makes travels to the other ranks by MPI broadcast (from JavaScript).
// Collectives are queued on the legacy default stream, the one the CUDA backend queues all its work
// on, so they are ordered after the backward kernels and before the update without any waiting;
// the CUDA context current on the calling (main) thread is the backend's.
#include <dlfcn.h>

#include <cstring>

#include "mpi_addon.h"

namespace {

NcclApi N;
ncclComm_t comm = nullptr;

#define CORTADO_NCCL_BIND(name, ret, params)                   \
  N.name = reinterpret_cast<ret(*) params>(dlsym(h, #name));   \
  if (!N.name) {                                               \
    why = path + " lacks " #name;                              \
    N = NcclApi();                                             \
    return false;                                              \
  }

bool bindNccl(const std::string& path, std::string& why) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    why = dlerror();
    return false;
  }
  CORTADO_NCCL_FUNCS(CORTADO_NCCL_BIND)
  return true;
}

bool ncclOk(napi_env env, ncclResult_t r, const char* what) {
  if (r == ncclSuccess) return true;
  throwCoded(env, "nccl", std::string("NCCL: ") + what + " failed: " + (N.ncclGetErrorString ? N.ncclGetErrorString(r) : "") +
                              " (status " + std::to_string(r) + ")");
  return false;
}

bool ready(napi_env env, const char* fn) {
  if (comm) return true;
  throwCoded(env, "state", std::string("cortado_mpi.") + fn + ": ncclInit() has not succeeded");
  return false;
}

bool getPointers(napi_env env, napi_value arr, std::vector<double>& out, const char* fn) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) {
    throwCoded(env, "arg", std::string("cortado_mpi.") + fn + ": expected a list of numbers");
    return false;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    double d;
    if (!getNumber(env, e, d, fn, static_cast<int>(i))) return false;
    out.push_back(d);
  }
  return true;
}

}  // namespace

/** ncclOpen(paths) -> { ok: true, version, library } | { ok: false, message } */
napi_value NcclOpen(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "ncclOpen")) return nullptr;
  std::vector<std::string> paths;
  getStrings(env, argv[0], paths);
  napi_value out;
  napi_create_object(env, &out);
  std::string notes;
  for (const auto& p : paths) {
    std::string why;
    if (bindNccl(p, why)) {
      int version = 0;
      N.ncclGetVersion(&version);
      setProp(env, out, "ok", makeBool(env, true));
      setProp(env, out, "version", makeNumber(env, version));
      setProp(env, out, "library", makeString(env, p));
      return out;
    }
    notes += (notes.empty() ? "" : "; ") + p + ": " + why;
  }
  setProp(env, out, "ok", makeBool(env, false));
  setProp(env, out, "message", makeString(env, "no usable NCCL library (" + notes + ")"));
  return out;
}

/** ncclUniqueId() -> the 128 bytes rank 0 hands every rank (ncclGetUniqueId). */
napi_value NcclUniqueId(napi_env env, napi_callback_info info) {
  if (!N.ncclGetUniqueId) {
    throwCoded(env, "state", "cortado_mpi.ncclUniqueId: ncclOpen() has not succeeded");
    return nullptr;
  }
  ncclUniqueId id;
  if (!ncclOk(env, N.ncclGetUniqueId(&id), "ncclGetUniqueId")) return nullptr;
  void* data;
  napi_value ab, arr;
  napi_create_arraybuffer(env, NCCL_UNIQUE_ID_BYTES, &data, &ab);
  std::memcpy(data, id.internal, NCCL_UNIQUE_ID_BYTES);
  napi_create_typedarray(env, napi_uint8_array, NCCL_UNIQUE_ID_BYTES, ab, 0, &arr);
  return arr;
}

/** ncclInit(id: Uint8Array(128), rank, size): ncclCommInitRank on the current device (blocks until all ranks join). */
napi_value NcclInit(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv, "ncclInit")) return nullptr;
  if (!N.ncclCommInitRank) {
    throwCoded(env, "state", "cortado_mpi.ncclInit: ncclOpen() has not succeeded");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value ab;
  size_t offset;
  bool is = false;
  napi_is_typedarray(env, argv[0], &is);
  if (is) napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset);
  if (!is || type != napi_uint8_array || length != NCCL_UNIQUE_ID_BYTES) {
    throwCoded(env, "arg", "cortado_mpi.ncclInit: expected the 128-byte Uint8Array of ncclUniqueId()");
    return nullptr;
  }
  int rank = 0, size = 1;
  if (!getInt(env, argv[1], rank, "ncclInit", 1) || !getInt(env, argv[2], size, "ncclInit", 2)) return nullptr;
  ncclUniqueId id;
  std::memcpy(id.internal, data, NCCL_UNIQUE_ID_BYTES);
  ncclOk(env, N.ncclCommInitRank(&comm, size, id, rank), "ncclCommInitRank");
  return nullptr;
}

/** ncclAllreduce(ptrs: number[], counts: number[]): each float32 device buffer summed over ranks in place, one group. */
napi_value NcclAllreduce(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv, "ncclAllreduce") || !ready(env, "ncclAllreduce")) return nullptr;
  std::vector<double> ptrs, counts;
  if (!getPointers(env, argv[0], ptrs, "ncclAllreduce") || !getPointers(env, argv[1], counts, "ncclAllreduce")) return nullptr;
  if (ptrs.size() != counts.size()) {
    throwCoded(env, "arg", "cortado_mpi.ncclAllreduce: as many counts as pointers expected");
    return nullptr;
  }
  if (!ncclOk(env, N.ncclGroupStart(), "ncclGroupStart")) return nullptr;
  for (size_t i = 0; i < ptrs.size(); i++) {
    void* p = reinterpret_cast<void*>(static_cast<uintptr_t>(ptrs[i]));
    ncclResult_t r = N.ncclAllReduce(p, p, static_cast<size_t>(counts[i]), ncclFloat32, ncclSum, comm, nullptr);
    if (r != ncclSuccess) {
      N.ncclGroupEnd();
      ncclOk(env, r, "ncclAllReduce");
      return nullptr;
    }
  }
  ncclOk(env, N.ncclGroupEnd(), "ncclGroupEnd");
  return nullptr;
}

/** ncclBroadcast(ptr, count, root): root's float32 device buffer to every rank, in place. */
napi_value NcclBroadcast(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv, "ncclBroadcast") || !ready(env, "ncclBroadcast")) return nullptr;
  double ptr = 0, count = 0;
  int root = 0;
  if (!getNumber(env, argv[0], ptr, "ncclBroadcast", 0) || !getNumber(env, argv[1], count, "ncclBroadcast", 1) ||
      !getInt(env, argv[2], root, "ncclBroadcast", 2)) return nullptr;
  void* p = reinterpret_cast<void*>(static_cast<uintptr_t>(ptr));
  ncclOk(env, N.ncclBroadcast(p, p, static_cast<size_t>(count), ncclFloat32, root, comm, nullptr), "ncclBroadcast");
  return nullptr;
}

/** ncclCheck() -> '' or the asynchronous error NCCL reports (a peer lost, a network failure). */
napi_value NcclCheck(napi_env env, napi_callback_info info) {
  if (!comm) return makeString(env, "");
  ncclResult_t async = ncclSuccess;
  N.ncclCommGetAsyncError(comm, &async);
  if (async == ncclSuccess || async == ncclInProgress) return makeString(env, "");
  return makeString(env, std::string(N.ncclGetErrorString(async)) + " (status " + std::to_string(async) + ")");
}

/** ncclDestroy(abort: boolean): ncclCommDestroy, or ncclCommAbort after an error. */
napi_value NcclDestroy(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "ncclDestroy")) return nullptr;
  bool abort = false;
  napi_get_value_bool(env, argv[0], &abort);
  if (comm) (abort ? N.ncclCommAbort : N.ncclCommDestroy)(comm);
  comm = nullptr;
  return nullptr;
}
