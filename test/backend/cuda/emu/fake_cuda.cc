// A stand-in for libcuda.so.1 used by the CUDA backend's CPU emulation tests. Device memory is
// host memory whose end touches an inaccessible page (a kernel writing past a buffer crashes
// instead of passing silently); a launch runs every block in turn and every thread of a block
// as a fiber, switching at __syncthreads. Kernel modules are shared objects built by
// fake_nvrtc.cc. Work queued on a stream that is being captured is recorded instead (kernels with
// a copy of their argument slots, memsets, copies, and fake_cublas's calls through
// cortado_emu_capture, and copies from page-locked host memory, read at each launch), and a graph
// launch runs the record in order; a kernel node of an instantiated graph takes new arguments
// from cuGraphExecKernelNodeSetParams_v2. The calls a thread-local capture forbids (allocation,
// synchronous copies, copies from pageable memory, waiting) fail and invalidate the capture, as
// the driver's do.
#include <dlfcn.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {
struct Module {
  void* so;
};
struct Function {
  void (*tramp)(void**);
  void (*setIndex)(const unsigned*);
  bool barriers;
  int arity;
};
/** A captured call: a kernel launch with its argument slots, or any other step. */
struct Node {
  std::function<void()> step;
  void* fn = nullptr;
  unsigned dims[7] = {};  // grid x, y, z, block x, y, z, shared bytes
  std::vector<uint64_t> slots;
  size_t index = 0;  // position in its record: a node handle names the same node of an instance
};
// A deque: node handles (pointers) stay valid while the capture appends.
typedef std::deque<Node> Record;
// The stream being captured (one at a time), what it has recorded, and whether a forbidden call
// invalidated it.
void* capturing = nullptr;
Record* recording = nullptr;
bool invalidated = false;
const int kCaptureUnsupported = 900, kCaptureInvalidated = 901, kIllegalState = 401;

/** True when a call on `stream` is to be recorded, not run. */
bool captured(void* stream) { return capturing && stream == capturing; }
/** For the calls a thread-local capture forbids: fails them, and the capture with them. */
bool forbidden() {
  if (!capturing) return false;
  invalidated = true;
  return true;
}
struct Mapping {
  void* base;
  size_t length;
};
std::map<uintptr_t, Mapping> allocations;
std::map<uintptr_t, size_t> pinned;  // page-locked host allocations: start -> bytes

bool isPinned(const void* p, size_t n) {
  auto a = reinterpret_cast<uintptr_t>(p);
  auto it = pinned.upper_bound(a);
  if (it == pinned.begin()) return false;
  --it;
  return a >= it->first && a + n <= it->first + it->second;
}

void record(std::function<void()> step) {
  recording->push_back(Node{});
  recording->back().step = std::move(step);
  recording->back().index = recording->size() - 1;
}

const size_t kStack = 64 * 1024;
ucontext_t scheduler;
std::vector<ucontext_t> fibers;
std::vector<char*> stacks;
std::vector<int> state;  // 0 runnable, 1 waiting at the barrier, 2 finished
int current = 0;
Function* running = nullptr;
void** runningParams = nullptr;

void barrier() {
  state[current] = 1;
  swapcontext(&fibers[current], &scheduler);
}

void fiberMain() {
  running->tramp(runningParams);
  state[current] = 2;
}

void setIndex(Function* f, unsigned t, unsigned bx, unsigned by, unsigned bz, const unsigned* dims) {
  unsigned v[12] = {t % dims[0], (t / dims[0]) % dims[1], t / (dims[0] * dims[1]), bx, by, bz,
                    dims[0], dims[1], dims[2], dims[3], dims[4], dims[5]};
  f->setIndex(v);
}
}  // namespace

