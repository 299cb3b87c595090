// Loop templates for elementwise kernels: a functor on V applied over whole vectors, then one
// partial vector; large arrays are split across the pool.
#pragma once
#include "simd.h"
#include "threads.h"

namespace cortado {
namespace CORTADO_ISA {

// Memory-bound loops only pay for waking the other threads from about this many floats on.
constexpr int64_t kGrain = 1 << 15;

// f(lo, hi) over rows [0, rows) split evenly across the pool when the whole job touches at
// least kGrain floats (`work`), else on the caller.
template <class F>
inline void parallel_rows(int64_t rows, int64_t work, const F& f) {
  int64_t parts = work >= kGrain ? imin(num_threads(), rows) : 1;
  if (parts <= 1) {
    if (rows > 0) f(int64_t(0), rows);
    return;
  }
  parallel_for(parts, [&](int64_t part, int) {
    int64_t lo, hi;
    split_range(rows, parts, part, 1, &lo, &hi);
    if (hi > lo) f(lo, hi);
  });
}

// y[i] = f(a[i]); y may be a.
template <class F>
inline void map1(int64_t n, const float* a, float* y, const F& f) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + W <= hi; i += W) store(y + i, f(load(a + i)));
    if (i < hi) storep(y + i, f(loadp(a + i, hi - i)), hi - i);
  });
}

// y[i] = f(a[i], b[i]); y may be a or b.
template <class F>
inline void map2(int64_t n, const float* a, const float* b, float* y, const F& f) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + W <= hi; i += W) store(y + i, f(load(a + i), load(b + i)));
    if (i < hi) storep(y + i, f(loadp(a + i, hi - i), loadp(b + i, hi - i)), hi - i);
  });
}

// y[i] = f(a[i], b[i], c[i]); y may be any input.
template <class F>
inline void map3(int64_t n, const float* a, const float* b, const float* c, float* y, const F& f) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + W <= hi; i += W) store(y + i, f(load(a + i), load(b + i), load(c + i)));
    if (i < hi) {
      int64_t r = hi - i;
      storep(y + i, f(loadp(a + i, r), loadp(b + i, r), loadp(c + i, r)), r);
    }
  });
}

// Sum of block_sum(lo, hi) over fixed 4096-float blocks, added in double in a fixed order, so the
// result does not depend on which thread ran which block.
template <class F>
inline double reduce(int64_t n, const F& block_sum) {
  constexpr int64_t kBlock = 4096;
  double partial[256];
  int64_t parts = n >= 2 * kGrain ? imin(num_threads(), 256) : 1;
  parallel_for(parts, [&](int64_t part, int) {
    int64_t lo, hi;
    split_range(n, parts, part, kBlock, &lo, &hi);
    double s = 0;
    for (int64_t b = lo; b < hi; b += kBlock) s += block_sum(b, imin(b + kBlock, hi));
    partial[part] = s;
  });
  double s = 0;
  for (int64_t p = 0; p < parts; ++p) s += partial[p];
  return s;
}

// d[0, n) = s[0, n) on the calling thread: whole vectors, then one partial vector.
inline void copy_run(float* d, const float* s, int64_t n) {
  int64_t k = 0;
  for (; k + W <= n; k += W) store(d + k, load(s + k));
  if (k < n) storep(d + k, loadp(s + k, n - k), n - k);
}

// f applied to each lane through memory, for ops with no vector formula.
template <class F>
inline V lanewise(V a, const F& f) {
  float t[W];
  store(t, a);
  for (int i = 0; i < W; ++i) t[i] = f(t[i]);
  return load(t);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
