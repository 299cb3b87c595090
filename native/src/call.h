// Reading one call's arguments for the Node-API entry points (entry.h, entries.cc): a Call reads
// arguments by position, names them in messages from the entry point's signature, and the first
// failed check throws (see throw_error) and makes every later accessor a no-op, so an entry point
// checks everything, then runs its kernel only if ok().
#pragma once
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cortado.h"

namespace cortado {

constexpr size_t kMaxArgs = 12;

// Throws `message` as an instance of the class given to setErrorClass (Cortado's BackendError),
// else as a RangeError (range) or TypeError.
void throw_error(napi_env env, bool range, const char* message);

// An entry point on the addon's exports: its name, its arguments' names (one word per argument,
// in order, separated by spaces) and the function Node calls. The addon passes the Export itself
// as the function's data, which is how a Call knows the names.
struct Export {
  const char* name;
  const char* args;
  napi_callback fn;
};

// One call's arguments (see the top of this file).
class Call {
 public:
  Call(napi_env env, napi_callback_info info) : env_(env) {
    void* data = nullptr;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, &data);
    export_ = static_cast<const Export*>(data);
  }

  bool ok() const { return ok_; }

  // Throws "native backend <entry>: <message>".
  void fail(bool range, const char* fmt, ...) {
    if (!ok_) return;
    va_list ap;
    va_start(ap, fmt);
    vfail(range, "", fmt, ap);
    va_end(ap);
  }

  // Throws "native backend <entry>: argument <name of argument i> <message>".
  void fail_arg(size_t i, bool range, const char* fmt, ...) {
    if (!ok_) return;
    char prefix[64] = "argument ";
    arg_name(i, prefix + 9, sizeof prefix - 10);
    strcat(prefix, " ");
    va_list ap;
    va_start(ap, fmt);
    vfail(range, prefix, fmt, ap);
    va_end(ap);
  }

  double number(size_t i) {
    double v = 0;
    if (ok_ && (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != napi_ok))
      fail_arg(i, false, "must be a number");
    return v;
  }

  // A non-negative integer below 2^40 (element counts, dimensions).
  int64_t count(size_t i) {
    double v = number(i);
    if (ok_ && !(v >= 0 && v < 1099511627776.0 && v == double(int64_t(v))))
      fail_arg(i, true, "must be a non-negative integer, got %g", v);
    return ok_ ? int64_t(v) : 0;
  }

  bool flag(size_t i) {
    bool v = false;
    if (ok_ && (i >= argc_ || napi_get_value_bool(env_, argv_[i], &v) != napi_ok))
      fail_arg(i, false, "must be a boolean");
    return v;
  }

  // Whether argument i is null or undefined (an optional buffer left out).
  bool absent(size_t i) {
    napi_valuetype t = napi_undefined;
    if (i < argc_) napi_typeof(env_, argv_[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  // false for null or undefined, else true with the int32 in *out (the ignore label).
  bool optional_int(size_t i, int32_t* out) {
    napi_valuetype t = napi_undefined;
    if (ok_ && i < argc_) napi_typeof(env_, argv_[i], &t);
    if (t == napi_null || t == napi_undefined) return false;
    double v = number(i);
    if (ok_ && !(v >= -2147483648.0 && v <= 2147483647.0 && v == double(int32_t(v))))
      fail_arg(i, true, "must be an int32 or null, got %g", v);
    *out = int32_t(v);
    return true;
  }

  // Element 0 of a Float32Array that holds at least `need` elements.
  float* f32(size_t i, double need) {
    return static_cast<float*>(typed(i, napi_float32_array, "Float32Array", need));
  }

  const int32_t* i32(size_t i, double need) {
    return static_cast<const int32_t*>(typed(i, napi_int32_array, "Int32Array", need));
  }

  // What the arguments read so far say about the lengths of later ones: counts, flags and
  // enumerations by position, and the geometries. A length reads only what an earlier argument
  // wrote (entry.h); they are left uninitialized because they are set on every call.
  double dim[kMaxArgs];
  ConvGeom conv;
  PoolGeom pool;
  LRNGeom lrn;

 private:
  void* typed(size_t i, napi_typedarray_type want, const char* want_name, double need) {
    if (!ok_) return nullptr;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (i >= argc_ || napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != want) {
      fail_arg(i, false, "must be a %s", want_name);
      return nullptr;
    }
    if (double(length) < need) {
      fail_arg(i, true, "has %zu elements, needs at least %.0f", length, need);
      return nullptr;
    }
    return data;
  }

  void vfail(bool range, const char* prefix, const char* fmt, va_list ap) {
    ok_ = false;
    char msg[400];
    int n = snprintf(msg, sizeof msg, "native backend %s: %s", export_ ? export_->name : "?", prefix);
    vsnprintf(msg + n, sizeof msg - size_t(n), fmt, ap);
    throw_error(env_, range, msg);
  }

  // Word i of the signature's argument names, into out (size > 0).
  void arg_name(size_t i, char* out, size_t size) const {
    const char* s = export_ ? export_->args : "";
    for (size_t k = 0; k < i && *s; ++s)
      if (*s == ' ') ++k;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && n + 1 < size) out[n] = s[n], ++n;
    out[n] = '\0';
  }

  napi_env env_;
  const Export* export_ = nullptr;
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

// Every entry point of the addon (entries.cc).
extern const Export kExports[];
extern const size_t kExportCount;

}  // namespace cortado