extern "C" {
int cuInit(unsigned) { return 0; }
int cuDriverGetVersion(int* v) {
  *v = 13000;
  return 0;
}
// One device, or CORTADO_EMU_DEVICES of them (all the same CPU), for the multi-GPU code paths.
int cuDeviceGetCount(int* c) {
  const char* env = getenv("CORTADO_EMU_DEVICES");
  *c = env && atoi(env) > 0 ? atoi(env) : 1;
  return 0;
}
int cuDeviceGet(int* d, int i) {
  *d = i;
  return 0;
}
int cuDeviceGetName(char* name, int len, int) {
  snprintf(name, len, "Cortado CPU emulator");
  return 0;
}
int cuDeviceGetAttribute(int* v, int attr, int) {
  *v = attr == 75 ? 9 : attr == 76 ? 0 : attr == 16 ? 1 : 0;
  return 0;
}
int cuDeviceTotalMem_v2(size_t* m, int) {
  *m = size_t(1) << 30;
  return 0;
}
int cuDevicePrimaryCtxRetain(void** c, int) {
  *c = reinterpret_cast<void*>(1);
  return 0;
}
int cuCtxSetCurrent(void*) { return 0; }
int cuCtxSynchronize() { return forbidden() ? kCaptureUnsupported : 0; }
// A 1 GiB device, less the mappings of the live allocations (so memory in use can be watched).
int cuMemGetInfo_v2(size_t* f, size_t* t) {
  size_t used = 0;
  for (const auto& a : allocations) used += a.second.length;
  *t = size_t(1) << 30;
  *f = used < *t ? *t - used : 0;
  return 0;
}

int cuMemAlloc_v2(unsigned long long* p, size_t n) {
  if (forbidden()) return kCaptureUnsupported;
  if (n == 0) return 1;
  size_t page = sysconf(_SC_PAGESIZE);
  size_t rounded = (n + 3) & ~size_t(3);
  size_t length = (rounded + page - 1) / page * page + page;
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return 2;
  mprotect(static_cast<char*>(base) + length - page, page, PROT_NONE);
  uintptr_t ptr = reinterpret_cast<uintptr_t>(base) + length - page - rounded;
  memset(reinterpret_cast<void*>(ptr), 0xff, rounded);  // NaN: reading memory never written shows
  allocations[ptr] = {base, length};
  *p = ptr;
  return 0;
}
int cuMemFree_v2(unsigned long long p) {
  if (forbidden()) return kCaptureUnsupported;
  auto it = allocations.find(p);
  if (it == allocations.end()) return 1;
  munmap(it->second.base, it->second.length);
  allocations.erase(it);
  return 0;
}
int cuMemsetD32Async(unsigned long long p, unsigned v, size_t n, void* stream) {
  if (captured(stream)) {
    record([=] { cuMemsetD32Async(p, v, n, nullptr); });
    return 0;
  }
  auto* q = reinterpret_cast<uint32_t*>(p);
  for (size_t i = 0; i < n; i++) q[i] = v;
  return 0;
}
int cuMemcpyHtoDAsync_v2(unsigned long long d, const void* s, size_t n, void* stream) {
  if (captured(stream) && isPinned(s, n)) {
    record([=] { memcpy(reinterpret_cast<void*>(d), s, n); });  // reads the host memory at each launch
    return 0;
  }
  if (captured(stream) || forbidden()) return kCaptureUnsupported;  // pageable host memory
  memcpy(reinterpret_cast<void*>(d), s, n);
  return 0;
}
int cuMemHostAlloc(void** p, size_t n, unsigned) {
  if (forbidden()) return kCaptureUnsupported;
  *p = malloc(n ? n : 1);
  if (!*p) return 2;
  pinned[reinterpret_cast<uintptr_t>(*p)] = n;
  return 0;
}
int cuMemFreeHost(void* p) {
  if (pinned.erase(reinterpret_cast<uintptr_t>(p)) == 0) return 1;
  free(p);
  return 0;
}
int cuMemcpyDtoH_v2(void* d, unsigned long long s, size_t n) {
  if (forbidden()) return kCaptureUnsupported;
  memcpy(d, reinterpret_cast<void*>(s), n);
  return 0;
}
int cuMemcpyDtoDAsync_v2(unsigned long long d, unsigned long long s, size_t n, void* stream) {
  if (captured(stream)) {
    record([=] { cuMemcpyDtoDAsync_v2(d, s, n, nullptr); });
    return 0;
  }
  memmove(reinterpret_cast<void*>(d), reinterpret_cast<void*>(s), n);
  return 0;
}

int cuModuleLoadData(void** module, const void* image) {
  const char* prefix = "CORTADO-EMU-MODULE ";
  const char* text = static_cast<const char*>(image);
  if (strncmp(text, prefix, strlen(prefix)) != 0) return 200;  // CUDA_ERROR_INVALID_IMAGE
  void* so = dlopen(text + strlen(prefix), RTLD_NOW | RTLD_LOCAL);
  if (!so) return 200;
  *module = new Module{so};
  return 0;
}
int cuModuleGetFunction(void** fn, void* module, const char* name) {
  void* so = static_cast<Module*>(module)->so;
  std::string n = name;
  auto tramp = reinterpret_cast<void (*)(void**)>(dlsym(so, ("cortado_emu_tramp_" + n).c_str()));
  auto flag = static_cast<int*>(dlsym(so, ("cortado_emu_barriers_" + n).c_str()));
  auto arity = static_cast<int*>(dlsym(so, ("cortado_emu_arity_" + n).c_str()));
  auto setIdx = reinterpret_cast<void (*)(const unsigned*)>(dlsym(so, "cortado_emu_set_index"));
  auto setBarrier = reinterpret_cast<void (*)(void (*)())>(dlsym(so, "cortado_emu_set_barrier"));
  if (!tramp || !flag || !arity || !setIdx || !setBarrier) return 500;  // CUDA_ERROR_NOT_FOUND
  setBarrier(barrier);
  *fn = new Function{tramp, setIdx, *flag != 0, *arity};
  return 0;
}

int cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void* stream, void** params, void** extra) {
  auto* f = static_cast<Function*>(fn);
  if (captured(stream)) {
    // The argument slots as they are now: the caller reuses its buffer for the next launch.
    recording->push_back(Node{});
    Node& node = recording->back();
    node.index = recording->size() - 1;
    node.fn = fn;
    unsigned dims[7] = {gx, gy, gz, bx, by, bz, shared};
    memcpy(node.dims, dims, sizeof dims);
    node.slots.resize(f->arity);
    for (int i = 0; i < f->arity; i++) memcpy(&node.slots[i], params[i], 8);
    return 0;
  }
  unsigned threads = bx * by * bz;
  if (threads == 0 || threads > 1024 || gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) return 1;
  const unsigned dims[6] = {bx, by, bz, gx, gy, gz};
  // CORTADO_EMU_BLOCK_ORDER=reverse runs the blocks last to first, and the threads of a kernel
  // without barriers too: a sum whose result depends on that order (atomics across blocks) then
  // changes, as it may on a GPU, where blocks run in no fixed order.
  const char* order = getenv("CORTADO_EMU_BLOCK_ORDER");
  const bool reverse = order && strcmp(order, "reverse") == 0;
  const size_t blocks = size_t(gx) * gy * gz;
  for (size_t b = 0; b < blocks; b++) {
    const size_t linear = reverse ? blocks - 1 - b : b;
    const unsigned x = linear % gx, y = (linear / gx) % gy, z = linear / (size_t(gx) * gy);
    if (!f->barriers) {
      for (unsigned i = 0; i < threads; i++) {
        const unsigned t = reverse ? threads - 1 - i : i;
        setIndex(f, t, x, y, z, dims);
        f->tramp(params);
      }
      continue;
    }
    if (fibers.size() < threads) {
      fibers.resize(threads);
      while (stacks.size() < threads) stacks.push_back(new char[kStack]);
    }
    state.assign(threads, 0);
    running = f;
    runningParams = params;
    for (unsigned t = 0; t < threads; t++) {
      getcontext(&fibers[t]);
      fibers[t].uc_stack.ss_sp = stacks[t];
      fibers[t].uc_stack.ss_size = kStack;
      fibers[t].uc_link = &scheduler;
      makecontext(&fibers[t], fiberMain, 0);
    }
    for (;;) {
      for (unsigned t = 0; t < threads; t++) {
        if (state[t] != 0) continue;
        current = static_cast<int>(t);
        setIndex(f, t, x, y, z, dims);
        swapcontext(&scheduler, &fibers[t]);
      }
      bool waiting = false;
      for (unsigned t = 0; t < threads; t++) {
        if (state[t] == 1) {
          state[t] = 0;
          waiting = true;
        }
      }
      if (!waiting) break;
    }
  }
  return 0;
}

