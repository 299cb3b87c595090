// Included before a Cortado kernel source when the CPU emulator (fake_nvrtc.cc) compiles it with
// g++: it supplies what CUDA C++ provides on the device. Each block's threads run as fibers of
// one OS thread (fake_cuda.cc), so __shared__ memory can be a static and atomics plain updates.
#pragma once
#include <math.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

struct cortado_emu_dim3 {
  unsigned x, y, z;
};
static cortado_emu_dim3 threadIdx, blockIdx, blockDim, gridDim;
static void (*cortado_emu_barrier)() = nullptr;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

using std::max;
using std::min;

inline void __syncthreads() { cortado_emu_barrier(); }
inline unsigned __float_as_uint(float f) {
  unsigned u;
  memcpy(&u, &f, sizeof u);
  return u;
}
inline float __uint_as_float(unsigned u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
inline float atomicAdd(float* a, float v) {
  float old = *a;
  *a = old + v;
  return old;
}

/** Called by the emulated driver before it runs (or resumes) a thread. */
extern "C" void cortado_emu_set_index(const unsigned* v) {
  threadIdx = {v[0], v[1], v[2]};
  blockIdx = {v[3], v[4], v[5]};
  blockDim = {v[6], v[7], v[8]};
  gridDim = {v[9], v[10], v[11]};
}
extern "C" void cortado_emu_set_barrier(void (*f)()) { cortado_emu_barrier = f; }

/** Calls kernel f with its parameters read from the 8-byte-aligned slots of a launch. */
template <class... T, std::size_t... I>
void cortado_emu_call_impl(void (*f)(T...), void** a, std::index_sequence<I...>) {
  f(*static_cast<std::remove_cv_t<std::remove_reference_t<T>>*>(a[I])...);
}
template <class... T>
void cortado_emu_call(void (*f)(T...), void** a) {
  cortado_emu_call_impl(f, a, std::index_sequence_for<T...>{});
}
/** A kernel's parameter count (a captured launch copies that many argument slots). */
template <class... T>
constexpr int cortado_emu_arity(void (*)(T...)) {
  return sizeof...(T);
}
