// The thread pool of threads.h for WebAssembly.
//
// cortado.wasm (no atomics): one thread, the caller; every task runs in order.
//
// cortado-threads.wasm (-matomics, a shared memory): the host makes one instance per thread on
// the same memory, each with its own stack and TLS block (see src/backend/wasm/threads.ts), tells
// the caller's instance the pool size (threads_init) and runs thread_main(t) on each worker,
// which returns only after threads_quit. The pool's state lies in the shared memory, so every
// instance sees the same job. A job is published by bumping `epoch` to an odd value; workers that
// see it join (`active`), claim task indices from `next` until none is left, and leave. The
// caller works too, waits until every task is done, closes the epoch (even value) and waits until
// no worker is still inside. It waits only for the tasks that workers have already claimed, so a
// worker that has not started yet costs nothing: its tasks are run by the caller. Its wait spins
// for a while and then, where the host said the caller may block (Node, a worker; not a browser
// page's main thread, where memory.atomic.wait traps), sleeps in memory.atomic.wait until a worker
// notifies: on a machine with more runnable threads than cores, a caller that only spun would
// keep the very worker it waits for off the core. Idle workers spin for a while, then sleep in
// memory.atomic.wait32 until the next epoch.
//
// Calls from inside a task, or while another call holds the pool, run serially on the caller
// (the pool's lock is taken with a compare-exchange, never waited for), so kernels can nest.
#include "threads.h"

namespace cortado {

#if defined(__wasm_atomics__)

namespace {

struct Pool {
  int32_t threads;  // the caller plus the workers the host said it would start
  int32_t lock;     // 1 while a call owns the pool
  int32_t epoch;    // odd while a job is open
  int32_t active;   // workers inside the open job
  int32_t started;  // workers that have reached thread_main
  int32_t quit;
  int32_t caller_waits;  // 1: the caller may sleep in memory.atomic.wait
  int64_t next, done, tasks;
  int64_t worker_tasks;  // tasks run by workers so far (a statistic for tests and benchmarks)
  TaskFn fn;
  void* ctx;
};

Pool g_pool = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nullptr, nullptr};

template <class T>
T load(const T& v) { return __atomic_load_n(&v, __ATOMIC_SEQ_CST); }
template <class T>
void store(T& v, T x) { __atomic_store_n(&v, x, __ATOMIC_SEQ_CST); }

void work(int thread) {
  for (;;) {
    int64_t i = __atomic_fetch_add(&g_pool.next, 1, __ATOMIC_SEQ_CST);
    if (i >= g_pool.tasks) break;
    g_pool.fn(g_pool.ctx, i, thread);
    if (thread) __atomic_fetch_add(&g_pool.worker_tasks, 1, __ATOMIC_RELAXED);
    if (__atomic_add_fetch(&g_pool.done, 1, __ATOMIC_SEQ_CST) == g_pool.tasks && thread)
      __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&g_pool.done), 1);
  }
}

// The caller's wait until v == target: spins, then (where it may) sleeps until v changes. A
// wait that starts after the change returns at once (it compares first); the timeout is a guard.
inline void await32(int32_t& v, int32_t target) {
  for (int spin = 0;; ++spin) {
    int32_t now = load(v);
    if (now == target) return;
    if (spin > 20000 && g_pool.caller_waits) __builtin_wasm_memory_atomic_wait32(&v, now, 1000000);
  }
}
inline void await64(int64_t& v, int64_t target) {
  for (int spin = 0;; ++spin) {
    int64_t now = load(v);
    if (now == target) return;
    if (spin > 20000 && g_pool.caller_waits) __builtin_wasm_memory_atomic_wait64(&v, now, 1000000);
  }
}

}  // namespace

int num_threads() { return load(g_pool.threads); }

void parallel_run(int64_t tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  int32_t free_lock = 0;
  if (load(g_pool.threads) == 1 ||
      !__atomic_compare_exchange_n(&g_pool.lock, &free_lock, 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  g_pool.fn = fn;
  g_pool.ctx = ctx;
  g_pool.tasks = tasks;
  store(g_pool.next, int64_t(0));
  store(g_pool.done, int64_t(0));
  int32_t e = load(g_pool.epoch) + 1;
  store(g_pool.epoch, e);
  __builtin_wasm_memory_atomic_notify(&g_pool.epoch, ~0u);
  work(0);
  await64(g_pool.done, tasks);
  store(g_pool.epoch, e + 1);
  await32(g_pool.active, 0);
  store(g_pool.lock, 0);
}

}  // namespace cortado

// The host's side of the pool (src/backend/wasm/threads.ts).
#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

// Sets the pool size (the caller and threads - 1 workers) before any worker starts, and whether
// the caller's thread may block in memory.atomic.wait.
EXPORT(threads_init) void cortado_threads_init(int32_t threads, int32_t caller_waits) {
  cortado::store(cortado::g_pool.caller_waits, caller_waits);
  cortado::store(cortado::g_pool.threads, threads < 1 ? 1 : threads);
}

// A worker's life: serve jobs until threads_quit. `thread` in [1, threads).
EXPORT(thread_main) void cortado_thread_main(int32_t thread) {
  using cortado::g_pool;
  using cortado::load;
  __atomic_fetch_add(&g_pool.started, 1, __ATOMIC_SEQ_CST);
  int32_t seen = 0;
  for (int spin = 0; !load(g_pool.quit); ++spin) {
    int32_t e = load(g_pool.epoch);
    if ((e & 1) && e != seen) {
      seen = e;
      __atomic_fetch_add(&g_pool.active, 1, __ATOMIC_SEQ_CST);
      if (load(g_pool.epoch) == e) cortado::work(thread);
      if (__atomic_sub_fetch(&g_pool.active, 1, __ATOMIC_SEQ_CST) == 0)
        __builtin_wasm_memory_atomic_notify(&g_pool.active, 1);
      spin = 0;
    } else if (spin > (1 << 16)) {
      // Sleeps while the epoch is still e (a job opened since returns at once).
      __builtin_wasm_memory_atomic_wait32(&g_pool.epoch, e, -1);
      spin = 0;
    }
  }
}

// Ends every thread_main (each returns within one job).
EXPORT(threads_quit) void cortado_threads_quit() {
  using cortado::g_pool;
  cortado::store(g_pool.quit, 1);
  __atomic_fetch_add(&g_pool.epoch, 2, __ATOMIC_SEQ_CST);  // wakes sleepers without opening a job
  __builtin_wasm_memory_atomic_notify(&g_pool.epoch, ~0u);
}

// Workers that have reached thread_main so far.
EXPORT(threads_started) int32_t cortado_threads_started() { return cortado::load(cortado::g_pool.started); }

// Tasks that workers have run so far.
EXPORT(threads_worker_tasks) double cortado_threads_worker_tasks() {
  return double(cortado::load(cortado::g_pool.worker_tasks));
}

#else

int num_threads() { return 1; }

void parallel_run(int64_t tasks, TaskFn fn, void* ctx) {
  for (int64_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
}

}  // namespace cortado

#endif

// Destructors of thread_local objects (gemm's scratch buffers) would run when a thread exits;
// the threads of an instance never exit while the memory lives, so there is nothing to register.
extern "C" int __cxa_thread_atexit(void (*)(void*), void*, void*) { return 0; }
