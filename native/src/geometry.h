// The geometry checks of the entry points (entry.h): a convolution's, a pooling's or an LRN's
// Int32Array, and softmax's three dimensions. Each fails the call with what is wrong and returns false.
// Inline, so each entry point checks its geometry with no call.
#pragma once
#include "call.h"

namespace cortado {

inline bool conv_geom(Call& c, size_t i, ConvGeom* g) {
  const int32_t* v = c.i32(i, 16);
  if (!c.ok()) return false;
  *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  if (g->num < 0 || g->channels < 1 || g->height < 0 || g->width < 0 || g->numOutput < 1 || g->group < 1 ||
      g->kernelH < 1 || g->kernelW < 1 || g->strideH < 1 || g->strideW < 1 || g->padH < 0 || g->padW < 0 ||
      g->dilationH < 1 || g->dilationW < 1 || g->outH < 0 || g->outW < 0)
    c.fail(true, "invalid geometry (num %d, channels %d, %dx%d, numOutput %d, group %d, kernel %dx%d, stride %dx%d, "
           "pad %dx%d, dilation %dx%d, out %dx%d)", g->num, g->channels, g->height, g->width, g->numOutput, g->group,
           g->kernelH, g->kernelW, g->strideH, g->strideW, g->padH, g->padW, g->dilationH, g->dilationW, g->outH, g->outW);
  else if (g->channels % g->group || g->numOutput % g->group)
    c.fail(true, "channels %d and numOutput %d must both be divisible by group %d", g->channels, g->numOutput, g->group);
  if (!c.ok()) return false;
  int64_t oh = (int64_t(g->height) + 2 * g->padH - (int64_t(g->dilationH) * (g->kernelH - 1) + 1)) / g->strideH + 1;
  int64_t ow = (int64_t(g->width) + 2 * g->padW - (int64_t(g->dilationW) * (g->kernelW - 1) + 1)) / g->strideW + 1;
  if (int64_t(g->height) + 2 * g->padH < int64_t(g->dilationH) * (g->kernelH - 1) + 1) oh = 0;
  if (int64_t(g->width) + 2 * g->padW < int64_t(g->dilationW) * (g->kernelW - 1) + 1) ow = 0;
  if (oh != g->outH || ow != g->outW)
    c.fail(true, "output %dx%d given, geometry gives %lldx%lld", g->outH, g->outW, (long long)oh, (long long)ow);
  return c.ok();
}

inline bool pool_geom(Call& c, size_t i, PoolGeom* g) {
  const int32_t* v = c.i32(i, 12);
  if (!c.ok()) return false;
  *g = PoolGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  if (g->num < 0 || g->channels < 0 || g->height < 0 || g->width < 0 || g->kernelH < 1 || g->kernelW < 1 ||
      g->strideH < 1 || g->strideW < 1 || g->padH < 0 || g->padW < 0 || g->outH < 0 || g->outW < 0)
    c.fail(true, "invalid geometry (num %d, channels %d, %dx%d, kernel %dx%d, stride %dx%d, pad %dx%d, out %dx%d)",
           g->num, g->channels, g->height, g->width, g->kernelH, g->kernelW, g->strideH, g->strideW, g->padH, g->padW,
           g->outH, g->outW);
  else if (g->padH >= g->kernelH || g->padW >= g->kernelW)
    c.fail(true, "padding %dx%d must be smaller than the kernel %dx%d", g->padH, g->padW, g->kernelH, g->kernelW);
  return c.ok();
}

// LRN's Int32Array [num, channels, height, width, size, within] and its three numbers alpha, beta, k.
inline bool lrn_geom(Call& c, size_t i, LRNGeom* g) {
  const int32_t* v = c.i32(i, 6);
  if (!c.ok()) return false;
  *g = LRNGeom{v[0], v[1], v[2], v[3], v[4], v[5], float(c.number(i + 1)), float(c.number(i + 2)), float(c.number(i + 3))};
  if (!c.ok()) return false;
  if (g->num < 0 || g->channels < 0 || g->height < 0 || g->width < 0 || g->size < 1 || g->size % 2 == 0 ||
      (g->within != 0 && g->within != 1))
    c.fail(true, "invalid geometry (num %d, channels %d, %dx%d, size %d (odd), within %d (0 or 1))", g->num,
           g->channels, g->height, g->width, g->size, g->within);
  return c.ok();
}

inline bool class_geom(Call& c, size_t i, ClassGeom* g) {
  int64_t outer = c.count(i), classes = c.count(i + 1), inner = c.count(i + 2);
  c.dim[i] = double(outer), c.dim[i + 1] = double(classes), c.dim[i + 2] = double(inner);
  if (c.ok() && (outer > 2147483647 || classes > 2147483647 || inner > 2147483647))
    c.fail(true, "outer, classes and inner must each be below 2^31");
  *g = ClassGeom{int32_t(outer), int32_t(classes), int32_t(inner)};
  return c.ok();
}

}  // namespace cortado
