// cortado_mpi: a Node-API addon binding the system's MPI library (opened with dlopen at run time,
// nothing needed at build time) for data-parallel training: init/finalize, rank/size, in-place
// sum allreduce of float32/float64 arrays, broadcast, barrier, abort; and NCCL (nccl.cc).
//
// Threads: every MPI call, MPI_Init_thread included, runs on one communication thread owned by
// the addon (MPI_THREAD_FUNNELED), fed by a queue. JavaScript submits work and waits for it with a
// time limit, so that an allreduce can run while the main thread goes on with the backward pass,
// and a peer that died or hangs becomes an error after the limit instead of a hang for ever.
// After a timeout the communicator is broken: every later call fails at once (abort is the way out).
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mpi_addon.h"

MpiApi M;

namespace {

enum Kind { INIT, FINALIZE, ALLREDUCE, BCAST, BARRIER };

struct Job {
  Kind kind;
  void* ptr = nullptr;
  size_t count = 0;
  bool isDouble = false;
  int root = 0;
  double scale = 1;
  std::vector<std::string> paths;  // INIT: the libraries to try
  bool done = false;
  std::string error;
};

struct Comm {
  std::mutex mu;
  std::condition_variable work, finished;
  std::deque<std::shared_ptr<Job>> queue;
  bool threadStarted = false;
  bool initialized = false;
  bool finalized = false;
  bool broken = false;
  std::string brokenBy;
  int rank = 0, size = 1, localRank = 0, localSize = 1, threadLevel = 0;
  std::string libraryPath, version;
  uint32_t nextId = 1;
  std::map<uint32_t, std::pair<std::shared_ptr<Job>, napi_ref>> pending;
};

// Never destroyed: at exit the communication thread may still wait on its condition variable (or
// hang inside MPI after a timeout), and destroying a condition variable with a waiter blocks.
Comm& C = *new Comm;

std::string mpiError(int rc) {
  char text[1024] = {0};
  int len = 0;
  if (M.MPI_Error_string && M.MPI_Error_string(rc, text, &len) == MPI_OK) return std::string(text, len);
  return "MPI error " + std::to_string(rc);
}

#define CORTADO_MPI_BIND(name, ret, params)                         \
  M.name = reinterpret_cast<ret(*) params>(dlsym(h, #name));        \
  if (!M.name) return path + " lacks " #name;

/** Opens one candidate library and binds every function and handle; "" on success, else why not. */
std::string bindLibrary(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);  // GLOBAL: Open MPI's plugins link against it
  if (!h) return dlerror();
  CORTADO_MPI_FUNCS(CORTADO_MPI_BIND)
  if (void* world = dlsym(h, "ompi_mpi_comm_world")) {
    M.flavour = "Open MPI";
    M.commWorld = world;
    M.floatType = dlsym(h, "ompi_mpi_float");
    M.doubleType = dlsym(h, "ompi_mpi_double");
    M.byteType = dlsym(h, "ompi_mpi_byte");
    M.sumOp = dlsym(h, "ompi_mpi_op_sum");
    M.errorsReturn = dlsym(h, "ompi_mpi_errors_return");
    M.infoNull = dlsym(h, "ompi_mpi_info_null");
    M.inPlace = reinterpret_cast<void*>(1);
    M.commTypeShared = 0;
    if (!M.floatType || !M.doubleType || !M.byteType || !M.sumOp || !M.errorsReturn || !M.infoNull) {
      return path + " is Open MPI but lacks one of its predefined handles (ompi_mpi_float, ompi_mpi_op_sum, ...)";
    }
    return "";
  }
  char version[8192] = {0};
  int len = 0;
  M.MPI_Get_library_version(version, &len);
  std::string v(version, len);
  if (v.find("MPICH") != std::string::npos || v.find("Intel(R) MPI") != std::string::npos) {
    // The integer handles of MPICH's mpi.h (stable across MPICH 3 and 4).
    auto handle = [](uint32_t v) { return reinterpret_cast<MpiHandle>(static_cast<intptr_t>(static_cast<int32_t>(v))); };
    M.flavour = "MPICH";
    M.commWorld = handle(0x44000000);
    M.floatType = handle(0x4c00040a);
    M.doubleType = handle(0x4c00080b);
    M.byteType = handle(0x4c00010d);
    M.sumOp = handle(0x58000003);
    M.errorsReturn = handle(0x54000001);
    M.infoNull = handle(0x1c000000);
    M.inPlace = reinterpret_cast<void*>(-1);
    M.commTypeShared = 1;
    return "";
  }
  return path + " is neither Open MPI nor MPICH (its version string: " + v.substr(0, 80) + ")";
}

void runInit(Job& j) {
  std::string notes;
  bool bound = false;
  for (const auto& p : j.paths) {
    std::string why = bindLibrary(p);
    if (why.empty()) {
      C.libraryPath = p;
      bound = true;
      break;
    }
    notes += (notes.empty() ? "" : "; ") + p + ": " + why;
  }
  if (!bound) {
    j.error = "nolib:no usable MPI library (" + notes + ")";
    return;
  }
  int already = 0;
  M.MPI_Initialized(&already);
  if (!already) {
    int rc = M.MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED_LEVEL, &C.threadLevel);
    if (rc != MPI_OK) {
      j.error = "init:MPI_Init_thread failed: " + mpiError(rc);
      return;
    }
  }
  // Errors come back as return codes (raised in JavaScript) instead of aborting the job silently.
  M.MPI_Comm_set_errhandler(M.commWorld, M.errorsReturn);
  M.MPI_Comm_rank(M.commWorld, &C.rank);
  M.MPI_Comm_size(M.commWorld, &C.size);
  MpiHandle node = nullptr;
  if (M.MPI_Comm_split_type(M.commWorld, M.commTypeShared, 0, M.infoNull, &node) == MPI_OK) {
    M.MPI_Comm_rank(node, &C.localRank);
    M.MPI_Comm_size(node, &C.localSize);
  }
  char version[8192] = {0};
  int len = 0;
  M.MPI_Get_library_version(version, &len);
  C.version.assign(version, len);
  while (!C.version.empty() && (C.version.back() == '\n' || C.version.back() == '\0')) C.version.pop_back();
  C.initialized = true;
}

template <class T>
void scaleValues(void* ptr, size_t n, double s) {
  T* v = static_cast<T*>(ptr);
  const T k = static_cast<T>(s);
  for (size_t i = 0; i < n; i++) v[i] *= k;
}

void run(Job& j) {
  const size_t step = 1u << 30;  // MPI counts are ints
  int rc = MPI_OK;
  const char* what = "";
  switch (j.kind) {
    case INIT:
      runInit(j);
      return;
    case FINALIZE:
      what = "MPI_Finalize";
      rc = M.MPI_Finalize();
      C.finalized = true;
      break;
    case BARRIER:
      what = "MPI_Barrier";
      rc = M.MPI_Barrier(M.commWorld);
      break;
    case ALLREDUCE: {
      what = "MPI_Allreduce";
      const size_t elem = j.isDouble ? 8 : 4;
      for (size_t at = 0; at < j.count && rc == MPI_OK; at += step) {
        int n = static_cast<int>(std::min(step, j.count - at));
        rc = M.MPI_Allreduce(M.inPlace, static_cast<char*>(j.ptr) + at * elem, n, j.isDouble ? M.doubleType : M.floatType,
                             M.sumOp, M.commWorld);
      }
      if (rc == MPI_OK && j.scale != 1) {
        if (j.isDouble) scaleValues<double>(j.ptr, j.count, j.scale);
        else scaleValues<float>(j.ptr, j.count, j.scale);
      }
      break;
    }
    case BCAST:
      what = "MPI_Bcast";
      for (size_t at = 0; at < j.count && rc == MPI_OK; at += step) {
        int n = static_cast<int>(std::min(step, j.count - at));
        rc = M.MPI_Bcast(static_cast<char*>(j.ptr) + at, n, M.byteType, j.root, M.commWorld);
      }
      break;
  }
  if (rc != MPI_OK) j.error = std::string("mpi:") + what + " failed on rank " + std::to_string(C.rank) + ": " + mpiError(rc);
}

void commThread() {
  for (;;) {
    std::shared_ptr<Job> j;
    {
      std::unique_lock<std::mutex> lock(C.mu);
      C.work.wait(lock, [] { return !C.queue.empty(); });
      j = C.queue.front();
      C.queue.pop_front();
    }
    run(*j);
    bool last = j->kind == FINALIZE;
    {
      std::lock_guard<std::mutex> lock(C.mu);
      j->done = true;
    }
    C.finished.notify_all();
    if (last) return;
  }
}

void submit(const std::shared_ptr<Job>& j) {
  {
    std::lock_guard<std::mutex> lock(C.mu);
    if (!C.threadStarted) {
      // Detached: a process may exit while MPI hangs in it (after a timeout), and must still exit.
      std::thread(commThread).detach();
      C.threadStarted = true;
    }
    C.queue.push_back(j);
  }
  C.work.notify_one();
}

/** Waits for `j` at most timeoutMs (<= 0: no limit); throws and returns false on error or timeout. */
bool waitJob(napi_env env, const std::shared_ptr<Job>& j, double timeoutMs, const char* what) {
  std::unique_lock<std::mutex> lock(C.mu);
  if (timeoutMs > 0) {
    auto limit = std::chrono::milliseconds(static_cast<long long>(timeoutMs));
    if (!C.finished.wait_for(lock, limit, [&] { return j->done; })) {
      C.broken = true;
      C.brokenBy = std::string(what) + " on rank " + std::to_string(C.rank) + " did not complete within " +
                   std::to_string(static_cast<long long>(timeoutMs / 1000)) + " s";
      lock.unlock();
      throwCoded(env, "timeout", C.brokenBy + ": another rank has died, hangs, or is far slower");
      return false;
    }
  } else {
    C.finished.wait(lock, [&] { return j->done; });
  }
  if (!j->error.empty()) {
    std::string e = j->error;
    size_t colon = e.find(':');
    lock.unlock();
    throwCoded(env, e.substr(0, colon), e.substr(colon + 1));
    return false;
  }
  return true;
}

bool usable(napi_env env, const char* fn) {
  if (C.broken) {
    throwCoded(env, "broken", std::string("cortado_mpi.") + fn + ": the communicator is unusable since " + C.brokenBy);
    return false;
  }
  if (!C.initialized || C.finalized) {
    throwCoded(env, "state", std::string("cortado_mpi.") + fn + (C.finalized ? ": MPI was finalized" : ": init() has not succeeded"));
    return false;
  }
  return true;
}

/** A typed array's memory: pointer, element count and whether it holds float64 (else float32 or bytes). */
struct ArrayArg {
  void* data = nullptr;
  size_t length = 0;
  size_t bytes = 0;
  napi_typedarray_type type = napi_uint8_array;
};

bool getArray(napi_env env, napi_value v, ArrayArg& a, const char* fn) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) {
    throwCoded(env, "arg", std::string("cortado_mpi.") + fn + ": expected a typed array");
    return false;
  }
  napi_value ab;
  size_t offset;
  napi_get_typedarray_info(env, v, &a.type, &a.length, &a.data, &ab, &offset);
  size_t elem = a.type == napi_float64_array || a.type == napi_bigint64_array || a.type == napi_biguint64_array ? 8
                : a.type == napi_float32_array || a.type == napi_int32_array || a.type == napi_uint32_array ? 4
                : a.type == napi_int16_array || a.type == napi_uint16_array ? 2 : 1;
  a.bytes = a.length * elem;
  return true;
}

