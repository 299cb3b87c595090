// A process-wide pool of persistent threads (one per core, CORTADO_NUM_THREADS overrides).
//
// parallel_run(n, fn, ctx) calls fn(ctx, i, thread) for every task i in [0, n) and returns when
// all are done. Thread t (the calling thread is thread 0 and works too) claims tasks one at a
// time from its own contiguous share, [n t / T, n (t + 1) / T), and then from what is left of the
// others', so a thread that the OS preempts on a busy machine just takes fewer tasks. The shares
// keep a kernel's tasks on the thread that ran the same rows in the kernel before (parallel_rows'
// part t, images split in order), whose cache still holds them: with one shared counter,
// LeNet's training step at batch 64 on 2 AVX-512 cores took 2-9% longer. `thread` (< num_threads()) indexes per-thread scratch or partial sums. Calls from inside a task, or while another JS thread
// holds the pool, run serially on the caller, so kernels can nest without deadlock.
//
// Only plain C types cross this header: it is included by every per-ISA translation unit.
#pragma once
#include <stdint.h>

namespace cortado {

typedef void (*TaskFn)(void* ctx, int64_t task, int thread);

int num_threads();
void parallel_run(int64_t tasks, TaskFn fn, void* ctx);

// fn(task, thread) for task in [0, tasks) on the pool.
template <class F>
inline void parallel_for(int64_t tasks, const F& fn) {
  if (tasks <= 1) {
    if (tasks == 1) fn(int64_t(0), 0);
    return;
  }
  parallel_run(tasks, [](void* ctx, int64_t task, int thread) { (*static_cast<const F*>(ctx))(task, thread); },
               const_cast<F*>(&fn));
}

// Splits [0, n) into about `parts` contiguous ranges whose bounds are multiples of `align`; the
// part-th range is [begin, end).
inline void split_range(int64_t n, int64_t parts, int64_t part, int64_t align, int64_t* begin,
                        int64_t* end) {
  int64_t blocks = (n + align - 1) / align;
  int64_t b0 = blocks * part / parts, b1 = blocks * (part + 1) / parts;
  *begin = b0 * align < n ? b0 * align : n;
  *end = b1 * align < n ? b1 * align : n;
}

// f(lo, hi) over [0, n) in num_threads() contiguous chunks whose bounds are multiples of 16
// floats (whole cache lines), or on the caller alone when n < grain (not worth a wake-up).
template <class F>
inline void parallel_range(int64_t n, int64_t grain, const F& f) {
  int64_t parts = n >= grain ? num_threads() : 1;
  if (parts <= 1) {
    if (n > 0) f(int64_t(0), n);
    return;
  }
  parallel_for(parts, [&](int64_t part, int) {
    int64_t lo, hi;
    split_range(n, parts, part, 16, &lo, &hi);
    if (hi > lo) f(lo, hi);
  });
}

}  // namespace cortado
