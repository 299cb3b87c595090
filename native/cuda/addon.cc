// cortado_cuda: a Node-API addon that drives an NVIDIA GPU through the driver API, NVRTC, cuBLAS
// and (when present) cuDNN, all opened with dlopen at run time. It holds no kernels of its own:
// the TypeScript side hands it CUDA C++ sources to compile, then launches them by handle.
//
// Device pointers cross into JavaScript as plain numbers (they fit in 53 bits on x86-64 Linux).
#include "addon.h"

#include <cstdio>
#include <cstring>

CudaState S;

// ---------------------------------------------------------------- helpers

void throwError(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
}

bool getArgs(napi_env env, napi_callback_info info, size_t need, napi_value* argv, const char* fn) {
  size_t argc = need;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < need) {
    throwError(env, std::string("cortado_cuda.") + fn + ": expected " + std::to_string(need) +
                        " arguments, got " + std::to_string(argc));
    return false;
  }
  return true;
}

bool getNumber(napi_env env, napi_value v, double& out, const char* fn, int index) {
  if (napi_get_value_double(env, v, &out) != napi_ok) {
    throwError(env, std::string("cortado_cuda.") + fn + ": argument " + std::to_string(index) +
                        " must be a number");
    return false;
  }
  return true;
}

bool getInt(napi_env env, napi_value v, int& out, const char* fn, int index) {
  double d;
  if (!getNumber(env, v, d, fn, index)) return false;
  out = static_cast<int>(d);
  return true;
}

bool getPtr(napi_env env, napi_value v, CUdeviceptr& out, const char* fn, int index) {
  double d;
  if (!getNumber(env, v, d, fn, index)) return false;
  out = static_cast<CUdeviceptr>(d);
  return true;
}

napi_value makeNumber(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value undefinedValue(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

std::string cuErrorText(CUresult r) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (S.libs.cu.cuGetErrorName) S.libs.cu.cuGetErrorName(r, &name);
  if (S.libs.cu.cuGetErrorString) S.libs.cu.cuGetErrorString(r, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(r)) + (text ? std::string(" (") + text + ")" : "");
}

bool cuOk(napi_env env, CUresult r, const std::string& what) {
  if (r == CUDA_SUCCESS) return true;
  throwError(env, "CUDA: " + what + " failed: " + cuErrorText(r));
  return false;
}

bool cudnnOk(napi_env env, cudnnStatus_t s, const std::string& what) {
  if (s == CUDNN_STATUS_SUCCESS) return true;
  const char* text = S.libs.cudnn.cudnnGetErrorString ? S.libs.cudnn.cudnnGetErrorString(s) : "";
  throwError(env, "cuDNN: " + what + " failed: " + text + " (status " + std::to_string(s) + ")");
  return false;
}

bool blasOk(napi_env env, cublasStatus_t s, const char* what) {
  if (s == 0) return true;
  throwError(env, std::string("cuBLAS: ") + what + " failed with status " + std::to_string(s));
  return false;
}

bool readyOrThrow(napi_env env, const char* fn) {
  if (S.ready) return true;
  throwError(env, std::string("cortado_cuda.") + fn + ": init() has not succeeded");
  return false;
}

void setProp(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

napi_value makeString(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

bool getString(napi_env env, napi_value v, std::string& out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  std::vector<char> buf(len + 1);
  napi_get_value_string_utf8(env, v, buf.data(), len + 1, &len);
  out.assign(buf.data(), len);
  return true;
}

bool getStrings(napi_env env, napi_value arr, std::vector<std::string>& out) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return false;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    std::string s;
    if (!getString(env, e, s)) return false;
    out.push_back(s);
  }
  return true;
}

bool getBytes(napi_env env, napi_value v, void*& data, size_t& bytes) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (isTyped) {
    napi_typedarray_type type;
    size_t length;
    napi_value ab;
    size_t offset;
    napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset);
    size_t elem = type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
                  : type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array ? 4
                  : type == napi_int16_array || type == napi_uint16_array ? 2 : 1;
    bytes = length * elem;
    return true;
  }
  bool isBuffer = false;
  napi_is_buffer(env, v, &isBuffer);
  if (isBuffer) return napi_get_buffer_info(env, v, &data, &bytes) == napi_ok;
  return false;
}

