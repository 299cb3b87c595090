// Node-API glue: each export checks its arguments (types, lengths, geometry) and calls the kernel
// table over the memory of the caller's Float32Arrays (no copies). The checks are what keeps a
// wrong call from the JS side an exception rather than a write outside an array. Errors are
// instances of the class given to setErrorClass (Cortado's BackendError), else RangeError or
// TypeError.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdarg.h>
#include <stdio.h>

#include "cortado.h"
#include "threads.h"

namespace cortado {
namespace {

constexpr size_t kMaxArgs = 12;

// Per-environment state (one per worker thread that loads the addon).
struct EnvData {
  napi_ref error_class = nullptr;
};

void delete_env_data(napi_env env, void* data, void*) {
  EnvData* d = static_cast<EnvData*>(data);
  if (d->error_class) napi_delete_reference(env, d->error_class);
  delete d;
}

// Throws `message` as an instance of the registered error class, or the fallback kind.
void throw_error(napi_env env, bool range, const char* message) {
  void* data = nullptr;
  napi_value ctor = nullptr, msg, err;
  if (napi_get_instance_data(env, &data) == napi_ok && data && static_cast<EnvData*>(data)->error_class &&
      napi_get_reference_value(env, static_cast<EnvData*>(data)->error_class, &ctor) == napi_ok && ctor &&
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) == napi_ok &&
      napi_new_instance(env, ctor, 1, &msg, &err) == napi_ok) {
    napi_throw(env, err);
    return;
  }
  if (range) napi_throw_range_error(env, nullptr, message);
  else napi_throw_type_error(env, nullptr, message);
}

// One call's arguments; the first failed check throws and makes every later accessor a no-op.
class Call {
 public:
  Call(napi_env env, napi_callback_info info, const char* name) : env_(env), name_(name) {
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
  }

  bool ok() const { return ok_; }

  void fail(bool range, const char* fmt, ...) {
    if (!ok_) return;
    ok_ = false;
    char msg[400];
    int n = snprintf(msg, sizeof msg, "native backend %s: ", name_);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - size_t(n), fmt, ap);
    va_end(ap);
    throw_error(env_, range, msg);
  }

  double number(size_t i, const char* what) {
    double v = 0;
    if (ok_ && (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != napi_ok))
      fail(false, "argument %s must be a number", what);
    return v;
  }

  // A non-negative integer below 2^40 (element counts, dimensions).
  int64_t count(size_t i, const char* what) {
    double v = number(i, what);
    if (ok_ && !(v >= 0 && v < 1099511627776.0 && v == double(int64_t(v))))
      fail(true, "argument %s must be a non-negative integer, got %g", what, v);
    return ok_ ? int64_t(v) : 0;
  }

  bool flag(size_t i, const char* what) {
    bool v = false;
    if (ok_ && (i >= argc_ || napi_get_value_bool(env_, argv_[i], &v) != napi_ok))
      fail(false, "argument %s must be a boolean", what);
    return v;
  }

  // false for null or undefined, else true with the int32 in *out (the ignore label).
  bool optional_int(size_t i, const char* what, int32_t* out) {
    napi_valuetype t = napi_undefined;
    if (ok_ && i < argc_) napi_typeof(env_, argv_[i], &t);
    if (t == napi_null || t == napi_undefined) return false;
    double v = number(i, what);
    if (ok_ && !(v >= -2147483648.0 && v <= 2147483647.0 && v == double(int32_t(v))))
      fail(true, "argument %s must be an int32 or null, got %g", what, v);
    *out = int32_t(v);
    return true;
  }

  // Element 0 of a Float32Array that holds at least `need` elements.
  float* f32(size_t i, const char* what, double need) {
    return static_cast<float*>(typed(i, what, napi_float32_array, "Float32Array", need));
  }

  const int32_t* i32(size_t i, const char* what, double need) {
    return static_cast<const int32_t*>(typed(i, what, napi_int32_array, "Int32Array", need));
  }

