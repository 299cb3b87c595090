// The thread pool behind parallel_run (see threads.h).
//
// A job is published by bumping `epoch_` to an odd value; workers that see it join (`active_`),
// claim task indices from `next_` until none is left, and leave. The caller works too, waits until
// every task is done, closes the epoch (even value) and waits until no worker is still inside, so
// the job's fields can be rewritten by the next call. Idle workers spin for a short while (calls
// come back to back during training) and then sleep on a condition variable.
#include "threads.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CORTADO_PAUSE() _mm_pause()
#else
#define CORTADO_PAUSE() std::this_thread::yield()
#endif

namespace cortado {
namespace {

thread_local bool tl_in_task = false;

int detect_threads() {
  const char* env = std::getenv("CORTADO_NUM_THREADS");
  if (env && *env) {
    long v = std::strtol(env, nullptr, 10);
    if (v >= 1) return v > 256 ? 256 : int(v);
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  unsigned h = std::thread::hardware_concurrency();
  return h ? int(h) : 1;
}

class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    // Detached and never destroyed: joining threads in a static destructor at exit would hang.
    for (int t = 1; t < n; ++t) std::thread([this, t] { worker(t); }).detach();
  }

  int size() const { return n_; }

  void run(int64_t tasks, TaskFn fn, void* ctx) {
    std::unique_lock<std::mutex> caller(call_mutex_, std::try_to_lock);
    if (n_ == 1 || tl_in_task || !caller.owns_lock()) {
      bool outer = tl_in_task;
      tl_in_task = true;
      for (int64_t i = 0; i < tasks; ++i) fn(ctx, i, 0);
      tl_in_task = outer;
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    for (int t = 0; t < n_; ++t) {
      ranges_[t].next.store(tasks * t / n_, std::memory_order_relaxed);
      ranges_[t].end = tasks * (t + 1) / n_;
    }
    done_.store(0);
    job_ += 2;
    epoch_.store(job_ | 1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lk(sleep_mutex_);
      wake_.notify_all();
    }
    work(0);
    for (int spin = 0; done_.load(std::memory_order_acquire) != tasks; ++spin) relax(spin);
    epoch_.store(job_);
    for (int spin = 0; active_.load() != 0; ++spin) relax(spin);
  }

 private:
  static void relax(int spin) {
    if (spin < 4096) CORTADO_PAUSE();
    else std::this_thread::yield();
  }

  // Own range first, then what is left of the others'.
  void work(int thread) {
    tl_in_task = true;
    for (int k = 0; k < n_; ++k) {
      Range& r = ranges_[(thread + k) % n_];
      for (;;) {
        int64_t i = r.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= r.end) break;
        fn_(ctx_, i, thread);
        done_.fetch_add(1, std::memory_order_release);
      }
    }
    tl_in_task = false;
  }

  void worker(int thread) {
    uint64_t seen = 0;
    auto idle_since = std::chrono::steady_clock::now();
    for (int spin = 0;; ++spin) {
      uint64_t e = epoch_.load();
      if ((e & 1) && e != seen) {
        seen = e;
        active_.fetch_add(1);
        if (epoch_.load() == e) work(thread);
        active_.fetch_sub(1);
        idle_since = std::chrono::steady_clock::now();
        spin = 0;
        continue;
      }
      if ((spin & 63) != 63 || std::chrono::steady_clock::now() - idle_since < kSpinTime) {
        CORTADO_PAUSE();
        continue;
      }
      std::unique_lock<std::mutex> lk(sleep_mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lk, [&] {
        uint64_t now = epoch_.load();
        return (now & 1) && now != seen;
      });
      sleepers_.fetch_sub(1);
    }
  }

  static constexpr std::chrono::microseconds kSpinTime{200};

  const int n_;
  std::mutex call_mutex_;
  uint64_t job_ = 0;
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  // Thread t's share of a job's tasks, [tasks t / n, tasks (t + 1) / n), one cache line each.
  struct alignas(64) Range {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  Range ranges_[256];
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int> active_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

Pool& pool() {
  static Pool* p = new Pool(detect_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void parallel_run(int64_t tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  pool().run(tasks, fn, ctx);
}

}  // namespace cortado
