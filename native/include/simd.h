// One vector vocabulary for every kernel: `V` holds W floats, chosen by the compile flags of the
// translation unit (AVX-512: 16 lanes, AVX2+FMA: 8, portable: 1 lane of plain float that the
// compiler may still auto-vectorize; WebAssembly SIMD128: 4). Kernels write `for (i; i + W <= n; i += W)` loops over V
// and finish with one partial vector (`loadp`/`storep` touch only the first `r` < W lanes, the
// others read as 0), so every op is written once.
//
// Beyond arithmetic: loadm(p, lo, hi) reads only lanes [lo, hi) (the others are 0 and their
// memory is not touched, except on WebAssembly, where it is read and cleared; loadl does the same
// with lanes made once by lane_range),
// max_keep(a, b) is a > b ? a : b on every ISA, b on ties and wherever either is NaN, in one
// instruction (x86's maxps, wasm's pmax with its operands swapped): a running maximum that keeps
// the first of equal values and skips a later NaN, as a scan with a strict > does, with one
// instruction's latency between steps where a compare and a select on it take two or three.
// deinterleave/interleave split and merge the even and odd elements of two consecutive vectors,
// and transpose turns a W x W tile held in W vectors around.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#if !defined(CORTADO_ISA)
#error "CORTADO_ISA must name the instruction set of this translation unit (binding.gyp sets it)"
#endif

namespace cortado {
namespace CORTADO_ISA {

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

#if defined(__AVX2__) || defined(__AVX512F__)
// r[i][j] <-> r[j][i] for an 8 x 8 tile in ymm registers: the AVX2 build's transpose, and the
// AVX-512 build's for 8-lane rows (im2col_plan.cc).
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x20);
    r[4 + i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x31);
  }
}
#endif

