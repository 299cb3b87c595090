// The reductions that write a loss or a metric to device memory: the dot product of dotInto, the
// hinge loss and binary accuracy. (dotInto's kernels live here, not with the BLAS kernels of
// elementwise.cu, because they reduce across a block's threads, which no kernel there does.)
//
// dotInto sums in two passes, with no atomics, so that a given n gives the same bits on every run:
// dot_partial_f32 runs a grid of blocks, each writing the sum over the elements it visits to
// partial[block], then dot_finish_f32 sums the partials in one block in a fixed order. The two
// launches are ordered on the stream, so out may alias x or y.
//
// The hinge loss and binary accuracy take scores seen as [outer, classes] (one row of class scores
// per item).
//
//   m = max(0, 1 + delta x) (a NaN score gives NaN), with delta = -1 at the labelled class and +1
//   elsewhere (index labels: one class index per item, a float truncated to an integer), or
//   delta = -label (sign labels: one +-1 per score); loss = sum m (L1) or sum m^2 (L2), over outer.
//
// An index label outside [0, classes) makes the loss NaN and its item's gradient NaN, and leaves
// the kernel's code in the error flag. The hinge
// and accuracy reductions run in one block of CORTADO_REDUCE_THREADS threads and write one number
// to device memory.
#include "common.cuh"

/**
 * partial[blockIdx.x] = sum of x[i] y[i] over the i < n this block visits (grid-stride, four
 * independent loads in flight per thread). First pass of dotInto; blockDim.x == CORTADO_REDUCE_THREADS.
 */
extern "C" __global__ void dot_partial_f32(int n, const float* x, const float* y, float* partial) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  const int stride = (int)(blockDim.x * gridDim.x);
  int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  // The backend keeps n at most 2^31 - 2^26 and the grid at most 1024 blocks (stride at most 2^18),
  // so i + 4 stride fits an int.
  for (; i + 3 * stride < n; i += 4 * stride) {
    s0 += x[i] * y[i];
    s1 += x[i + stride] * y[i + stride];
    s2 += x[i + 2 * stride] * y[i + 2 * stride];
    s3 += x[i + 3 * stride] * y[i + 3 * stride];
  }
  for (; i < n; i += stride) s0 += x[i] * y[i];
  float sum = cortadoBlockSum((s0 + s1) + (s2 + s3), buf);
  if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}

/**
 * out[0] = alpha sum(partial[0, parts)) + beta out[0]; beta = 0 does not read out[0], so a NaN
 * there is overwritten. parts = 0 (n = 0) writes alpha 0 + beta out[0]. Second pass of dotInto; one
 * block.
 */
extern "C" __global__ void dot_finish_f32(int parts, const float* partial, float alpha, float beta, float* out) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float sum = 0.0f;
  for (int k = threadIdx.x; k < parts; k += blockDim.x) sum += partial[k];
  sum = cortadoBlockSum(sum, buf);
  if (threadIdx.x == 0) {
    if (beta == 0.0f) {
      out[0] = alpha * sum;
    } else {
      out[0] = alpha * sum + beta * out[0];
    }
  }
}

/** The class index a label holds (truncated), or -1 when it is not one in [0, classes) (NaN included). */
__device__ __forceinline__ int hingeClass(float v, int classes) {
  return v > -1.0f && v < (float)classes ? (int)v : -1;
}

/**
 * delta of score k (item k / classes), or NaN for an item whose index label is not a class. A NaN
 * sign label gives a NaN delta too, and so a NaN margin, as a NaN score does.
 */
__device__ __forceinline__ float hingeDelta(int classes, const float* label, int sign, int k) {
  if (sign) return -label[k];
  int o = k / classes;
  int l = hingeClass(label[o], classes);
  if (l < 0) return nanf("");
  return k - o * classes == l ? -1.0f : 1.0f;
}

/** The margin m = max(0, 1 + delta x), NaN kept (not fmaxf, which would drop it). */
__device__ __forceinline__ float hingeMargin(float delta, float x) {
  float m = 1.0f + delta * x;
  return m < 0.0f ? 0.0f : m;
}

/** loss[0] = sum m (l2 0) or sum m^2 (l2 1), divided by max(1, outer). One block. */
extern "C" __global__ void hinge_loss_fwd_f32(int outer, int classes, const float* x, const float* label, int sign, int l2,
                                              float* loss, float* flag) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float sum = 0.0f;
  for (int k = threadIdx.x; k < outer * classes; k += blockDim.x) {
    float delta = hingeDelta(classes, label, sign, k);
    if (!sign && isnan(delta)) cortadoFail(flag, kHingeForwardLabel, k / classes);  // only a bad index label gives a NaN delta
    float m = hingeMargin(delta, x[k]);
    sum += l2 ? m * m : m;
  }
  sum = cortadoBlockSum(sum, buf);
  if (threadIdx.x == 0) loss[0] = sum / (float)cortadoMax(1, outer);
}

/** dx = lossWeight delta [m > 0] / outer (l2 0) or 2 lossWeight delta m / outer (l2 1). dx may alias x. */
extern "C" __global__ void hinge_loss_bwd_f32(int outer, int classes, const float* x, const float* label, int sign, int l2,
                                              float lossWeight, float* dx, float* flag) {
  float scale = lossWeight / (float)cortadoMax(1, outer);
  CORTADO_LOOP(k, outer * classes) {
    float delta = hingeDelta(classes, label, sign, k);
    float m = hingeMargin(delta, x[k]);
    if (!sign && isnan(delta)) {
      dx[k] = delta;  // a bad index label
      cortadoFail(flag, kHingeBackwardLabel, k / classes);
    } else {
      dx[k] = m > 0.0f ? scale * delta * (l2 ? 2.0f * m : 1.0f) : 0.0f;
    }
  }
}

/** out[0] = fraction of k < n with (pred[k] > threshold) == (label[k] > threshold); 0 when n is 0. One block. */
extern "C" __global__ void binary_accuracy_f32(int n, const float* pred, const float* label, float threshold, float* out) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float right = 0.0f;
  for (int k = threadIdx.x; k < n; k += blockDim.x) right += (pred[k] > threshold) == (label[k] > threshold) ? 1.0f : 0.0f;
  right = cortadoBlockSum(right, buf);
  if (threadIdx.x == 0) out[0] = n > 0 ? right / (float)n : 0.0f;
}
