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

static std::string cuErrorText(CUresult r) {
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

static bool blasOk(napi_env env, cublasStatus_t s, const char* what) {
  if (s == 0) return true;
  throwError(env, std::string("cuBLAS: ") + what + " failed with status " + std::to_string(s));
  return false;
}

bool readyOrThrow(napi_env env, const char* fn) {
  if (S.ready) return true;
  throwError(env, std::string("cortado_cuda.") + fn + ": init() has not succeeded");
  return false;
}

static void setProp(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

static napi_value makeString(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}

static bool getString(napi_env env, napi_value v, std::string& out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out.resize(len);
  std::vector<char> buf(len + 1);
  napi_get_value_string_utf8(env, v, buf.data(), len + 1, &len);
  out.assign(buf.data(), len);
  return true;
}

static bool getStrings(napi_env env, napi_value arr, std::vector<std::string>& out) {
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

static bool getBytes(napi_env env, napi_value v, void*& data, size_t& bytes) {
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
 * init(overrideDir, deviceIndex, useCudnn, tf32) -> { ok: true, ...device info } or
 * { ok: false, code, message } where code is 'nodriver', 'driver', 'nodevice', 'nvrtc' or 'cublas'.
 */
static napi_value Init(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!getArgs(env, info, 4, argv, "init")) return nullptr;
  std::string overrideDir;
  getString(env, argv[0], overrideDir);
  int deviceIndex = 0;
  if (!getInt(env, argv[1], deviceIndex, "init", 1)) return nullptr;
  bool useCudnn = false, tf32 = false;
  napi_get_value_bool(env, argv[2], &useCudnn);
  napi_get_value_bool(env, argv[3], &tf32);

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

// ---------------------------------------------------------------- kernels

/**
 * compile(source, name, headerNames, headerSources, options, cubin) -> { image: Buffer, log }.
 * Throws with NVRTC's log when the source does not compile.
 */
static napi_value Compile(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!getArgs(env, info, 6, argv, "compile") || !readyOrThrow(env, "compile")) return nullptr;
  std::string source, name;
  std::vector<std::string> hNames, hSources, options;
  if (!getString(env, argv[0], source) || !getString(env, argv[1], name) ||
      !getStrings(env, argv[2], hNames) || !getStrings(env, argv[3], hSources) ||
      !getStrings(env, argv[4], options) || hNames.size() != hSources.size()) {
    throwError(env, "cortado_cuda.compile: expected (source, name, headerNames[], headerSources[], options[], cubin)");
    return nullptr;
  }
  bool cubin = false;
  napi_get_value_bool(env, argv[5], &cubin);
  auto& nv = S.libs.nvrtc;
  std::vector<const char*> hn, hs, opts;
  for (auto& s : hNames) hn.push_back(s.c_str());
  for (auto& s : hSources) hs.push_back(s.c_str());
  for (auto& s : options) opts.push_back(s.c_str());
  nvrtcProgram prog = nullptr;
  nvrtcResult r = nv.nvrtcCreateProgram(&prog, source.c_str(), name.c_str(), static_cast<int>(hn.size()),
                                        hs.data(), hn.data());
  if (r != 0) {
    throwError(env, "NVRTC: cannot create a program for " + name + ": " + nv.nvrtcGetErrorString(r));
    return nullptr;
  }
  r = nv.nvrtcCompileProgram(prog, static_cast<int>(opts.size()), opts.data());
  size_t logSize = 0;
  nv.nvrtcGetProgramLogSize(prog, &logSize);
  std::string log(logSize, '\0');
  if (logSize > 0) nv.nvrtcGetProgramLog(prog, &log[0]);
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  if (r != 0) {
    nv.nvrtcDestroyProgram(&prog);
    throwError(env, "NVRTC could not compile " + name + " (" + nv.nvrtcGetErrorString(r) + "):\n" + log);
    return nullptr;
  }
  size_t size = 0;
  r = cubin ? nv.nvrtcGetCUBINSize(prog, &size) : nv.nvrtcGetPTXSize(prog, &size);
  napi_value image;
  void* data = nullptr;
  napi_create_buffer(env, size, &data, &image);
  if (r == 0) r = cubin ? nv.nvrtcGetCUBIN(prog, static_cast<char*>(data)) : nv.nvrtcGetPTX(prog, static_cast<char*>(data));
  nv.nvrtcDestroyProgram(&prog);
  if (r != 0) {
    throwError(env, "NVRTC: cannot read the compiled image of " + name + ": " + nv.nvrtcGetErrorString(r));
    return nullptr;
  }
  napi_value out;
  napi_create_object(env, &out);
  setProp(env, out, "image", image);
  setProp(env, out, "log", makeString(env, log));
  return out;
}

/** loadModule(image) -> module id. */
static napi_value LoadModule(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "loadModule") || !readyOrThrow(env, "loadModule")) return nullptr;
  void* data = nullptr;
  size_t bytes = 0;
  if (!getBytes(env, argv[0], data, bytes)) {
    throwError(env, "cortado_cuda.loadModule: expected a Buffer holding a CUBIN or PTX image");
    return nullptr;
  }
  CUmodule mod = nullptr;
  if (!cuOk(env, S.libs.cu.cuModuleLoadData(&mod, data), "cuModuleLoadData")) return nullptr;
  S.modules.push_back(mod);
  return makeNumber(env, static_cast<double>(S.modules.size() - 1));
}

/** getFunction(moduleId, name) -> function id. */
static napi_value GetFunction(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv, "getFunction") || !readyOrThrow(env, "getFunction")) return nullptr;
  int mod = 0;
  std::string name;
  if (!getInt(env, argv[0], mod, "getFunction", 0) || !getString(env, argv[1], name)) return nullptr;
  if (mod < 0 || mod >= static_cast<int>(S.modules.size())) {
    throwError(env, "cortado_cuda.getFunction: no module " + std::to_string(mod));
    return nullptr;
  }
  CUfunction fn = nullptr;
  if (!cuOk(env, S.libs.cu.cuModuleGetFunction(&fn, S.modules[mod], name.c_str()), "cuModuleGetFunction(" + name + ")")) return nullptr;
  S.functions.push_back(fn);
  S.functionNames.push_back(name);
  return makeNumber(env, static_cast<double>(S.functions.size() - 1));
}

