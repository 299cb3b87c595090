// The addon's module: registers the entry points (the table in entries.cc), each of which checks
// its arguments (types, lengths, geometry) and calls the kernel table over the memory of the
// caller's Float32Arrays (no copies). The checks are what keeps a wrong call from the JS side an
// exception rather than a write outside an array.
#include <vector>

#include "call.h"
#include "threads.h"

namespace cortado {

namespace {

// Per-environment state (one per worker thread that loads the addon).
struct EnvData {
  napi_ref error_class = nullptr;
};

void delete_env_data(napi_env env, void* data, void*) {
  EnvData* d = static_cast<EnvData*>(data);
  if (d->error_class) napi_delete_reference(env, d->error_class);
  delete d;
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

}  // namespace cortado

NAPI_MODULE_INIT() {
  using namespace cortado;
  napi_set_instance_data(env, new EnvData, delete_env_data, nullptr);
  napi_value isa, threads;
  napi_create_string_utf8(env, kernels().isa, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, num_threads(), &threads);
  std::vector<napi_property_descriptor> props = {
      {"isa", nullptr, nullptr, nullptr, nullptr, isa, napi_enumerable, nullptr},
      {"numThreads", nullptr, nullptr, nullptr, nullptr, threads, napi_enumerable, nullptr},
      {"setErrorClass", nullptr, SetErrorClass, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  for (size_t i = 0; i < kExportCount; ++i) {
    props.push_back({kExports[i].name, nullptr, kExports[i].fn, nullptr, nullptr, nullptr, napi_enumerable,
                     const_cast<Export*>(&kExports[i])});
  }
  napi_define_properties(env, exports, props.size(), props.data());
  return exports;
}