bool reduceArgs(napi_env env, napi_callback_info info, size_t n, napi_value* argv, std::shared_ptr<Job>& j, const char* fn) {
  if (!getArgs(env, info, n, argv, fn) || !usable(env, fn)) return false;
  ArrayArg a;
  if (!getArray(env, argv[0], a, fn)) return false;
  if (a.type != napi_float32_array && a.type != napi_float64_array) {
    throwCoded(env, "arg", std::string("cortado_mpi.") + fn + ": expected a Float32Array or Float64Array");
    return false;
  }
  j = std::make_shared<Job>();
  j->kind = ALLREDUCE;
  j->ptr = a.data;
  j->count = a.length;
  j->isDouble = a.type == napi_float64_array;
  return getNumber(env, argv[1], j->scale, fn, 1);
}

}  // namespace

// ---------------------------------------------------------------- exported functions

/** init(paths: string[]) -> { ok: true, rank, size, localRank, localSize, library, version, flavour, threadLevel } | { ok: false, code, message } */
static napi_value Init(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "init")) return nullptr;
  napi_value out;
  napi_create_object(env, &out);
  auto fail = [&](const std::string& code, const std::string& message) {
    setProp(env, out, "ok", makeBool(env, false));
    setProp(env, out, "code", makeString(env, code));
    setProp(env, out, "message", makeString(env, message));
    return out;
  };
  if (C.initialized) return fail("again", "init() may be called once per process");
  auto j = std::make_shared<Job>();
  j->kind = INIT;
  if (!getStrings(env, argv[0], j->paths)) return fail("arg", "init: expected a list of library paths");
  submit(j);
  {
    std::unique_lock<std::mutex> lock(C.mu);
    C.finished.wait(lock, [&] { return j->done; });
  }
  if (!j->error.empty()) {
    size_t colon = j->error.find(':');
    return fail(j->error.substr(0, colon), j->error.substr(colon + 1));
  }
  setProp(env, out, "ok", makeBool(env, true));
  setProp(env, out, "rank", makeNumber(env, C.rank));
  setProp(env, out, "size", makeNumber(env, C.size));
  setProp(env, out, "localRank", makeNumber(env, C.localRank));
  setProp(env, out, "localSize", makeNumber(env, C.localSize));
  setProp(env, out, "library", makeString(env, C.libraryPath));
  setProp(env, out, "version", makeString(env, C.version));
  setProp(env, out, "flavour", makeString(env, M.flavour));
  setProp(env, out, "threadLevel", makeNumber(env, C.threadLevel));
  return out;
}