// ---------------------------------------------------------------- init

/**
 * init(overrideDir, deviceIndex, useCudnn, tf32, deterministic) -> { ok: true, ...device info } or
 * { ok: false, code, message } where code is 'nodriver', 'driver', 'nodevice', 'nvrtc' or 'cublas'.
 */
static napi_value Init(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!getArgs(env, info, 5, argv, "init")) return nullptr;
  std::string overrideDir;
  getString(env, argv[0], overrideDir);
  int deviceIndex = 0;
  if (!getInt(env, argv[1], deviceIndex, "init", 1)) return nullptr;
  bool useCudnn = false, tf32 = false;
  napi_get_value_bool(env, argv[2], &useCudnn);
  napi_get_value_bool(env, argv[3], &tf32);
  bool deterministic = false;
  napi_get_value_bool(env, argv[4], &deterministic);

  napi_value out;
  napi_create_object(env, &out);
  napi_value t, f;
  napi_get_boolean(env, true, &t);
  napi_get_boolean(env, false, &f);
  auto fail = [&](const char* code, const std::string& message) {
    setProp(env, out, "ok", f);
    setProp(env, out, "code", makeString(env, code));
    setProp(env, out, "message", makeString(env, message));
    return out;
  };

  if (S.ready) return fail("again", "init() may be called once per process");
  std::string err;
  if (!openLibrary(S.libs, "cuda", searchDirs(overrideDir, "cuda"), err)) return fail("nodriver", err);
  auto& cu = S.libs.cu;
  CUresult r = cu.cuInit(0);
  if (r == 100 /* CUDA_ERROR_NO_DEVICE */) return fail("nodevice", "the driver reports no CUDA device: " + cuErrorText(r));
  if (r != CUDA_SUCCESS) return fail("driver", "cuInit failed: " + cuErrorText(r));
  int count = 0;
  cu.cuDeviceGetCount(&count);
  if (count == 0) return fail("nodevice", "the driver reports no CUDA device");
  if (deviceIndex < 0 || deviceIndex >= count) {
    return fail("nodevice", "device " + std::to_string(deviceIndex) + " asked for, but only " + std::to_string(count) + " present");
  }
  if ((r = cu.cuDeviceGet(&S.device, deviceIndex)) != CUDA_SUCCESS) return fail("driver", "cuDeviceGet: " + cuErrorText(r));
  if ((r = cu.cuDevicePrimaryCtxRetain(&S.ctx, S.device)) != CUDA_SUCCESS) return fail("driver", "cuDevicePrimaryCtxRetain: " + cuErrorText(r));
  if ((r = cu.cuCtxSetCurrent(S.ctx)) != CUDA_SUCCESS) return fail("driver", "cuCtxSetCurrent: " + cuErrorText(r));

  char name[256] = {0};
  cu.cuDeviceGetName(name, sizeof name - 1, S.device);
  int major = 0, minor = 0, sms = 0, driver = 0;
  cu.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, S.device);
  cu.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, S.device);
  cu.cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, S.device);
  cu.cuDriverGetVersion(&driver);
  size_t totalMem = 0;
  cu.cuDeviceTotalMem_v2(&totalMem, S.device);

  if (!openLibrary(S.libs, "nvrtc", searchDirs(overrideDir, "nvrtc"), err)) return fail("nvrtc", err);
  int nvMajor = 0, nvMinor = 0;
  S.libs.nvrtc.nvrtcVersion(&nvMajor, &nvMinor);
  int nArchs = 0;
  S.libs.nvrtc.nvrtcGetNumSupportedArchs(&nArchs);
  std::vector<int> archs(nArchs > 0 ? nArchs : 0);
  if (nArchs > 0) S.libs.nvrtc.nvrtcGetSupportedArchs(archs.data());

  if (!openLibrary(S.libs, "cublas", searchDirs(overrideDir, "cublas"), err)) return fail("cublas", err);
  cublasStatus_t bs = S.libs.cublas.cublasCreate_v2(&S.blas);
  if (bs != 0) return fail("cublas", "cublasCreate failed with status " + std::to_string(bs));
  int blasVersion = 0;
  S.libs.cublas.cublasGetVersion_v2(S.blas, &blasVersion);
  S.tf32 = tf32;
  S.deterministic = deterministic;
  S.libs.cublas.cublasSetMathMode(S.blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);

  std::string cudnnNote;
  size_t cudnnVersion = 0;
  if (!useCudnn) {
    cudnnNote = "disabled";
  } else if (openLibrary(S.libs, "cudnn", searchDirs(overrideDir, "cudnn"), err)) {
    cudnnStatus_t ds = S.libs.cudnn.cudnnCreate(&S.dnn);
    if (ds != CUDNN_STATUS_SUCCESS) {
      S.dnn = nullptr;
      cudnnNote = std::string("cudnnCreate failed: ") + S.libs.cudnn.cudnnGetErrorString(ds);
    } else {
      cudnnVersion = S.libs.cudnn.cudnnGetVersion();
    }
  } else {
    cudnnNote = err;
  }

  S.ready = true;
  setProp(env, out, "ok", t);
  setProp(env, out, "device", makeString(env, name));
  setProp(env, out, "ccMajor", makeNumber(env, major));
  setProp(env, out, "ccMinor", makeNumber(env, minor));
  setProp(env, out, "multiprocessors", makeNumber(env, sms));
  setProp(env, out, "totalMemory", makeNumber(env, static_cast<double>(totalMem)));
  setProp(env, out, "driverVersion", makeNumber(env, driver));
  setProp(env, out, "nvrtcVersion", makeString(env, std::to_string(nvMajor) + "." + std::to_string(nvMinor)));
  napi_value archList;
  napi_create_array_with_length(env, archs.size(), &archList);
  for (size_t i = 0; i < archs.size(); i++) napi_set_element(env, archList, i, makeNumber(env, archs[i]));
  setProp(env, out, "nvrtcArchs", archList);
  setProp(env, out, "cublasVersion", makeNumber(env, blasVersion));
  setProp(env, out, "cudnnVersion", makeNumber(env, static_cast<double>(cudnnVersion)));
  setProp(env, out, "cudnnNote", makeString(env, cudnnNote));
  setProp(env, out, "cudaPath", makeString(env, S.libs.cuPath));
  setProp(env, out, "nvrtcPath", makeString(env, S.libs.nvrtcPath));
  setProp(env, out, "cublasPath", makeString(env, S.libs.cublasPath));
  setProp(env, out, "cudnnPath", makeString(env, S.dnn ? S.libs.cudnnPath : ""));
  return out;
}

