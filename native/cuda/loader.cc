// Finds and opens the CUDA libraries with dlopen, so that nothing of CUDA is needed at build time.
#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "cuda_api.h"

namespace {

struct LibSpec {
  std::vector<std::string> names;
  // Libraries opened first from the same folder, so that a library whose own dependencies are not
  // on the loader path (cuBLAS needs cuBLASLt, NVRTC its builtins) still resolves them.
  std::vector<std::string> companions;
};

LibSpec specFor(const std::string& kind) {
  if (kind == "cuda") return {{"libcuda.so.1", "libcuda.so"}, {}};
  if (kind == "nvrtc") return {{"libnvrtc.so.13", "libnvrtc.so.12"}, {"libnvrtc-builtins.so"}};
  if (kind == "cublas") return {{"libcublas.so.13", "libcublas.so.12"}, {"libcublasLt.so"}};
  return {{"libcudnn.so.9"}, {}};
}

bool exists(const std::string& path) {
  return access(path.c_str(), R_OK) == 0;
}

// Every file in `dir` whose name starts with `prefix` and continues with a major version that
// matches the library being opened (libcublasLt.so.13 next to libcublas.so.13).
std::vector<std::string> companionFiles(const std::string& dir, const std::string& prefix,
                                        const std::string& version) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind(prefix + "." + version, 0) == 0) out.push_back(dir + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

template <class Api>
bool bindAll(void* h, Api& api, std::string& missing);

#define CORTADO_BIND(name, ret, params)                                     \
  api.name = reinterpret_cast<ret(*) params>(dlsym(h, #name));              \
  if (!api.name) {                                                          \
    missing = #name;                                                        \
    return false;                                                           \
  }

#define CORTADO_BIND_OPTIONAL(name, ret, params) api.name = reinterpret_cast<ret(*) params>(dlsym(h, #name));

template <>
bool bindAll(void* h, CudaApi& api, std::string& missing) {
  CORTADO_CUDA_FUNCS(CORTADO_BIND)
  CORTADO_CUDA_OPTIONAL_FUNCS(CORTADO_BIND_OPTIONAL)
  return true;
}
template <>
bool bindAll(void* h, NvrtcApi& api, std::string& missing) {
  CORTADO_NVRTC_FUNCS(CORTADO_BIND)
  return true;
}
template <>
bool bindAll(void* h, CublasApi& api, std::string& missing) {
  CORTADO_CUBLAS_FUNCS(CORTADO_BIND)
  CORTADO_CUBLAS_OPTIONAL_FUNCS(CORTADO_BIND_OPTIONAL)
  return true;
}
template <>
bool bindAll(void* h, CudnnApi& api, std::string& missing) {
  CORTADO_CUDNN_FUNCS(CORTADO_BIND)
  CORTADO_CUDNN_OPTIONAL_FUNCS(CORTADO_BIND_OPTIONAL)
  return true;
}

template <class Api>
bool tryOpen(const std::string& path, const LibSpec& spec, const std::string& name,
             const std::string& dir, Api& api, std::string& note) {
  if (!dir.empty()) {
    if (!exists(path)) return false;
    std::string version = name.substr(name.find(".so.") + 4);
    for (const auto& c : spec.companions) {
      for (const auto& f : companionFiles(dir, c, version)) dlopen(f.c_str(), RTLD_NOW | RTLD_GLOBAL);
    }
  }
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    if (!dir.empty()) note += std::string("; ") + path + ": " + dlerror();
    return false;
  }
  std::string missing;
  if (!bindAll(h, api, missing)) {
    note += "; " + path + " lacks " + missing;
    api = Api();
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> searchDirs(const std::string& overrideDir, const std::string& kind) {
  std::vector<std::string> dirs;
  if (!overrideDir.empty()) dirs.push_back(overrideDir);
  dirs.push_back("");  // the loader's own search path (LD_LIBRARY_PATH, ld.so.cache)
  if (kind == "cuda") {
    for (const char* d : {"/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
                          "/usr/lib/wsl/lib"})
      dirs.push_back(d);
    return dirs;
  }
  dirs.push_back("/usr/local/cuda/targets/x86_64-linux/lib");
  dirs.push_back("/usr/local/cuda/lib64");
  std::vector<std::string> versioned;
  if (DIR* d = opendir("/usr/local")) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind("cuda-", 0) == 0) versioned.push_back("/usr/local/" + n);
    }
    closedir(d);
  }
  std::sort(versioned.rbegin(), versioned.rend());  // newest toolkit first
  for (const auto& v : versioned) {
    dirs.push_back(v + "/targets/x86_64-linux/lib");
    dirs.push_back(v + "/lib64");
  }
  dirs.push_back("/usr/lib/x86_64-linux-gnu");
  return dirs;
}

bool openLibrary(CudaLibs& libs, const std::string& kind, const std::vector<std::string>& dirs,
                 std::string& error) {
  LibSpec spec = specFor(kind);
  std::string note;
  for (const auto& name : spec.names) {
    for (const auto& dir : dirs) {
      std::string path = dir.empty() ? name : dir + "/" + name;
      bool ok = false;
      if (kind == "cuda") ok = tryOpen(path, spec, name, dir, libs.cu, note);
      else if (kind == "nvrtc") ok = tryOpen(path, spec, name, dir, libs.nvrtc, note);
      else if (kind == "cublas") ok = tryOpen(path, spec, name, dir, libs.cublas, note);
      else ok = tryOpen(path, spec, name, dir, libs.cudnn, note);
      if (ok) {
        std::string& where = kind == "cuda" ? libs.cuPath
                             : kind == "nvrtc" ? libs.nvrtcPath
                             : kind == "cublas" ? libs.cublasPath
                                                : libs.cudnnPath;
        where = path;
        return true;
      }
    }
  }
  std::string names, folders;
  for (const auto& n : spec.names) names += (names.empty() ? "" : ", ") + n;
  for (const auto& d : dirs) folders += (folders.empty() ? "" : ", ") + (d.empty() ? "the loader path" : d);
  error = names + " not found (searched " + folders + ")" + note;
  return false;
}
