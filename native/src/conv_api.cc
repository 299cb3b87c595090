// Node-API entry points for convolution, bias and pooling: geometry checks, then the kernels.
#include "call.h"

namespace cortado {

namespace {

// ---- convolution and bias ----

bool conv_geom(Call& c, size_t i, ConvGeom* g) {
  const int32_t* v = c.i32(i, "geometry", 16);
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

double conv_x(const ConvGeom& g) { return double(g.num) * g.channels * g.height * g.width; }
double conv_y(const ConvGeom& g) { return double(g.num) * g.numOutput * g.outH * g.outW; }
double conv_w(const ConvGeom& g) { return double(g.numOutput) * (g.channels / g.group) * g.kernelH * g.kernelW; }

napi_value ConvForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "convForward");
  ConvGeom g;
  if (!conv_geom(c, 0, &g)) return nullptr;
  float* x = c.f32(1, "x", conv_x(g));
  float* w = c.f32(2, "w", conv_w(g));
  float* y = c.f32(3, "y", conv_y(g));
  if (c.ok()) K().convForward(g, x, w, y);
  return nullptr;
}

napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  Call c(env, info, "convBackwardData");
  ConvGeom g;
  if (!conv_geom(c, 0, &g)) return nullptr;
  float* dy = c.f32(1, "dy", conv_y(g));
  float* w = c.f32(2, "w", conv_w(g));
  float* dx = c.f32(3, "dx", conv_x(g));
  if (c.ok()) K().convBackwardData(g, dy, w, dx);
  return nullptr;
}

napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  Call c(env, info, "convBackwardFilter");
  ConvGeom g;
  if (!conv_geom(c, 0, &g)) return nullptr;
  float* x = c.f32(1, "x", conv_x(g));
  float* dy = c.f32(2, "dy", conv_y(g));
  float* dw = c.f32(3, "dw", conv_w(g));
  if (c.ok()) K().convBackwardFilter(g, x, dy, dw);
  return nullptr;
}

napi_value BiasForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "biasForward");
  int64_t outer = c.count(0, "outer"), channels = c.count(1, "channels"), inner = c.count(2, "inner");
  float* bias = c.f32(3, "bias", double(channels));
  float* y = c.f32(4, "y", double(outer) * double(channels) * double(inner));
  if (c.ok()) K().biasForward(outer, channels, inner, bias, y);
  return nullptr;
}

napi_value BiasBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "biasBackward");
  int64_t outer = c.count(0, "outer"), channels = c.count(1, "channels"), inner = c.count(2, "inner");
  float* dy = c.f32(3, "dy", double(outer) * double(channels) * double(inner));
  float* dbias = c.f32(4, "dbias", double(channels));
  if (c.ok()) K().biasBackward(outer, channels, inner, dy, dbias);
  return nullptr;
}

// ---- pooling ----

bool pool_geom(Call& c, size_t i, PoolGeom* g) {
  const int32_t* v = c.i32(i, "geometry", 12);
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

PoolMethod pool_method(Call& c, size_t i) {
  int64_t m = c.count(i, "method");
  if (c.ok() && m > kMeanPool) c.fail(true, "unknown pooling method %lld", (long long)m);
  return PoolMethod(m);
}

napi_value PoolForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "poolForward");
  PoolGeom g;
  if (!pool_geom(c, 0, &g)) return nullptr;
  PoolMethod m = pool_method(c, 1);
  double in = double(g.num) * g.channels * g.height * g.width, out = double(g.num) * g.channels * g.outH * g.outW;
  float* x = c.f32(2, "x", in);
  float* y = c.f32(3, "y", out);
  float* mask = c.f32(4, "mask", m == kMaxPool ? out : 0);
  if (c.ok()) K().poolForward(g, m, x, y, mask);
  return nullptr;
}

napi_value PoolBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "poolBackward");
  PoolGeom g;
  if (!pool_geom(c, 0, &g)) return nullptr;
  PoolMethod m = pool_method(c, 1);
  double in = double(g.num) * g.channels * g.height * g.width, out = double(g.num) * g.channels * g.outH * g.outW;
  float* dy = c.f32(2, "dy", out);
  float* mask = c.f32(3, "mask", m == kMaxPool ? out : 0);
  float* dx = c.f32(4, "dx", in);
  if (c.ok()) K().poolBackward(g, m, dy, mask, dx);
  return nullptr;
}

}  // namespace

const Export kConvExports[] = {
    {"convForward", ConvForward},
    {"convBackwardData", ConvBackwardData},
    {"convBackwardFilter", ConvBackwardFilter},
    {"biasForward", BiasForward},
    {"biasBackward", BiasBackward},
    {"poolForward", PoolForward},
    {"poolBackward", PoolBackward},
};
const size_t kConvExportCount = sizeof kConvExports / sizeof kConvExports[0];

}  // namespace cortado
