// A stand-in for libnccl.so.2 for the CUDA emulator (test/backend/cuda/emu), whose device pointers
// are host memory: the ranks of one machine sum their buffers through POSIX shared memory. It
// checks Cortado's NCCL path (library binding, the unique id's trip through MPI, the pointers and
// counts handed over, the scaling after the sum), not NCCL. Only what Cortado calls, float32 sum.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

struct ncclUniqueId {
  char internal[128];
};

namespace {

const size_t SLOT = 1 << 20;  // floats per rank and round
struct Header {
  std::atomic<int> arrived;
  std::atomic<int> generation;
};
struct Comm {
  int rank, size;
  char name[128];
  Header* head;
  float* slots;
  size_t bytes;
};

void barrier(Comm* c) {
  int gen = c->head->generation.load();
  if (c->head->arrived.fetch_add(1) + 1 == c->size) {
    c->head->arrived.store(0);
    c->head->generation.fetch_add(1);
  } else {
    while (c->head->generation.load() == gen) usleep(50);
  }
}

}  // namespace

extern "C" {

int ncclGetVersion(int* v) {
  *v = 22399;
  return 0;
}

int ncclGetUniqueId(ncclUniqueId* id) {
  memset(id->internal, 0, sizeof id->internal);
  snprintf(id->internal, sizeof id->internal, "/cortado-fake-nccl-%d-%ld", getpid(), static_cast<long>(time(nullptr)));
  return 0;
}

int ncclCommInitRank(Comm** out, int size, ncclUniqueId id, int rank) {
  Comm* c = new Comm();
  c->rank = rank;
  c->size = size;
  memcpy(c->name, id.internal, sizeof c->name);
  c->bytes = 4096 + sizeof(float) * SLOT * size;
  int fd = shm_open(c->name, O_CREAT | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, c->bytes) != 0) return 2;
  void* p = mmap(nullptr, c->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return 2;
  c->head = static_cast<Header*>(p);
  c->slots = reinterpret_cast<float*>(static_cast<char*>(p) + 4096);
  *out = c;
  barrier(c);
  return 0;
}

int ncclCommDestroy(Comm* c) {
  barrier(c);
  munmap(c->head, c->bytes);
  if (c->rank == 0) shm_unlink(c->name);
  delete c;
  return 0;
}

int ncclCommAbort(Comm* c) {
  munmap(c->head, c->bytes);
  shm_unlink(c->name);
  delete c;
  return 0;
}

int ncclCommGetAsyncError(Comm*, int* e) {
  *e = 0;
  return 0;
}

const char* ncclGetErrorString(int) { return "fake NCCL error"; }
int ncclGroupStart() { return 0; }
int ncclGroupEnd() { return 0; }

int ncclAllReduce(const void* send, void* recv, size_t count, int type, int op, Comm* c, void*) {
  if (type != 7 || op != 0) return 5;  // float32 sum only
  const float* in = static_cast<const float*>(send);
  float* out = static_cast<float*>(recv);
  for (size_t at = 0; at < count; at += SLOT) {
    size_t n = count - at < SLOT ? count - at : SLOT;
    memcpy(c->slots + c->rank * SLOT, in + at, n * sizeof(float));
    barrier(c);
    for (size_t i = 0; i < n; i++) {
      float s = 0;
      for (int r = 0; r < c->size; r++) s += c->slots[r * SLOT + i];
      out[at + i] = s;
    }
    barrier(c);
  }
  return 0;
}

int ncclBroadcast(const void* send, void* recv, size_t count, int type, int root, Comm* c, void*) {
  for (size_t at = 0; at < count; at += SLOT) {
    size_t n = count - at < SLOT ? count - at : SLOT;
    if (c->rank == root) memcpy(c->slots, static_cast<const float*>(send) + at, n * sizeof(float));
    barrier(c);
    memcpy(static_cast<float*>(recv) + at, c->slots, n * sizeof(float));
    barrier(c);
  }
  return 0;
}

}  // extern "C"
