// Shared by every Cortado kernel. Kernels are compiled at run time by NVRTC (no host headers), so
// this file declares what they need itself. All kernels take float32 data and int sizes (the
// backend checks that sizes fit), and loop over their range with a grid-stride loop so that any
// grid size is correct; the backend picks the grid.
#pragma once

// The enumerations the kernels take, as in native/include/cortado.h and src/backend/kernel-abi.ts
// (test/backend/kernel-abi.test.ts fails when the three disagree).
enum NeuronOp { kIdentity = 0, kRelu = 1, kLrelu = 2, kSigmoid = 3, kTanh = 4, kExpNeuron = 5, kErf = 6, kGelu = 7, kGeluTanh = 8 };
enum Normalization { kValid = 0, kBatch = 1, kFull = 2, kNoNorm = 3 };
// The codes a kernel leaves in the backend's error flag (`flag[0]`, the position in `flag[1]`) when its input is bad, as
// DEVICE_ERROR in src/backend/kernel-abi.ts; the next read on the host reports the code.
enum DeviceError {
  kNoError = 0,
  kGatherIndex = 1,
  kScatterIndex = 2,
  kSoftmaxLossForwardLabel = 3,
  kSoftmaxLossBackwardLabel = 4,
  kAccuracyLabel = 5,
  kNllBackwardLabel = 6,
  kHingeForwardLabel = 7,
  kHingeBackwardLabel = 8
};

/** Whether v, a row number stored as a float, is a whole number in [0, rows). */
__device__ __forceinline__ bool cortadoIsRow(float v, int rows) { return v >= 0.0f && v < (float)rows && v == truncf(v); }

/**
 * Leaves `code` in the error flag and the failing position `at` (a label's or an index's) after it,
 * as int bits. Threads that fail at once all write both; one position stays, each a whole word.
 */
__device__ __forceinline__ void cortadoFail(float* flag, DeviceError code, int at) {
  reinterpret_cast<int*>(flag)[1] = at;
  flag[0] = (float)code;
}

#define CORTADO_FLT_MAX 3.402823466e+38f
#define CORTADO_FLT_MIN 1.175494351e-38f

/** i runs over [0, n) across the whole grid. */
#define CORTADO_LOOP(i, n) \
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

/**
 * For kernels launched over (pixels of a plane, columns of planes) (the backend's runPlanes): p runs
 * over the pixels of a plane, col over the columns this block row takes, every gridDim.y-th.
 */
#define CORTADO_PIXEL_LOOP(p, pixels) \
  for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < (pixels); p += blockDim.x * gridDim.x)
#define CORTADO_PLANE_LOOP(col, cols) for (int col = blockIdx.y; col < (cols); col += gridDim.y)

__device__ __forceinline__ int cortadoMin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int cortadoMax(int a, int b) { return a > b ? a : b; }

/** Block size of the kernels that reduce in shared memory (the backend launches them with it). */
#define CORTADO_REDUCE_THREADS 256

/**
 * Sums v over the block (blockDim.x == CORTADO_REDUCE_THREADS); every thread gets the result (the
 * next call's first barrier keeps buf[0] until all have read it). `buf` is a __shared__ array of
 * CORTADO_REDUCE_THREADS floats.
 */
__device__ __forceinline__ float cortadoBlockSum(float v, float* buf) {
  __syncthreads();  // an earlier call may still be reading buf[0]
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int s = CORTADO_REDUCE_THREADS / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s];
    __syncthreads();
  }
  return buf[0];
}