/** setArgBuffer(arrayBuffer): the 8-byte argument slots that launch() reads. */
static napi_value SetArgBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv, "setArgBuffer")) return nullptr;
  void* data = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok) {
    throwError(env, "cortado_cuda.setArgBuffer: expected an ArrayBuffer");
    return nullptr;
  }
  if (S.argRef) napi_delete_reference(env, S.argRef);
  napi_create_reference(env, argv[0], 1, &S.argRef);
  S.argData = static_cast<uint8_t*>(data);
  S.argBytes = bytes;
  return undefinedValue(env);
}

/** launch(fn, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, nargs): queued, no wait. */
static napi_value Launch(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!getArgs(env, info, 9, argv, "launch")) return nullptr;
  int v[9];
  for (int i = 0; i < 9; i++) {
    if (!getInt(env, argv[i], v[i], "launch", i)) return nullptr;
  }
  if (v[0] < 0 || v[0] >= static_cast<int>(S.functions.size())) {
    throwError(env, "cortado_cuda.launch: no function " + std::to_string(v[0]));
    return nullptr;
  }
  int nargs = v[8];
  if (nargs < 0 || static_cast<size_t>(nargs) * 8 > S.argBytes || nargs > 32) {
    throwError(env, "cortado_cuda.launch: bad argument count " + std::to_string(nargs));
    return nullptr;
  }
  void* params[32];
  for (int i = 0; i < nargs; i++) params[i] = S.argData + 8 * i;
  CUresult r = S.libs.cu.cuLaunchKernel(S.functions[v[0]], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                                        nullptr, params, nullptr);
  if (!cuOk(env, r, "launching kernel " + S.functionNames[v[0]])) return nullptr;
  return undefinedValue(env);
}

// ---------------------------------------------------------------- memory

/** malloc(bytes) -> zero-filled device pointer (at least 4 bytes are taken). */
static napi_value Malloc(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double bytes;
  if (!getArgs(env, info, 1, argv, "malloc") || !readyOrThrow(env, "malloc") ||
      !getNumber(env, argv[0], bytes, "malloc", 0))
    return nullptr;
  size_t n = bytes < 4 ? 4 : static_cast<size_t>(bytes);
  n = (n + 3) & ~static_cast<size_t>(3);
  CUdeviceptr p = 0;
  CUresult r = S.libs.cu.cuMemAlloc_v2(&p, n);
  if (r != CUDA_SUCCESS) {
    size_t freeMem = 0, total = 0;
    S.libs.cu.cuMemGetInfo_v2(&freeMem, &total);
    throwError(env, "CUDA: cannot allocate " + std::to_string(n) + " bytes on the device (" +
                        std::to_string(freeMem >> 20) + " MiB free of " + std::to_string(total >> 20) +
                        " MiB): " + cuErrorText(r));
    return nullptr;
  }
  if (p >= (1ull << 53)) {
    S.libs.cu.cuMemFree_v2(p);
    throwError(env, "CUDA: a device address above 2^53 cannot be held as a JavaScript number");
    return nullptr;
  }
  if (!cuOk(env, S.libs.cu.cuMemsetD32Async(p, 0, n / 4, nullptr), "cuMemsetD32Async")) return nullptr;
  return makeNumber(env, static_cast<double>(p));
}

