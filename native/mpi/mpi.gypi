# The cortado_mpi addon (build/Release/cortado_mpi.node). It needs no MPI or NCCL headers or
# libraries to build: it opens libmpi and libnccl with dlopen at run time. Included from binding.gyp:
#   "includes": ["native/cuda/cuda.gypi", "native/mpi/mpi.gypi"]
# Paths below are relative to this file.
{
  "targets": [
    {
      "target_name": "cortado_mpi",
      "sources": ["addon.cc", "nccl.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-O2", "-Wall", "-Wno-unused-parameter", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
