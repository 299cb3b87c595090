// Conversions between float32 and the 16-bit formats of mixed precision (CudaBackend's
// `precision`): IEEE binary16 (`format` 1) and bfloat16 (`format` 2), held as 16-bit words.
// Rounding is to nearest, ties to even, as cuDNN and cuBLAS round; out-of-range values become
// infinities, NaN stays NaN. Written with integer operations only (no cuda_fp16.h), so that NVRTC
// needs no header and the CPU emulator compiles the same code.
#include "common.cuh"

#define CORTADO_FORMAT_HALF 1
#define CORTADO_FORMAT_BFLOAT16 2

/** float -> binary16, round to nearest even; |x| >= 65520 gives an infinity, tiny values subnormals. */
__device__ __forceinline__ unsigned short cortadoFloatToHalf(float f) {
  const unsigned x = __float_as_uint(f);
  const unsigned sign = (x >> 16) & 0x8000u;
  const unsigned ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return (unsigned short)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u));
  if (ax >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);  // 65520 and up round past 65504
  unsigned h, rem, half;
  if (ax >= 0x38800000u) {  // a normal half: rebias the exponent, keep 10 mantissa bits
    h = (ax >> 13) - (112u << 10);
    rem = ax & 0x1fffu;
    half = 0x1000u;
  } else {  // below 2^-14: a multiple of 2^-24 (0 below 2^-25)
    if (ax < 0x33000000u) return (unsigned short)sign;
    const unsigned e = ax >> 23;
    const unsigned m = (ax & 0x7fffffu) | 0x800000u;
    const unsigned shift = 126u - e;  // 14..24
    h = m >> shift;
    rem = m & ((1u << shift) - 1u);
    half = 1u << (shift - 1u);
  }
  if (rem > half || (rem == half && (h & 1u))) h++;
  return (unsigned short)(sign | h);
}

/** binary16 -> float (exact). */
__device__ __forceinline__ float cortadoHalfToFloat(unsigned short v) {
  const unsigned h = v;
  const unsigned sign = (h & 0x8000u) << 16;
  const unsigned e = (h >> 10) & 0x1fu;
  const unsigned m = h & 0x3ffu;
  if (e == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (m << 13));
  if (e == 0u) {
    const float s = (float)m * 5.9604644775390625e-8f;  // m 2^-24, exact
    return sign ? -s : s;
  }
  return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13));
}

/** float -> bfloat16, round to nearest even (NaN stays a quiet NaN). */
__device__ __forceinline__ unsigned short cortadoFloatToBfloat16(float f) {
  const unsigned x = __float_as_uint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((x >> 16) | 0x40u);
  return (unsigned short)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ float cortadoBfloat16ToFloat(unsigned short v) { return __uint_as_float((unsigned)v << 16); }

/** y[i] = x[i] rounded to `format` (1 binary16, 2 bfloat16). */
extern "C" __global__ void to_half_f32(int n, int format, const float* x, unsigned short* y) {
  if (format == CORTADO_FORMAT_BFLOAT16) {
    CORTADO_LOOP(i, n) y[i] = cortadoFloatToBfloat16(x[i]);
  } else {
    CORTADO_LOOP(i, n) y[i] = cortadoFloatToHalf(x[i]);
  }
}

/** y[i] = x[i] (in `format`) + beta y[i]; beta = 0 overwrites y even where it holds NaN. */
extern "C" __global__ void from_half_f32(int n, int format, float beta, const unsigned short* x, float* y) {
  const bool bf = format == CORTADO_FORMAT_BFLOAT16;
  if (beta == 0.0f) {
    CORTADO_LOOP(i, n) y[i] = bf ? cortadoBfloat16ToFloat(x[i]) : cortadoHalfToFloat(x[i]);
  } else {
    CORTADO_LOOP(i, n) y[i] = (bf ? cortadoBfloat16ToFloat(x[i]) : cortadoHalfToFloat(x[i])) + beta * y[i];
  }
}