/** allreduce(array, scale, timeoutMs): array = scale × (sum over ranks of array), in place. */
static napi_value Allreduce(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  std::shared_ptr<Job> j;
  if (!reduceArgs(env, info, 3, argv, j, "allreduce")) return nullptr;
  double timeoutMs = 0;
  if (!getNumber(env, argv[2], timeoutMs, "allreduce", 2)) return nullptr;
  submit(j);
  waitJob(env, j, timeoutMs, "an allreduce");
  return nullptr;
}

/** allreduceStart(array, scale) -> id: the same, queued; the array is held until wait(id). */
static napi_value AllreduceStart(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  std::shared_ptr<Job> j;
  if (!reduceArgs(env, info, 2, argv, j, "allreduceStart")) return nullptr;
  napi_ref ref;
  napi_create_reference(env, argv[0], 1, &ref);
  uint32_t id = C.nextId++;
  C.pending[id] = {j, ref};
  submit(j);
  return makeNumber(env, id);
}

/** wait(id, timeoutMs): returns when the queued allreduce `id` is done; throws on error or timeout. */
static napi_value Wait(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv, "wait")) return nullptr;
  double id = 0, timeoutMs = 0;
  if (!getNumber(env, argv[0], id, "wait", 0) || !getNumber(env, argv[1], timeoutMs, "wait", 1)) return nullptr;
  auto it = C.pending.find(static_cast<uint32_t>(id));
  if (it == C.pending.end()) {
    throwCoded(env, "arg", "cortado_mpi.wait: no allreduce " + std::to_string(static_cast<long long>(id)) + " is pending");
    return nullptr;
  }
  auto [j, ref] = it->second;
  if (!waitJob(env, j, timeoutMs, "an allreduce")) return nullptr;  // the array stays held: MPI may still write it
  napi_delete_reference(env, ref);
  C.pending.erase(it);
  return nullptr;
}

