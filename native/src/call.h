// Argument checking for the Node-API entry points (blas_api.cc, conv_api.cc, activation_api.cc):
// a Call reads one call's arguments, and the first failed check throws (see throw_error) and makes
// every later accessor a no-op, so an entry point checks everything, then runs its kernel only if
// ok().
#pragma once
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdarg.h>
#include <stdio.h>

#include "cortado.h"

namespace cortado {

constexpr size_t kMaxArgs = 12;

// Throws `message` as an instance of the class given to setErrorClass (Cortado's BackendError),
// else as a RangeError (range) or TypeError.
void throw_error(napi_env env, bool range, const char* message);

// One call's arguments (see the top of this file).
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

inline napi_value number_value(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

inline const Kernels& K() { return kernels(); }

// An entry point and its name on the addon's exports.
struct Export {
  const char* name;
  napi_callback fn;
};

extern const Export kBlasExports[];
extern const size_t kBlasExportCount;
extern const Export kConvExports[];
extern const size_t kConvExportCount;
extern const Export kActivationExports[];
extern const size_t kActivationExportCount;

}  // namespace cortado