static napi_value Free(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  CUdeviceptr p;
  if (!getArgs(env, info, 1, argv, "free") || !readyOrThrow(env, "free") || !getPtr(env, argv[0], p, "free", 0)) return nullptr;
  if (!cuOk(env, S.libs.cu.cuMemFree_v2(p), "cuMemFree")) return nullptr;
  return undefinedValue(env);
}

/** memset32(ptr, bits, count): `count` 32-bit words set to `bits`. */
static napi_value Memset32(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  CUdeviceptr p;
  double bits, count;
  if (!getArgs(env, info, 3, argv, "memset32") || !readyOrThrow(env, "memset32") ||
      !getPtr(env, argv[0], p, "memset32", 0) || !getNumber(env, argv[1], bits, "memset32", 1) ||
      !getNumber(env, argv[2], count, "memset32", 2))
    return nullptr;
  if (count <= 0) return undefinedValue(env);
  CUresult r = S.libs.cu.cuMemsetD32Async(p, static_cast<unsigned int>(bits), static_cast<size_t>(count), nullptr);
  if (!cuOk(env, r, "cuMemsetD32Async")) return nullptr;
  return undefinedValue(env);
}

/** upload(ptr, typedArray): queued; the host array may be reused as soon as this returns. */
static napi_value Upload(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  CUdeviceptr p;
  if (!getArgs(env, info, 2, argv, "upload") || !readyOrThrow(env, "upload") || !getPtr(env, argv[0], p, "upload", 0)) return nullptr;
  void* data;
  size_t bytes;
  if (!getBytes(env, argv[1], data, bytes)) {
    throwError(env, "cortado_cuda.upload: expected a typed array");
    return nullptr;
  }
  if (bytes == 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyHtoDAsync_v2(p, data, bytes, nullptr), "cuMemcpyHtoDAsync")) return nullptr;
  return undefinedValue(env);
}

/** download(ptr, typedArray): waits for queued work, then fills the whole typed array. */
static napi_value Download(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  CUdeviceptr p;
  if (!getArgs(env, info, 2, argv, "download") || !readyOrThrow(env, "download") || !getPtr(env, argv[0], p, "download", 0)) return nullptr;
  void* data;
  size_t bytes;
  if (!getBytes(env, argv[1], data, bytes)) {
    throwError(env, "cortado_cuda.download: expected a typed array");
    return nullptr;
  }
  if (bytes == 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyDtoH_v2(data, p, bytes), "cuMemcpyDtoH (an earlier kernel may have failed)")) return nullptr;
  return undefinedValue(env);
}

/** copy(dst, src, bytes): device to device, queued. */
static napi_value Copy(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  CUdeviceptr dst, src;
  double bytes;
  if (!getArgs(env, info, 3, argv, "copy") || !readyOrThrow(env, "copy") || !getPtr(env, argv[0], dst, "copy", 0) ||
      !getPtr(env, argv[1], src, "copy", 1) || !getNumber(env, argv[2], bytes, "copy", 2))
    return nullptr;
  if (bytes <= 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyDtoDAsync_v2(dst, src, static_cast<size_t>(bytes), nullptr), "cuMemcpyDtoDAsync")) return nullptr;
  return undefinedValue(env);
}

static napi_value Synchronize(napi_env env, napi_callback_info info) {
  if (!readyOrThrow(env, "synchronize")) return nullptr;
  if (!cuOk(env, S.libs.cu.cuCtxSynchronize(), "cuCtxSynchronize (an earlier kernel failed)")) return nullptr;
  return undefinedValue(env);
}

/** memInfo() -> [free bytes, total bytes]. */
static napi_value MemInfo(napi_env env, napi_callback_info info) {
  if (!readyOrThrow(env, "memInfo")) return nullptr;
  size_t freeMem = 0, total = 0;
  if (!cuOk(env, S.libs.cu.cuMemGetInfo_v2(&freeMem, &total), "cuMemGetInfo")) return nullptr;
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, makeNumber(env, static_cast<double>(freeMem)));
  napi_set_element(env, arr, 1, makeNumber(env, static_cast<double>(total)));
  return arr;
}

// ---------------------------------------------------------------- cuBLAS (column-major)

/** sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), cuBLAS's own convention. */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!getArgs(env, info, 13, argv, "sgemm") || !readyOrThrow(env, "sgemm")) return nullptr;
  int ta, tb, m, n, k, lda, ldb, ldc;
  double alpha, beta;
  CUdeviceptr A, B, C;
  if (!getInt(env, argv[0], ta, "sgemm", 0) || !getInt(env, argv[1], tb, "sgemm", 1) ||
      !getInt(env, argv[2], m, "sgemm", 2) || !getInt(env, argv[3], n, "sgemm", 3) ||
      !getInt(env, argv[4], k, "sgemm", 4) || !getNumber(env, argv[5], alpha, "sgemm", 5) ||
      !getPtr(env, argv[6], A, "sgemm", 6) || !getInt(env, argv[7], lda, "sgemm", 7) ||
      !getPtr(env, argv[8], B, "sgemm", 8) || !getInt(env, argv[9], ldb, "sgemm", 9) ||
      !getNumber(env, argv[10], beta, "sgemm", 10) || !getPtr(env, argv[11], C, "sgemm", 11) ||
      !getInt(env, argv[12], ldc, "sgemm", 12))
    return nullptr;
  float a = static_cast<float>(alpha), b = static_cast<float>(beta);
  cublasStatus_t s = S.libs.cublas.cublasSgemm_v2(
      S.blas, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, &a,
      reinterpret_cast<const float*>(A), lda, reinterpret_cast<const float*>(B), ldb, &b,
      reinterpret_cast<float*>(C), ldc);
  if (!blasOk(env, s, "cublasSgemm")) return nullptr;
  return undefinedValue(env);
}

/** sgemv(trans, m, n, alpha, A, lda, x, beta, y), unit strides. */
static napi_value Sgemv(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!getArgs(env, info, 9, argv, "sgemv") || !readyOrThrow(env, "sgemv")) return nullptr;
  int t, m, n, lda;
  double alpha, beta;
  CUdeviceptr A, x, y;
  if (!getInt(env, argv[0], t, "sgemv", 0) || !getInt(env, argv[1], m, "sgemv", 1) ||
      !getInt(env, argv[2], n, "sgemv", 2) || !getNumber(env, argv[3], alpha, "sgemv", 3) ||
      !getPtr(env, argv[4], A, "sgemv", 4) || !getInt(env, argv[5], lda, "sgemv", 5) ||
      !getPtr(env, argv[6], x, "sgemv", 6) || !getNumber(env, argv[7], beta, "sgemv", 7) ||
      !getPtr(env, argv[8], y, "sgemv", 8))
    return nullptr;
  float a = static_cast<float>(alpha), b = static_cast<float>(beta);
  cublasStatus_t s = S.libs.cublas.cublasSgemv_v2(S.blas, t ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, &a,
                                                  reinterpret_cast<const float*>(A), lda,
                                                  reinterpret_cast<const float*>(x), 1, &b,
                                                  reinterpret_cast<float*>(y), 1);
  if (!blasOk(env, s, "cublasSgemv")) return nullptr;
  return undefinedValue(env);
}

/** sdot(n, x, y) -> number (waits for the device). */
static napi_value Sdot(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int n;
  CUdeviceptr x, y;
  if (!getArgs(env, info, 3, argv, "sdot") || !readyOrThrow(env, "sdot") || !getInt(env, argv[0], n, "sdot", 0) ||
      !getPtr(env, argv[1], x, "sdot", 1) || !getPtr(env, argv[2], y, "sdot", 2))
    return nullptr;
  float r = 0;
  cublasStatus_t s = S.libs.cublas.cublasSdot_v2(S.blas, n, reinterpret_cast<const float*>(x), 1,
                                                 reinterpret_cast<const float*>(y), 1, &r);
  if (!blasOk(env, s, "cublasSdot")) return nullptr;
  return makeNumber(env, r);
}

/** sasum(n, x) -> number (waits for the device). */
static napi_value Sasum(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int n;
  CUdeviceptr x;
  if (!getArgs(env, info, 2, argv, "sasum") || !readyOrThrow(env, "sasum") || !getInt(env, argv[0], n, "sasum", 0) ||
      !getPtr(env, argv[1], x, "sasum", 1))
    return nullptr;
  float r = 0;
  cublasStatus_t s = S.libs.cublas.cublasSasum_v2(S.blas, n, reinterpret_cast<const float*>(x), 1, &r);
  if (!blasOk(env, s, "cublasSasum")) return nullptr;
  return makeNumber(env, r);
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
      {"sgemv", Sgemv},
      {"sdot", Sdot},
      {"sasum", Sasum},
      {"convPlan", ConvPlanCreate},
      {"convForward", ConvForward},
      {"convBackwardData", ConvBackwardData},
      {"convBackwardFilter", ConvBackwardFilter},
  };
  for (const auto& e : entries) {
    napi_value f;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &f);
    napi_set_named_property(env, exports, e.name, f);
  }
  return exports;
}