/** broadcast(array, root, timeoutMs): every rank's array gets root's bytes (same length everywhere). */
static napi_value Broadcast(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv, "broadcast") || !usable(env, "broadcast")) return nullptr;
  ArrayArg a;
  if (!getArray(env, argv[0], a, "broadcast")) return nullptr;
  int root = 0;
  double timeoutMs = 0;
  if (!getInt(env, argv[1], root, "broadcast", 1) || !getNumber(env, argv[2], timeoutMs, "broadcast", 2)) return nullptr;
  if (root < 0 || root >= C.size) {
    throwCoded(env, "arg", "cortado_mpi.broadcast: root " + std::to_string(root) + " is no rank (size " + std::to_string(C.size) + ")");
    return nullptr;
  }
  auto j = std::make_shared<Job>();
  j->kind = BCAST;
  j->ptr = a.data;
  j->count = a.bytes;
  j->root = root;
  submit(j);
  waitJob(env, j, timeoutMs, "a broadcast");
  return nullptr;
}

/** A job with no buffer (a barrier, MPI_Finalize) from its one argument, timeoutMs. */
static napi_value PlainJob(napi_env env, napi_callback_info info, const char* name, Kind kind, const char* what) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, name) || !usable(env, name)) return nullptr;
  double timeoutMs = 0;
  if (!getNumber(env, argv[0], timeoutMs, name, 0)) return nullptr;
  auto j = std::make_shared<Job>();
  j->kind = kind;
  submit(j);
  waitJob(env, j, timeoutMs, what);
  return nullptr;
}

