# The cortado_cuda addon (build/Release/cortado_cuda.node). It needs no CUDA headers or libraries
# to build: it opens them with dlopen at run time. Included from binding.gyp:
#   "includes": ["native/cuda/cuda.gypi"]
# Paths below are relative to this file.
{
  "targets": [
    {
      "target_name": "cortado_cuda",
      "sources": ["addon.cc", "blas.cc", "cudnn_conv.cc", "graph.cc", "kernels.cc", "loader.cc", "memory.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-O2", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["-ldl"]
    }
  ]
}
