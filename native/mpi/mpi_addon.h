// Shared declarations of the cortado_mpi addon: the bound MPI library and small Node-API helpers.
#pragma once
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <string>
#include <vector>

#include "mpi_api.h"

extern MpiApi M;

inline void setProp(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

inline napi_value makeNumber(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

inline napi_value makeBool(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

inline napi_value makeString(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

/** Throws an Error whose `code` property says what failed: 'timeout', 'broken', 'mpi', 'nccl', 'arg', 'state'. */
inline void throwCoded(napi_env env, const std::string& code, const std::string& msg) {
  napi_throw_error(env, code.c_str(), msg.c_str());
}

inline bool getArgs(napi_env env, napi_callback_info info, size_t need, napi_value* argv, const char* fn) {
  size_t argc = need;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < need) {
    throwCoded(env, "arg", std::string("cortado_mpi.") + fn + ": expected " + std::to_string(need) + " arguments, got " + std::to_string(argc));
    return false;
  }
  return true;
}

inline bool getNumber(napi_env env, napi_value v, double& out, const char* fn, int index) {
  if (napi_get_value_double(env, v, &out) != napi_ok) {
    throwCoded(env, "arg", std::string("cortado_mpi.") + fn + ": argument " + std::to_string(index) + " must be a number");
    return false;
  }
  return true;
}

inline bool getInt(napi_env env, napi_value v, int& out, const char* fn, int index) {
  double d;
  if (!getNumber(env, v, d, fn, index)) return false;
  out = static_cast<int>(d);
  return true;
}

inline bool getStrings(napi_env env, napi_value arr, std::vector<std::string>& out) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return false;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    size_t len = 0;
    if (napi_get_value_string_utf8(env, e, nullptr, 0, &len) != napi_ok) return false;
    std::vector<char> buf(len + 1);
    napi_get_value_string_utf8(env, e, buf.data(), len + 1, &len);
    out.emplace_back(buf.data(), len);
  }
  return true;
}

// nccl.cc
napi_value NcclOpen(napi_env env, napi_callback_info info);
napi_value NcclUniqueId(napi_env env, napi_callback_info info);
napi_value NcclInit(napi_env env, napi_callback_info info);
napi_value NcclAllreduce(napi_env env, napi_callback_info info);
napi_value NcclBroadcast(napi_env env, napi_callback_info info);
napi_value NcclCheck(napi_env env, napi_callback_info info);
napi_value NcclDestroy(napi_env env, napi_callback_info info);