 private:
  void* typed(size_t i, const char* what, napi_typedarray_type want, const char* want_name, double need) {
    if (!ok_) return nullptr;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (i >= argc_ || napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != want) {
      fail(false, "argument %s must be a %s", what, want_name);
      return nullptr;
    }
    if (double(length) < need) {
      fail(true, "argument %s has %zu elements, needs at least %.0f", what, length, need);
      return nullptr;
    }
    return data;
  }

  napi_env env_;
  const char* name_;
  size_t argc_ = kMaxArgs;
  napi_value argv_[kMaxArgs];
  bool ok_ = true;
};

napi_value number_value(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

const Kernels& K() { return kernels(); }

// ---- BLAS level 1 and elementwise ----

napi_value Set(napi_env env, napi_callback_info info) {
  Call c(env, info, "set");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* y = c.f32(2, "y", double(n));
  if (c.ok()) K().set(n, alpha, y);
  return nullptr;
}

napi_value Copy(napi_env env, napi_callback_info info) {
  Call c(env, info, "copy");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* y = c.f32(2, "y", double(n));
  if (c.ok()) K().copy(n, x, y);
  return nullptr;
}

napi_value Scal(napi_env env, napi_callback_info info) {
  Call c(env, info, "scal");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  if (c.ok()) K().scal(n, alpha, x);
  return nullptr;
}

napi_value Axpy(napi_env env, napi_callback_info info) {
  Call c(env, info, "axpy");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  float* y = c.f32(3, "y", double(n));
  if (c.ok()) K().axpy(n, alpha, x, y);
  return nullptr;
}

napi_value Axpby(napi_env env, napi_callback_info info) {
  Call c(env, info, "axpby");
  int64_t n = c.count(0, "n");
  float alpha = float(c.number(1, "alpha"));
  float* x = c.f32(2, "x", double(n));
  float beta = float(c.number(3, "beta"));
  float* y = c.f32(4, "y", double(n));
  if (c.ok()) K().axpby(n, alpha, x, beta, y);
  return nullptr;
}

napi_value Dot(napi_env env, napi_callback_info info) {
  Call c(env, info, "dot");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* y = c.f32(2, "y", double(n));
  return c.ok() ? number_value(env, K().dot(n, x, y)) : nullptr;
}

napi_value Asum(napi_env env, napi_callback_info info) {
  Call c(env, info, "asum");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  return c.ok() ? number_value(env, K().asum(n, x)) : nullptr;
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Call c(env, info, "binary");
  int64_t op = c.count(0, "op");
  int64_t n = c.count(1, "n");
  float* a = c.f32(2, "a", double(n));
  float* b = c.f32(3, "b", double(n));
  float* y = c.f32(4, "y", double(n));
  if (c.ok() && op > kDiv) c.fail(true, "unknown op %lld", (long long)op);
  if (c.ok()) K().binary(BinaryOp(op), n, a, b, y);
  return nullptr;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  Call c(env, info, "unary");
  int64_t op = c.count(0, "op");
  int64_t n = c.count(1, "n");
  float* a = c.f32(2, "a", double(n));
  float p = float(c.number(3, "p"));
  float* y = c.f32(4, "y", double(n));
  if (c.ok() && op > kAddScalar) c.fail(true, "unknown op %lld", (long long)op);
  if (c.ok()) K().unary(UnaryOp(op), n, a, p, y);
  return nullptr;
}

// ---- BLAS level 2 and 3 ----

napi_value Gemm(napi_env env, napi_callback_info info) {
  Call c(env, info, "gemm");
  bool ta = c.flag(0, "transA"), tb = c.flag(1, "transB");
  int64_t M = c.count(2, "M"), N = c.count(3, "N"), Kd = c.count(4, "K");
  float alpha = float(c.number(5, "alpha"));
  float* A = c.f32(6, "A", double(M) * double(Kd));
  float* B = c.f32(7, "B", double(Kd) * double(N));
  float beta = float(c.number(8, "beta"));
  float* C = c.f32(9, "C", double(M) * double(N));
  if (c.ok()) K().gemm(ta, tb, M, N, Kd, alpha, A, B, beta, C);
  return nullptr;
}

napi_value Gemv(napi_env env, napi_callback_info info) {
  Call c(env, info, "gemv");
  bool ta = c.flag(0, "transA");
  int64_t M = c.count(1, "M"), N = c.count(2, "N");
  float alpha = float(c.number(3, "alpha"));
  float* A = c.f32(4, "A", double(M) * double(N));
  float* x = c.f32(5, "x", double(ta ? M : N));
  float beta = float(c.number(6, "beta"));
  float* y = c.f32(7, "y", double(ta ? N : M));
  if (c.ok()) K().gemv(ta, M, N, alpha, A, x, beta, y);
  return nullptr;
}

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

// ---- neurons, softmax, losses, dropout, solver ----

NeuronOp neuron_op(Call& c, size_t i) {
  int64_t op = c.count(i, "op");
  if (c.ok() && op > kExpNeuron) c.fail(true, "unknown neuron op %lld", (long long)op);
  return NeuronOp(op);
}

napi_value NeuronForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "neuronForward");
  NeuronOp op = neuron_op(c, 0);
  int64_t n = c.count(1, "n");
  float* x = c.f32(2, "x", double(n));
  float* y = c.f32(3, "y", double(n));
  float alpha = float(c.number(4, "alpha"));
  if (c.ok()) K().neuronForward(op, n, x, y, alpha);
  return nullptr;
}

