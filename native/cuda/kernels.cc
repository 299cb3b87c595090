// NVRTC compilation, modules, and kernel launches with arguments packed by the TypeScript side.
#include "addon.h"

// ---------------------------------------------------------------- kernels

/**
 * compile(source, name, headerNames, headerSources, options, cubin) -> { image: Buffer, log }.
 * Throws with NVRTC's log when the source does not compile.
 */
napi_value Compile(napi_env env, napi_callback_info info) {
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
napi_value LoadModule(napi_env env, napi_callback_info info) {
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
napi_value GetFunction(napi_env env, napi_callback_info info) {
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
napi_value SetArgBuffer(napi_env env, napi_callback_info info) {
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
napi_value Launch(napi_env env, napi_callback_info info) {
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
                                        S.stream, params, nullptr);
  if (!cuOk(env, r, "launching kernel " + S.functionNames[v[0]])) return nullptr;
  if (S.tracking && S.stream && !noteCapturedKernel(env, S.functions[v[0]], v + 1, nargs)) return nullptr;
  return undefinedValue(env);
}
