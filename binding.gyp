# The native CPU backend: build/Release/cortado.node (Node-API, no external libraries).
# The kernels (native/kernels) are compiled once per instruction set into a static library each;
# native/src/dispatch.cc picks one at load time. Only the compile flags matter at build time, so
# the AVX-512 library builds on any x86-64 compiler and is simply never chosen on older CPUs.
{
  # The CUDA backend's addon, build/Release/cortado_cuda.node (no CUDA needed to build it), and the
  # MPI/NCCL binding for distributed training, build/Release/cortado_mpi.node (no MPI needed either).
  'includes': ['native/cuda/cuda.gypi', 'native/mpi/mpi.gypi'],
  'variables': {
    'cortado_kernel_sources': [
      'native/kernels/bias.cc',
      'native/kernels/blas1.cc',
      'native/kernels/clamp.cc',
      'native/kernels/conv.cc',
      'native/kernels/conv_direct.cc',
      'native/kernels/dropout.cc',
      'native/kernels/gather.cc',
      'native/kernels/gemm.cc',
      'native/kernels/im2col.cc',
      'native/kernels/im2col_plan.cc',
      'native/kernels/layer_norm.cc',
      'native/kernels/lrn.cc',
      'native/kernels/neuron.cc',
      'native/kernels/pooling.cc',
      'native/kernels/random.cc',
      'native/kernels/sgd.cc',
      'native/kernels/softmax.cc',
      'native/kernels/table.cc',
      'native/kernels/winograd.cc',
    ],
  },
  'target_defaults': {
    'include_dirs': ['native/include', 'native/kernels'],
    'cflags': ['-O3', '-fPIC', '-Wno-maybe-uninitialized'],
    'cflags!': ['-O0', '-O2'],
    'xcode_settings': { 'GCC_OPTIMIZATION_LEVEL': '3', 'CLANG_CXX_LANGUAGE_STANDARD': 'c++17' },
    'msvs_settings': { 'VCCLCompilerTool': { 'Optimization': 2 } },
  },
  'targets': [
    {
      'target_name': 'cortado_kernels_portable',
      'type': 'static_library',
      'sources': ['<@(cortado_kernel_sources)'],
      'defines': ['CORTADO_ISA=portable'],
    },
    {
      'target_name': 'cortado',
      'sources': [
        'native/src/addon.cc',
        'native/src/dispatch.cc',
        'native/src/entries.cc',
        'native/src/threads.cc',
      ],
      'dependencies': ['cortado_kernels_portable'],
      'conditions': [
        ['target_arch=="x64" and OS!="win"', {
          'dependencies': ['cortado_kernels_avx2', 'cortado_kernels_avx512'],
          'defines': ['CORTADO_X86_ISAS'],
        }],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64" and OS!="win"', {
      'targets': [
        {
          'target_name': 'cortado_kernels_avx2',
          'type': 'static_library',
          'sources': ['<@(cortado_kernel_sources)'],
          'defines': ['CORTADO_ISA=avx2'],
          'cflags': ['-mavx2', '-mfma'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx2', '-mfma'] },
        },
        {
          'target_name': 'cortado_kernels_avx512',
          'type': 'static_library',
          'sources': ['<@(cortado_kernel_sources)'],
          'defines': ['CORTADO_ISA=avx512'],
          'cflags': ['-mavx512f', '-mavx512vl', '-mavx512bw', '-mavx512dq', '-mfma', '-mprefer-vector-width=512'],
          'xcode_settings': {
            'OTHER_CFLAGS': ['-mavx512f', '-mavx512vl', '-mavx512bw', '-mavx512dq', '-mfma', '-mprefer-vector-width=512'],
          },
        },
      ],
    }],
  ],
}