napi_value NeuronBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "neuronBackward");
  NeuronOp op = neuron_op(c, 0);
  int64_t n = c.count(1, "n");
  float* y = c.f32(2, "y", double(n));
  float* dy = c.f32(3, "dy", double(n));
  float* dx = c.f32(4, "dx", double(n));
  float alpha = float(c.number(5, "alpha"));
  if (c.ok()) K().neuronBackward(op, n, y, dy, dx, alpha);
  return nullptr;
}

bool class_geom(Call& c, ClassGeom* g) {
  int64_t outer = c.count(0, "outer"), classes = c.count(1, "classes"), inner = c.count(2, "inner");
  if (c.ok() && (outer > 2147483647 || classes > 2147483647 || inner > 2147483647))
    c.fail(true, "outer, classes and inner must each be below 2^31");
  *g = ClassGeom{int32_t(outer), int32_t(classes), int32_t(inner)};
  return c.ok();
}

double class_size(const ClassGeom& g) { return double(g.outer) * g.classes * g.inner; }

napi_value SoftmaxForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxForward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* x = c.f32(3, "x", class_size(g));
  float* y = c.f32(4, "y", class_size(g));
  if (c.ok()) K().softmaxForward(g, x, y);
  return nullptr;
}

napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxBackward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* y = c.f32(3, "y", class_size(g));
  float* dy = c.f32(4, "dy", class_size(g));
  float* dx = c.f32(5, "dx", class_size(g));
  if (c.ok()) K().softmaxBackward(g, y, dy, dx);
  return nullptr;
}

Normalization normalization(Call& c, size_t i) {
  int64_t v = c.count(i, "normalization");
  if (c.ok() && v > kNoNorm) c.fail(true, "unknown normalization %lld", (long long)v);
  return Normalization(v);
}

// The loss kernels return -1, or (as a number, nothing written) the position of the first label
// that is no class: the caller reports it in its own words.
napi_value loss_result(napi_env env, Call& c, int64_t bad) { return c.ok() ? number_value(env, double(bad)) : nullptr; }

napi_value SoftmaxLossForward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxLossForward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* prob = c.f32(3, "prob", class_size(g));
  float* label = c.f32(4, "label", double(g.outer) * g.inner);
  int32_t ignore = 0;
  bool has_ignore = c.optional_int(5, "ignoreLabel", &ignore);
  Normalization norm = normalization(c, 6);
  float* loss = c.f32(7, "loss", 1);
  if (!c.ok()) return nullptr;
  return loss_result(env, c, K().softmaxLossForward(g, prob, label, has_ignore, ignore, norm, loss));
}

napi_value SoftmaxLossBackward(napi_env env, napi_callback_info info) {
  Call c(env, info, "softmaxLossBackward");
  ClassGeom g;
  if (!class_geom(c, &g)) return nullptr;
  float* prob = c.f32(3, "prob", class_size(g));
  float* label = c.f32(4, "label", double(g.outer) * g.inner);
  int32_t ignore = 0;
  bool has_ignore = c.optional_int(5, "ignoreLabel", &ignore);
  Normalization norm = normalization(c, 6);
  float weight = float(c.number(7, "lossWeight"));
  float* dx = c.f32(8, "dx", class_size(g));
  if (!c.ok()) return nullptr;
  return loss_result(env, c, K().softmaxLossBackward(g, prob, label, has_ignore, ignore, norm, weight, dx));
}