#if defined(__AVX512F__)
constexpr int W = 16;
typedef __m512 V;
inline __mmask16 lanes(int64_t r) { return __mmask16((1u << r) - 1u); }
inline V load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
inline V loadp(const float* p, int64_t r) { return _mm512_maskz_loadu_ps(lanes(r), p); }
inline void storep(float* p, V v, int64_t r) { _mm512_mask_storeu_ps(p, lanes(r), v); }
inline V set1(float a) { return _mm512_set1_ps(a); }
inline V zero() { return _mm512_setzero_ps(); }
inline V add(V a, V b) { return _mm512_add_ps(a, b); }
inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
inline V div(V a, V b) { return _mm512_div_ps(a, b); }
inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
// max/min return the second operand when either is NaN: put the data there to keep NaN.
inline V max(V a, V b) { return _mm512_max_ps(a, b); }
inline V max_keep(V a, V b) { return _mm512_max_ps(a, b); }
inline V min(V a, V b) { return _mm512_min_ps(a, b); }
inline V abs(V a) { return _mm512_abs_ps(a); }
inline V sqrt(V a) { return _mm512_sqrt_ps(a); }
// a > b ? x : y, a >= b ? x : y, a < b ? x : y, a == b ? x : y (false for NaN); iota: lane i holds i.
inline V select_gt(V a, V b, V x, V y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), y, x); }
inline V select_ge(V a, V b, V x, V y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GE_OQ), y, x); }
inline V select_lt(V a, V b, V x, V y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x); }
inline V select_eq(V a, V b, V x, V y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), y, x); }
inline V iota() { return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
inline float hsum(V a) { return _mm512_reduce_add_ps(a); }
inline float hmax(V a) { return _mm512_reduce_max_ps(a); }
// 2^n for integral n in [-126, 127].
inline V pow2i(V n) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23));
}
inline V round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
typedef __mmask16 Lanes;
inline Lanes lane_range(int64_t lo, int64_t hi) { return hi > lo ? __mmask16(lanes(hi) & ~lanes(lo)) : 0; }
inline V loadl(const float* p, Lanes m) { return _mm512_maskz_loadu_ps(m, p); }
inline void deinterleave(V a, V b, V& even, V& odd) {
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  even = _mm512_permutex2var_ps(a, ie, b);
  odd = _mm512_permutex2var_ps(a, io, b);
}
inline void interleave(V even, V odd, V& lo, V& hi) {
  const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ih = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  lo = _mm512_permutex2var_ps(even, il, odd);
  hi = _mm512_permutex2var_ps(even, ih, odd);
}
// r[i][j] <-> r[j][i] for a W x W tile held in W vectors.
inline void transpose(V r[W]) {
  V t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(u[i], u[4 + i], 0x88);
    t[4 + i] = _mm512_shuffle_f32x4(u[i], u[4 + i], 0xDD);
    t[8 + i] = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0x88);
    t[12 + i] = _mm512_shuffle_f32x4(u[8 + i], u[12 + i], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
    r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
    r[4 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0x88);
    r[12 + i] = _mm512_shuffle_f32x4(t[4 + i], t[12 + i], 0xDD);
  }
}
#elif defined(__AVX2__)
constexpr int W = 8;
typedef __m256 V;
inline __m256i lanes(int64_t r) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(r)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
inline V loadp(const float* p, int64_t r) { return _mm256_maskload_ps(p, lanes(r)); }
// r in [0, W]. Not vmaskmovps: on AMD's Zen cores a masked store costs about 14 cycles whatever
// the mask (a plain store, under 1), and kernels end rows with one, or store whole vectors through
// storep when a count may be W. At most three plain stores write exactly r lanes instead.
inline void storep(float* p, V v, int64_t r) {
  if (r >= W) return _mm256_storeu_ps(p, v);
  __m128 h = _mm256_castps256_ps128(v);
  if (r >= 4) {
    _mm_storeu_ps(p, h);
    h = _mm256_extractf128_ps(v, 1);
    p += 4;
    r -= 4;
  }
  if (r >= 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), h);
    h = _mm_movehl_ps(h, h);
    p += 2;
    r -= 2;
  }
  if (r >= 1) _mm_store_ss(p, h);
}
inline V set1(float a) { return _mm256_set1_ps(a); }
inline V zero() { return _mm256_setzero_ps(); }
inline V add(V a, V b) { return _mm256_add_ps(a, b); }
inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
inline V div(V a, V b) { return _mm256_div_ps(a, b); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V max(V a, V b) { return _mm256_max_ps(a, b); }
inline V max_keep(V a, V b) { return _mm256_max_ps(a, b); }
inline V min(V a, V b) { return _mm256_min_ps(a, b); }
inline V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline V sqrt(V a) { return _mm256_sqrt_ps(a); }
inline V select_gt(V a, V b, V x, V y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
inline V select_ge(V a, V b, V x, V y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_GE_OQ)); }
inline V select_lt(V a, V b, V x, V y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
inline V select_eq(V a, V b, V x, V y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_EQ_OQ)); }
inline V iota() { return _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7); }
inline float hsum(V a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(V a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline V pow2i(V n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
}
inline V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
typedef __m256i Lanes;
inline Lanes lane_range(int64_t lo, int64_t hi) {
  __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(int(lo)), lane),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32(int(hi)), lane));
}
inline V loadl(const float* p, Lanes m) { return _mm256_maskload_ps(p, m); }
inline void deinterleave(V a, V b, V& even, V& odd) {
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)));
}
inline void interleave(V even, V odd, V& lo, V& hi) {
  V l = _mm256_unpacklo_ps(even, odd), h = _mm256_unpackhi_ps(even, odd);
  lo = _mm256_permute2f128_ps(l, h, 0x20);
  hi = _mm256_permute2f128_ps(l, h, 0x31);
}
inline void transpose(V r[W]) { transpose8(r); }
#elif defined(__wasm_simd128__)
// WebAssembly SIMD128 (clang --target=wasm32 -msimd128). SIMD128 has no FMA: fma is mul + add,
// unless the build adds relaxed SIMD (-mrelaxed-simd), whose f32x4.relaxed_madd the engine runs
// fused where the CPU has an FMA (rounded once) and as mul + add elsewhere.
constexpr int W = 4;
typedef v128_t V;
inline V load(const float* p) { return wasm_v128_load(p); }
inline void store(float* p, V v) { wasm_v128_store(p, v); }
// loadp and storep take r in [0, W].
inline V loadp(const float* p, int64_t r) {
  if (r >= W) return load(p);
  if (r >= 2) {
    V v = wasm_v128_load64_zero(p);
    return r == 3 ? wasm_v128_load32_lane(p + 2, v, 2) : v;
  }
  return r == 1 ? wasm_v128_load32_zero(p) : wasm_f32x4_splat(0.0f);
}
inline void storep(float* p, V v, int64_t r) {
  if (r >= W) {
    store(p, v);
  } else if (r >= 2) {
    wasm_v128_store64_lane(p, v, 0);
    if (r == 3) wasm_v128_store32_lane(p + 2, v, 2);
  } else if (r == 1) {
    wasm_v128_store32_lane(p, v, 0);
  }
}
inline V set1(float a) { return wasm_f32x4_splat(a); }
inline V zero() { return wasm_f32x4_splat(0.0f); }
inline V add(V a, V b) { return wasm_f32x4_add(a, b); }
inline V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
inline V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
inline V div(V a, V b) { return wasm_f32x4_div(a, b); }
#if defined(__wasm_relaxed_simd__)
inline V fma(V a, V b, V c) { return wasm_f32x4_relaxed_madd(a, b, c); }
#else
inline V fma(V a, V b, V c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
#endif
// pmax(b, a) is a > b ? a : b, exactly the x86 maxps(a, b) (the second operand on NaN), and one
// instruction on x86 engines, unlike f32x4.max.
inline V max(V a, V b) { return wasm_f32x4_pmax(b, a); }
inline V max_keep(V a, V b) { return wasm_f32x4_pmax(b, a); }
inline V min(V a, V b) { return wasm_f32x4_pmin(b, a); }
inline V abs(V a) { return wasm_f32x4_abs(a); }
inline V sqrt(V a) { return wasm_f32x4_sqrt(a); }
inline V select_gt(V a, V b, V x, V y) { return wasm_v128_bitselect(x, y, wasm_f32x4_gt(a, b)); }
inline V select_ge(V a, V b, V x, V y) { return wasm_v128_bitselect(x, y, wasm_f32x4_ge(a, b)); }
inline V select_lt(V a, V b, V x, V y) { return wasm_v128_bitselect(x, y, wasm_f32x4_lt(a, b)); }
inline V select_eq(V a, V b, V x, V y) { return wasm_v128_bitselect(x, y, wasm_f32x4_eq(a, b)); }
inline V iota() { return wasm_f32x4_make(0, 1, 2, 3); }
inline float hsum(V a) {
  V s = wasm_f32x4_add(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(s, 0);
}
inline float hmax(V a) {
  V s = max(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  s = max(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(s, 0);
}
inline V pow2i(V n) {
  return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
}
inline V round(V a) { return wasm_f32x4_nearest(a); }
// Lanes [lo, hi) as a mask. loadl reads the whole vector at p and clears the other lanes: one
// load and one and, where partial loads would branch on the lanes and shuffle. Reading past the
// lanes asked for stays inside the memory: the heap (native/wasm/heap.cc) ends a vector short of
// it, and nothing of the kernels' lies within a vector of address 0.
typedef V Lanes;
inline Lanes lane_range(int64_t lo, int64_t hi) {
  const V i = wasm_i32x4_make(0, 1, 2, 3);
  const int32_t l = int32_t(imax(imin(lo, W), -1)), h = int32_t(imax(imin(hi, W), -1));
  return wasm_v128_and(wasm_i32x4_ge(i, wasm_i32x4_splat(l)), wasm_i32x4_lt(i, wasm_i32x4_splat(h)));
}
inline V loadl(const float* p, Lanes m) { return wasm_v128_and(load(p), m); }
inline void deinterleave(V a, V b, V& even, V& odd) {
  even = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
  odd = wasm_i32x4_shuffle(a, b, 1, 3, 5, 7);
}
inline void interleave(V even, V odd, V& lo, V& hi) {
  lo = wasm_i32x4_shuffle(even, odd, 0, 4, 1, 5);
  hi = wasm_i32x4_shuffle(even, odd, 2, 6, 3, 7);
}
inline void transpose(V r[W]) {
  V t0 = wasm_i32x4_shuffle(r[0], r[1], 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r[0], r[1], 2, 6, 3, 7);
  V t2 = wasm_i32x4_shuffle(r[2], r[3], 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r[2], r[3], 2, 6, 3, 7);
  r[0] = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  r[1] = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  r[2] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  r[3] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}
#else
constexpr int W = 1;
typedef float V;
inline V load(const float* p) { return *p; }
inline void store(float* p, V v) { *p = v; }
inline V loadp(const float* p, int64_t) { return *p; }
inline void storep(float* p, V v, int64_t) { *p = v; }
inline V set1(float a) { return a; }
inline V zero() { return 0.0f; }
inline V add(V a, V b) { return a + b; }
inline V sub(V a, V b) { return a - b; }
inline V mul(V a, V b) { return a * b; }
inline V div(V a, V b) { return a / b; }
inline V fma(V a, V b, V c) { return a * b + c; }
inline V max(V a, V b) { return a > b || a != a ? a : b; }
inline V max_keep(V a, V b) { return a > b ? a : b; }
inline V min(V a, V b) { return a < b || a != a ? a : b; }
inline V abs(V a) { return fabsf(a); }
inline V sqrt(V a) { return sqrtf(a); }
inline V select_gt(V a, V b, V x, V y) { return a > b ? x : y; }
inline V select_ge(V a, V b, V x, V y) { return a >= b ? x : y; }
inline V select_lt(V a, V b, V x, V y) { return a < b ? x : y; }
inline V select_eq(V a, V b, V x, V y) { return a == b ? x : y; }
inline V iota() { return 0.0f; }
inline float hsum(V a) { return a; }
inline float hmax(V a) { return a; }
inline V pow2i(V n) { return ldexpf(1.0f, int(n)); }
inline V round(V a) { return nearbyintf(a); }
typedef bool Lanes;
inline Lanes lane_range(int64_t lo, int64_t hi) { return lo <= 0 && hi > 0; }
inline V loadl(const float* p, Lanes m) { return m ? *p : 0.0f; }
inline void deinterleave(V a, V b, V& even, V& odd) {
  even = a;
  odd = b;
}
inline void interleave(V even, V odd, V& lo, V& hi) {
  lo = even;
  hi = odd;
}
inline void transpose(V*) {}
#endif

// Lanes [lo, hi) of p (see the top of this file), with the lanes made on the spot (on
// WebAssembly a whole vector is a plain load, the common case of im2col's copies).
#if defined(__wasm_simd128__)
inline V loadm(const float* p, int64_t lo, int64_t hi) { return lo <= 0 && hi >= W ? load(p) : loadl(p, lane_range(lo, hi)); }
#else
inline V loadm(const float* p, int64_t lo, int64_t hi) { return loadl(p, lane_range(lo, hi)); }
#endif

// The portable max/min keep NaN from either side; the SIMD ones from the second operand only:
// kernels pass the data as the second operand.

// exp(x) to about 2 ulp: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-7 polynomial, times 2^n.
// Below -87.3 the result is flushed to 0 (true value < 1.2e-38); above 88.72 it is +inf.
inline V exp(V x) {
  const V hi = set1(88.7228394f), lo = set1(-87.3365448f);
  V xc = min(hi, max(lo, x));
  V n = round(mul(xc, set1(1.44269504089f)));
  V r = fma(n, set1(-0.693145751953125f), xc);
  r = fma(n, set1(-1.428606765330187e-06f), r);
  V p = set1(1.9875691500e-4f);
  p = fma(p, r, set1(1.3981999507e-3f));
  p = fma(p, r, set1(8.3334519073e-3f));
  p = fma(p, r, set1(4.1665795894e-2f));
  p = fma(p, r, set1(1.6666665459e-1f));
  p = fma(p, r, set1(5.0000001201e-1f));
  p = fma(p, mul(r, r), add(r, set1(1.0f)));
  V e = mul(p, pow2i(n));
  e = select_lt(x, lo, zero(), e);
  return select_gt(x, hi, set1(INFINITY), e);
}

// 1 / (1 + e^-x).
inline V sigmoid(V x) {
  const V one = set1(1.0f);
  return div(one, add(one, exp(sub(zero(), x))));
}

// tanh(x): an odd Taylor polynomial below |x| = 0.3 (where 1 - e^-2|x| would cancel), else
// sign(x) (1 - e^-2|x|) / (1 + e^-2|x|).
inline V tanh(V x) {
  V ax = abs(x);
  V e = exp(mul(ax, set1(-2.0f)));
  V big = div(sub(set1(1.0f), e), add(set1(1.0f), e));
  V x2 = mul(x, x);
  V p = set1(62.0f / 2835.0f);
  p = fma(p, x2, set1(-17.0f / 315.0f));
  p = fma(p, x2, set1(2.0f / 15.0f));
  p = fma(p, x2, set1(-1.0f / 3.0f));
  V small = fma(mul(p, x2), x, x);
  V signed_big = select_lt(x, zero(), sub(zero(), big), big);
  return select_lt(ax, set1(0.3f), small, signed_big);
}

// erfc(a) for a >= 0 to a relative error of about 1e-6 (float32 rounding of -a² dominates far
// out): t e^(-a² + P(t)) with t = 1 / (1 + a/2) and P the degree-9 Chebyshev fit of Press et al.,
// Numerical Recipes 6.2 (relative error of the formula below 1.2e-7 for every a >= 0).
inline V erfc_abs(V a) {
  const V one = set1(1.0f);
  V t = div(one, fma(a, set1(0.5f), one));
  V p = set1(0.17087277f);
  p = fma(p, t, set1(-0.82215223f));
  p = fma(p, t, set1(1.48851587f));
  p = fma(p, t, set1(-1.13520398f));
  p = fma(p, t, set1(0.27886807f));
  p = fma(p, t, set1(-0.18628806f));
  p = fma(p, t, set1(0.09678418f));
  p = fma(p, t, set1(0.37409196f));
  p = fma(p, t, set1(1.00002368f));
  p = fma(p, t, set1(-1.26551223f));
  return mul(t, exp(sub(p, mul(a, a))));
}

// erf(x): its Taylor polynomial below |x| = 0.5 (where 1 - erfc would cancel), else
// sign(x) (1 - erfc(|x|)).
inline V erf(V x) {
  V ax = abs(x);
  V big = sub(set1(1.0f), erfc_abs(ax));
  V x2 = mul(x, x);
  V p = set1(1.0f / 9360.0f);
  p = fma(p, x2, set1(-1.0f / 1320.0f));
  p = fma(p, x2, set1(1.0f / 216.0f));
  p = fma(p, x2, set1(-1.0f / 42.0f));
  p = fma(p, x2, set1(1.0f / 10.0f));
  p = fma(p, x2, set1(-1.0f / 3.0f));
  p = fma(p, x2, set1(1.0f));
  V small = mul(mul(p, x), set1(1.12837917f));
  V signed_big = select_lt(x, zero(), sub(zero(), big), big);
  return select_lt(ax, set1(0.5f), small, signed_big);
}

// Φ(x), the standard normal CDF: erfc(|x|/√2)/2 below 0, 1 - erfc(|x|/√2)/2 above.
inline V normal_cdf(V x) {
  V half = mul(set1(0.5f), erfc_abs(mul(abs(x), set1(0.70710678f))));
  return select_lt(x, zero(), half, sub(set1(1.0f), half));
}

}  // namespace CORTADO_ISA
}  // namespace cortado
