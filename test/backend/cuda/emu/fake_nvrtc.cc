// A stand-in for libnvrtc.so used by the CUDA backend's CPU emulation tests: "compiling" a kernel
// source runs g++ on it (with emu_kernel.h in front and one trampoline per kernel behind), and the
// "CUBIN" is the path of the shared object built, which fake_cuda.cc's cuModuleLoadData opens.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {
struct Program {
  std::string source, name, log, image;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::string selfDir() {
  Dl_info info;
  dladdr(reinterpret_cast<void*>(&selfDir), &info);
  std::string p = info.dli_fname;
  return p.substr(0, p.rfind('/'));
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}
}  // namespace

extern "C" {
typedef Program* nvrtcProgram;

int nvrtcVersion(int* major, int* minor) {
  *major = 13;
  *minor = 0;
  return 0;
}

const char* nvrtcGetErrorString(int r) {
  return r == 0 ? "NVRTC_SUCCESS" : r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR (emulated)";
}

int nvrtcCreateProgram(nvrtcProgram* prog, const char* src, const char* name, int numHeaders,
                       const char* const* headers, const char* const* includeNames) {
  auto* p = new Program();
  p->source = src;
  p->name = name ? name : "kernel.cu";
  for (int i = 0; i < numHeaders; i++) p->headers.emplace_back(includeNames[i], headers[i]);
  *prog = p;
  return 0;
}

int nvrtcDestroyProgram(nvrtcProgram* prog) {
  delete *prog;
  *prog = nullptr;
  return 0;
}

int nvrtcCompileProgram(nvrtcProgram p, int, const char* const*) {
  std::string all = p->source;
  for (auto& h : p->headers) all += h.first + h.second;
  std::string dir = selfDir() + "/work/" + std::to_string(std::hash<std::string>()(all));
  mkdir((selfDir() + "/work").c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  for (auto& h : p->headers) writeFile(dir + "/" + h.first, h.second);
  writeFile(dir + "/kernel.cu", p->source);
  std::ostringstream tramp;
  tramp << "#include \"kernel.cu\"\n";
  bool barriers = p->source.find("__syncthreads") != std::string::npos ||
                  p->source.find("cortadoBlockSum") != std::string::npos;
  std::regex decl("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(");
  for (std::sregex_iterator it(p->source.begin(), p->source.end(), decl), end; it != end; ++it) {
    std::string k = (*it)[1];
    tramp << "extern \"C\" void cortado_emu_tramp_" << k << "(void** a) { cortado_emu_call(" << k << ", a); }\n";
    tramp << "extern \"C\" int cortado_emu_barriers_" << k << " = " << (barriers ? 1 : 0) << ";\n";
    tramp << "extern \"C\" int cortado_emu_arity_" << k << " = cortado_emu_arity(" << k << ");\n";
  }
  writeFile(dir + "/module.cc", tramp.str());
  std::string so = dir + "/module.so";
  std::string cmd = "g++ -std=c++17 -O1 -shared -fPIC -Wno-unused-parameter -include '" + selfDir() +
                    "/emu_kernel.h' -I '" + dir + "' -o '" + so + ".tmp' '" + dir + "/module.cc' 2>&1 && mv '" +
                    so + ".tmp' '" + so + "'";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  p->log.clear();
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) p->log.append(buf, n);
  int status = pclose(f);
  if (status != 0) return 6;
  p->image = "CORTADO-EMU-MODULE " + so;
  return 0;
}

int nvrtcGetProgramLogSize(nvrtcProgram p, size_t* n) {
  *n = p->log.size() + 1;
  return 0;
}
int nvrtcGetProgramLog(nvrtcProgram p, char* out) {
  memcpy(out, p->log.c_str(), p->log.size() + 1);
  return 0;
}
int nvrtcGetPTXSize(nvrtcProgram p, size_t* n) {
  *n = p->image.size() + 1;
  return 0;
}
int nvrtcGetPTX(nvrtcProgram p, char* out) {
  memcpy(out, p->image.c_str(), p->image.size() + 1);
  return 0;
}
int nvrtcGetCUBINSize(nvrtcProgram p, size_t* n) { return nvrtcGetPTXSize(p, n); }
int nvrtcGetCUBIN(nvrtcProgram p, char* out) { return nvrtcGetPTX(p, out); }
int nvrtcGetNumSupportedArchs(int* n) {
  *n = 2;
  return 0;
}
int nvrtcGetSupportedArchs(int* a) {
  a[0] = 80;
  a[1] = 90;
  return 0;
}
}