// ---------------------------------------------------------------- module

NAPI_MODULE_INIT() {
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  const Entry entries[] = {
      {"init", Init},
      {"compile", Compile},
      {"loadModule", LoadModule},
      {"getFunction", GetFunction},
      {"setArgBuffer", SetArgBuffer},
      {"launch", Launch},
      {"malloc", Malloc},
      {"free", Free},
      {"memset32", Memset32},
      {"upload", Upload},
      {"download", Download},
      {"copy", Copy},
      {"synchronize", Synchronize},
      {"memInfo", MemInfo},
      {"sgemm", Sgemm},
      {"gemmEx", GemmEx},
      {"sgemmStridedBatched", SgemmStridedBatched},
      {"gemmStridedBatchedEx", GemmStridedBatchedEx},
      {"sgemv", Sgemv},
      {"sdot", Sdot},
      {"sasum", Sasum},
      {"convPlan", ConvPlanCreate},
      {"convForward", ConvForward},
      {"convBackwardData", ConvBackwardData},
      {"convBackwardFilter", ConvBackwardFilter},
      {"captureBegin", CaptureBegin},
      {"captureEnd", CaptureEnd},
      {"graphLaunch", GraphLaunch},
      {"graphDestroy", GraphDestroy},
      {"stageUpload", StageUpload},
      {"graphRun", GraphRun},
  };
  for (const auto& e : entries) {
    napi_value f;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &f);
    napi_set_named_property(env, exports, e.name, f);
  }
  return exports;
}

