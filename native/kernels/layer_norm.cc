// Layer normalization over rows of D floats (see cortado.h), a row per task: two passes for the
// statistics (the mean, then the variance about it), one to write x̂ and y; backward one pass for
// mean(g) and mean(g x̂), one to write dx. Whole vectors, then the remainder one float at a time.
#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

void layer_norm_forward(int64_t rows, int64_t D, float eps, const float* x, const float* scale, const float* bias,
                        float* xhat, float* rstd, float* y) {
  if (D <= 0) return;
  parallel_rows(rows, rows * D, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * D;
      float* hr = xhat + r * D;
      float* yr = y + r * D;
      V acc = zero();
      int64_t d = 0;
      for (; d + W <= D; d += W) acc = add(acc, load(xr + d));
      float s = hsum(acc);
      for (; d < D; ++d) s += xr[d];
      const float mean = s / float(D);
      const V m = set1(mean);
      acc = zero();
      for (d = 0; d + W <= D; d += W) {
        const V t = sub(load(xr + d), m);
        acc = fma(t, t, acc);
      }
      float v = hsum(acc);
      for (; d < D; ++d) v += (xr[d] - mean) * (xr[d] - mean);
      const float inv = 1.0f / __builtin_sqrtf(v / float(D) + eps);
      rstd[r] = inv;
      const V iv = set1(inv);
      for (d = 0; d + W <= D; d += W) {
        const V t = mul(sub(load(xr + d), m), iv);
        store(hr + d, t);
        store(yr + d, scale ? fma(load(scale + d), t, load(bias + d)) : t);
      }
      for (; d < D; ++d) {
        const float t = (xr[d] - mean) * inv;
        hr[d] = t;
        yr[d] = scale ? scale[d] * t + bias[d] : t;
      }
    }
  });
}

void layer_norm_backward(int64_t rows, int64_t D, const float* xhat, const float* rstd, const float* dy,
                         const float* scale, float* dx) {
  if (D <= 0) return;
  parallel_rows(rows, rows * D, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* hr = xhat + r * D;
      const float* gr = dy + r * D;
      float* dr = dx + r * D;
      V ag = zero(), agx = zero();
      int64_t d = 0;
      for (; d + W <= D; d += W) {
        const V g = scale ? mul(load(scale + d), load(gr + d)) : load(gr + d);
        ag = add(ag, g);
        agx = fma(g, load(hr + d), agx);
      }
      float sg = hsum(ag), sgx = hsum(agx);
      for (; d < D; ++d) {
        const float g = scale ? scale[d] * gr[d] : gr[d];
        sg += g;
        sgx += g * hr[d];
      }
      const float mg = sg / float(D), mgx = sgx / float(D), inv = rstd[r];
      const V vmg = set1(mg), vmgx = set1(mgx), iv = set1(inv);
      for (d = 0; d + W <= D; d += W) {
        const V g = scale ? mul(load(scale + d), load(gr + d)) : load(gr + d);
        store(dr + d, mul(sub(sub(g, vmg), mul(load(hr + d), vmgx)), iv));
      }
      for (; d < D; ++d) {
        const float g = scale ? scale[d] * gr[d] : gr[d];
        dr[d] = (g - mg - hr[d] * mgx) * inv;
      }
    }
  });
}

}  // namespace CORTADO_ISA
}  // namespace cortado