/** barrier(timeoutMs). */
static napi_value Barrier(napi_env env, napi_callback_info info) {
  return PlainJob(env, info, "barrier", BARRIER, "a barrier");
}

/** finalize(timeoutMs): MPI_Finalize; the communication thread ends. */
static napi_value Finalize(napi_env env, napi_callback_info info) {
  return PlainJob(env, info, "finalize", FINALIZE, "MPI_Finalize");
}

/**
 * abort(code): MPI_Abort on MPI_COMM_WORLD (the launcher stops every rank), called from this thread
 * since the communication thread may be stuck; the process exits with `code` after 5 s whatever
 * MPI does.
 */
static napi_value Abort(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "abort")) return nullptr;
  int code = 1;
  getInt(env, argv[0], code, "abort", 0);
  std::thread([code] {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    _exit(code);
  }).detach();
  if (C.initialized && !C.finalized) M.MPI_Abort(M.commWorld, code);
  _exit(code);
}

/** cudaDeviceCount(paths: string[]) -> the CUDA devices the driver reports (0 without a driver). */
static napi_value CudaDeviceCount(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "cudaDeviceCount")) return nullptr;
  std::vector<std::string> paths;
  getStrings(env, argv[0], paths);
  for (const auto& p : paths) {
    void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!h) continue;
    auto init = reinterpret_cast<int (*)(unsigned)>(dlsym(h, "cuInit"));
    auto count = reinterpret_cast<int (*)(int*)>(dlsym(h, "cuDeviceGetCount"));
    int n = 0;
    if (init && count && init(0) == 0 && count(&n) == 0) return makeNumber(env, n);
  }
  return makeNumber(env, 0);
}

NAPI_MODULE_INIT() {
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  const Entry entries[] = {
      {"init", Init},
      {"allreduce", Allreduce},
      {"allreduceStart", AllreduceStart},
      {"wait", Wait},
      {"broadcast", Broadcast},
      {"barrier", Barrier},
      {"finalize", Finalize},
      {"abort", Abort},
      {"cudaDeviceCount", CudaDeviceCount},
      {"ncclOpen", NcclOpen},
      {"ncclUniqueId", NcclUniqueId},
      {"ncclInit", NcclInit},
      {"ncclAllreduce", NcclAllreduce},
      {"ncclBroadcast", NcclBroadcast},
      {"ncclCheck", NcclCheck},
      {"ncclDestroy", NcclDestroy},
  };
  for (const auto& e : entries) {
    napi_value f;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &f);
    napi_set_named_property(env, exports, e.name, f);
  }
  return exports;
}