napi_value Dropout(napi_env env, napi_callback_info info) {
  Call c(env, info, "dropout");
  int64_t n = c.count(0, "n");
  float* x = c.f32(1, "x", double(n));
  float* rand = c.f32(2, "rand", double(n));
  float ratio = float(c.number(3, "ratio")), scale = float(c.number(4, "scale"));
  float* y = c.f32(5, "y", double(n));
  if (c.ok()) K().dropoutForward(n, x, rand, ratio, scale, y);
  return nullptr;
}

napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  Call c(env, info, "sgdUpdate");
  int64_t n = c.count(0, "n");
  float* w = c.f32(1, "w", double(n));
  float* diff = c.f32(2, "diff", double(n));
  float* hist = c.f32(3, "hist", double(n));
  float lr = float(c.number(4, "lr")), momentum = float(c.number(5, "momentum")), decay = float(c.number(6, "decay"));
  bool l1 = c.flag(7, "l1");
  if (c.ok()) K().sgdUpdate(n, w, diff, hist, lr, momentum, decay, l1);
  return nullptr;
}

// setErrorClass(ctor): errors thrown from now on are `new ctor(message)`.
napi_value SetErrorClass(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_function) {
    napi_throw_type_error(env, nullptr, "native backend setErrorClass: argument must be a class");
    return nullptr;
  }
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  EnvData* d = static_cast<EnvData*>(data);
  if (d->error_class) napi_delete_reference(env, d->error_class);
  napi_create_reference(env, argv[0], 1, &d->error_class);
  return nullptr;
}

}  // namespace
}  // namespace cortado

NAPI_MODULE_INIT() {
  using namespace cortado;
  napi_set_instance_data(env, new EnvData, delete_env_data, nullptr);
  napi_value isa, threads;
  napi_create_string_utf8(env, kernels().isa, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, num_threads(), &threads);
#define CORTADO_FN(name, fn) {name, nullptr, fn, nullptr, nullptr, nullptr, napi_enumerable, nullptr}
  const napi_property_descriptor props[] = {
      {"isa", nullptr, nullptr, nullptr, nullptr, isa, napi_enumerable, nullptr},
      {"numThreads", nullptr, nullptr, nullptr, nullptr, threads, napi_enumerable, nullptr},
      CORTADO_FN("set", Set), CORTADO_FN("copy", Copy), CORTADO_FN("scal", Scal), CORTADO_FN("axpy", Axpy),
      CORTADO_FN("axpby", Axpby), CORTADO_FN("dot", Dot), CORTADO_FN("asum", Asum),
      CORTADO_FN("binary", Binary), CORTADO_FN("unary", Unary),
      CORTADO_FN("gemm", Gemm), CORTADO_FN("gemv", Gemv),
      CORTADO_FN("convForward", ConvForward), CORTADO_FN("convBackwardData", ConvBackwardData),
      CORTADO_FN("convBackwardFilter", ConvBackwardFilter),
      CORTADO_FN("biasForward", BiasForward), CORTADO_FN("biasBackward", BiasBackward),
      CORTADO_FN("poolForward", PoolForward), CORTADO_FN("poolBackward", PoolBackward),
      CORTADO_FN("neuronForward", NeuronForward), CORTADO_FN("neuronBackward", NeuronBackward),
      CORTADO_FN("softmaxForward", SoftmaxForward), CORTADO_FN("softmaxBackward", SoftmaxBackward),
      CORTADO_FN("softmaxLossForward", SoftmaxLossForward), CORTADO_FN("softmaxLossBackward", SoftmaxLossBackward),
      CORTADO_FN("dropout", Dropout), CORTADO_FN("sgdUpdate", SgdUpdate),
      CORTADO_FN("setErrorClass", SetErrorClass),
  };
#undef CORTADO_FN
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
