// The thread pool of threads.h for a single-threaded WebAssembly instance: one thread (the
// caller), every task run in order.
#include "threads.h"

namespace cortado {

int num_threads() { return 1; }

void parallel_run(int64_t tasks, TaskFn fn, void* ctx) {
  for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
}

}  // namespace cortado

// Destructors of thread_local objects (gemm's scratch buffers) would run when a thread exits;
// the one thread of an instance never does, so there is nothing to register.
extern "C" int __cxa_thread_atexit(void (*)(void*), void*, void*) { return 0; }