int cuStreamCreate(void** stream, unsigned) {
  *stream = new int(0);
  return 0;
}
int cuStreamBeginCapture_v2(void* stream, int) {
  if (!stream || capturing) return kIllegalState;
  capturing = stream;
  recording = new Record();
  invalidated = false;
  return 0;
}
int cuStreamEndCapture(void* stream, void** graph) {
  if (!capturing || stream != capturing) return kIllegalState;
  capturing = nullptr;
  *graph = nullptr;
  if (invalidated) {
    delete recording;
    recording = nullptr;
    return kCaptureInvalidated;
  }
  *graph = recording;
  recording = nullptr;
  return 0;
}
// Version 3 (CUDA 12.3) only: the addon's fallback to version 2 is the same call less edge data.
int cuStreamGetCaptureInfo_v3(void* stream, int* status, unsigned long long* id, void** graph, const void*** deps,
                              const void** edges, size_t* n) {
  static const void* last[1];
  *status = !captured(stream) ? 0 : invalidated ? 2 : 1;
  if (id) *id = 1;
  if (graph) *graph = captured(stream) ? recording : nullptr;
  if (edges) *edges = nullptr;
  *n = 0;
  *deps = nullptr;
  if (captured(stream) && !recording->empty()) {
    last[0] = &recording->back();
    *deps = last;
    *n = 1;
  }
  return 0;
}
int cuGraphInstantiateWithFlags(void** exec, void* graph, unsigned long long) {
  *exec = new Record(*static_cast<Record*>(graph));
  return 0;
}
int cuGraphLaunch(void* exec, void* stream) {
  if (captured(stream)) return kIllegalState;
  for (auto& node : *static_cast<Record*>(exec)) {
    if (!node.fn) {
      node.step();
      continue;
    }
    std::vector<void*> p(node.slots.size());
    for (size_t i = 0; i < node.slots.size(); i++) p[i] = &node.slots[i];
    int r = cuLaunchKernel(node.fn, node.dims[0], node.dims[1], node.dims[2], node.dims[3], node.dims[4], node.dims[5],
                           node.dims[6], nullptr, p.data(), nullptr);
    if (r != 0) return r;
  }
  return 0;
}
struct KernelNodeParams {
  void* func;
  unsigned dims[7];
  void** kernelParams;
  void** extra;
  void* kern;
  void* ctx;
};
/** New arguments for a kernel node of an instance; the function and its launch shape must stay. */
int cuGraphExecKernelNodeSetParams_v2(void* exec, const void* node, const KernelNodeParams* p) {
  auto* record = static_cast<Record*>(exec);
  size_t i = static_cast<const Node*>(node)->index;
  if (i >= record->size() || !(*record)[i].fn) return 1;  // CUDA_ERROR_INVALID_VALUE
  Node& n = (*record)[i];
  if (p->func != n.fn || memcmp(p->dims, n.dims, sizeof n.dims) != 0 || p->extra || p->kern) return 1;
  for (size_t k = 0; k < n.slots.size(); k++) memcpy(&n.slots[k], p->kernelParams[k], 8);
  return 0;
}
int cuGraphExecDestroy(void* exec) {
  delete static_cast<Record*>(exec);
  return 0;
}
int cuGraphDestroy(void* graph) {
  delete static_cast<Record*>(graph);
  return 0;
}
int cuEventCreate(void** event, unsigned) {
  *event = new int(0);
  return 0;
}
// Work runs when it is queued here, so an event is complete as soon as it is recorded, or in a
// graph when its node runs. In a capture a plain record adds no node (the driver's only links
// streams); an external one (flag 1) is an event record node.
int cuEventRecord(void*, void*) { return 0; }
int cuEventRecordWithFlags(void*, void* stream, unsigned flags) {
  if (captured(stream) && (flags & 1)) record([] {});
  return 0;
}
int cuEventSynchronize(void*) { return forbidden() ? kCaptureUnsupported : 0; }
int cuEventDestroy_v2(void* event) {
  delete static_cast<int*>(event);
  return 0;
}
/** For fake_cublas: records `step` when `stream` is being captured (returns 1), else returns 0. */
int cortado_emu_capture(void* stream, std::function<void()>* step) {
  if (!captured(stream)) return 0;
  record(*step);
  return 1;
}

int cuGetErrorName(int r, const char** s) {
  *s = r == 200 ? "CUDA_ERROR_INVALID_IMAGE" : r == 500 ? "CUDA_ERROR_NOT_FOUND"
     : r == kCaptureUnsupported ? "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED" : r == kCaptureInvalidated ? "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED"
     : r == kIllegalState ? "CUDA_ERROR_ILLEGAL_STATE" : "CUDA_ERROR_EMULATED";
  return 0;
}
int cuGetErrorString(int, const char** s) {
  *s = "reported by the CPU emulation of the driver";
  return 0;
}
}
