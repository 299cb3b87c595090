// Softmax and log-softmax over the class axis of x seen as [outer, classes, inner], the softmax loss (also the
// multinomial logistic loss on probabilities) and accuracy. Labels are [outer, inner] class indices
// stored as floats; the losses take optional class weights w (hasWeights 0: every w is 1, and the
// weights pointer is not read). The loss and accuracy kernels reduce in one block of
// CORTADO_REDUCE_THREADS threads and write one number to device memory, so that reading them back
// is the caller's choice. A label outside [0, classes) makes the loss NaN and the gradient of its
// position NaN (accuracy counts it as wrong), and leaves the kernel's code in the error flag.
#include "common.cuh"

/** What a loss sum is divided by: 0 valid count, 1 outer (batch), 2 outer * inner, 3 none; at least 1. */
__device__ __forceinline__ float lossNormalizer(int norm, float valid, int outer, int inner) {
  float d = norm == kValid ? valid : (norm == kBatch ? (float)outer : (norm == kFull ? (float)outer * (float)inner : 1.0f));
  return fmaxf(d, 1.0f);
}

/** y = exp(x - max) / sum exp(x - max), one thread per (outer, inner) position. */
extern "C" __global__ void softmax_fwd_f32(int outer, int classes, int inner, const float* x, float* y) {
  CORTADO_LOOP(pos, outer * inner) {
    int o = pos / inner, i = pos - o * inner;
    const float* xp = x + o * classes * inner + i;
    float* yp = y + o * classes * inner + i;
    float m = -CORTADO_FLT_MAX;
    for (int c = 0; c < classes; c++) m = fmaxf(m, xp[c * inner]);
    float s = 0.0f;
    for (int c = 0; c < classes; c++) {
      float e = expf(xp[c * inner] - m);
      yp[c * inner] = e;
      s += e;
    }
    float inv = 1.0f / s;
    for (int c = 0; c < classes; c++) yp[c * inner] *= inv;
  }
}

/** dx = y * (dy - sum_c(dy * y)); dx may alias dy. */
extern "C" __global__ void softmax_bwd_f32(int outer, int classes, int inner, const float* y, const float* dy, float* dx) {
  CORTADO_LOOP(pos, outer * inner) {
    int o = pos / inner, i = pos - o * inner;
    int base = o * classes * inner + i;
    float dot = 0.0f;
    for (int c = 0; c < classes; c++) dot += dy[base + c * inner] * y[base + c * inner];
    for (int c = 0; c < classes; c++) dx[base + c * inner] = y[base + c * inner] * (dy[base + c * inner] - dot);
  }
}

/** The largest of v over the block (as cortadoBlockSum: every thread gets it); NaNs ignored, as by fmaxf. */
__device__ __forceinline__ float blockMax(float v, float* buf) {
  __syncthreads();  // an earlier call may still be reading buf[0]
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int s = CORTADO_REDUCE_THREADS / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] = fmaxf(buf[threadIdx.x], buf[threadIdx.x + s]);
    __syncthreads();
  }
  return buf[0];
}

/**
 * softmax_fwd_f32 where inner is 1 (a classifier's scores, [rows, classes]): a block of
 * CORTADO_REDUCE_THREADS threads per row, across its classes, with the max and the sum reduced in
 * the block. One thread per row, as there, read each row alone and in turn (1000 classes three
 * times over for ImageNet's nets, with a batch's rows as the only parallelism, one thread at batch
 * 1); here the reads of a row are coalesced and every row gets a block. The same values but the
 * sum, whose order is a fixed tree (deterministic, within rounding of the sequential one).
 */
extern "C" __global__ void softmax_rows_fwd_f32(int rows, int classes, const float* x, float* y) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + (size_t)r * classes;
    float* yr = y + (size_t)r * classes;
    float m = -CORTADO_FLT_MAX;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = blockMax(m, buf);
    float s = 0.0f;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) {
      float e = expf(xr[c] - m);
      yr[c] = e;
      s += e;
    }
    s = cortadoBlockSum(s, buf);
    float inv = 1.0f / s;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) yr[c] *= inv;
  }
}

/** softmax_bwd_f32 where inner is 1, a block per row as softmax_rows_fwd_f32; dx may alias dy. */
extern "C" __global__ void softmax_rows_bwd_f32(int rows, int classes, const float* y, const float* dy, float* dx) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const size_t base = (size_t)r * classes;
    float dot = 0.0f;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) dot += dy[base + c] * y[base + c];
    dot = cortadoBlockSum(dot, buf);
    for (int c = threadIdx.x; c < classes; c += blockDim.x) dx[base + c] = y[base + c] * (dy[base + c] - dot);
  }
}

/** y = x - max - log sum exp(x - max), one thread per (outer, inner) position. */
extern "C" __global__ void log_softmax_fwd_f32(int outer, int classes, int inner, const float* x, float* y) {
  CORTADO_LOOP(pos, outer * inner) {
    int o = pos / inner, i = pos - o * inner;
    const float* xp = x + o * classes * inner + i;
    float* yp = y + o * classes * inner + i;
    float m = -CORTADO_FLT_MAX;
    for (int c = 0; c < classes; c++) m = fmaxf(m, xp[c * inner]);
    float s = 0.0f;
    for (int c = 0; c < classes; c++) s += expf(xp[c * inner] - m);
    float shift = m + logf(s);
    for (int c = 0; c < classes; c++) yp[c * inner] = xp[c * inner] - shift;
  }
}

/** dx = dy - exp(y) sum_c dy, y being log_softmax_fwd_f32's output; dx may alias dy. */
extern "C" __global__ void log_softmax_bwd_f32(int outer, int classes, int inner, const float* y, const float* dy, float* dx) {
  CORTADO_LOOP(pos, outer * inner) {
    int o = pos / inner, i = pos - o * inner;
    int base = o * classes * inner + i;
    float sum = 0.0f;
    for (int c = 0; c < classes; c++) sum += dy[base + c * inner];
    for (int c = 0; c < classes; c++) dx[base + c * inner] = dy[base + c * inner] - expf(y[base + c * inner]) * sum;
  }
}

/** log_softmax_fwd_f32 where inner is 1, a block per row as softmax_rows_fwd_f32. */
extern "C" __global__ void log_softmax_rows_fwd_f32(int rows, int classes, const float* x, float* y) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + (size_t)r * classes;
    float* yr = y + (size_t)r * classes;
    float m = -CORTADO_FLT_MAX;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = blockMax(m, buf);
    float s = 0.0f;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) s += expf(xr[c] - m);
    float shift = m + logf(cortadoBlockSum(s, buf));
    for (int c = threadIdx.x; c < classes; c += blockDim.x) yr[c] = xr[c] - shift;
  }
}

/** log_softmax_bwd_f32 where inner is 1, a block per row; dx may alias dy. */
extern "C" __global__ void log_softmax_rows_bwd_f32(int rows, int classes, const float* y, const float* dy, float* dx) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const size_t base = (size_t)r * classes;
    float sum = 0.0f;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) sum += dy[base + c];
    sum = cortadoBlockSum(sum, buf);
    for (int c = threadIdx.x; c < classes; c += blockDim.x) dx[base + c] = dy[base + c] - expf(y[base + c]) * sum;
  }
}

/** Probability floored at FLT_MIN; not fmaxf, which would turn a NaN probability into FLT_MIN and hide it. */
__device__ __forceinline__ float flooredProb(float p) { return p < CORTADO_FLT_MIN ? CORTADO_FLT_MIN : p; }

/** The weight of class l, a valid class index. */
__device__ __forceinline__ float classWeight(int hasWeights, const float* weights, int l) {
  return hasWeights ? weights[l] : 1.0f;
}

/**
 * loss[0] = sum over labelled positions of -w[label] log(max(prob[label], FLT_MIN)) / normalizer
 * (the normalizer counts positions, not weights). One block.
 */
extern "C" __global__ void softmax_loss_fwd_f32(int outer, int classes, int inner, const float* prob, const float* label,
                                                int hasIgnore, int ignoreLabel, int norm, int hasWeights,
                                                const float* weights, float* loss, float* flag) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float sum = 0.0f, count = 0.0f;
  for (int pos = threadIdx.x; pos < outer * inner; pos += blockDim.x) {
    int l = (int)label[pos];
    if (hasIgnore && l == ignoreLabel) continue;
    count += 1.0f;
    if (l < 0 || l >= classes) {
      sum = nanf("");
      cortadoFail(flag, kSoftmaxLossForwardLabel, pos);
      continue;
    }
    int o = pos / inner, i = pos - o * inner;
    sum -= classWeight(hasWeights, weights, l) * logf(flooredProb(prob[(o * classes + l) * inner + i]));
  }
  sum = cortadoBlockSum(sum, buf);
  count = cortadoBlockSum(count, buf);
  if (threadIdx.x == 0) loss[0] = sum / lossNormalizer(norm, count, outer, inner);
}

/** count[0] = number of positions whose label is not ignored. One block. */
extern "C" __global__ void label_count_f32(int n, const float* label, int hasIgnore, int ignoreLabel, float* count) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float c = 0.0f;
  for (int pos = threadIdx.x; pos < n; pos += blockDim.x) {
    if (!(hasIgnore && (int)label[pos] == ignoreLabel)) c += 1.0f;
  }
  c = cortadoBlockSum(c, buf);
  if (threadIdx.x == 0) count[0] = c;
}

/**
 * The gradients of softmax_loss_fwd_f32's loss, zero at ignored positions and NaN at a label that
 * is not a class:
 *   onProbs 0: with respect to the scores (SoftmaxLoss),
 *              dx = lossWeight * w[label] * (prob - onehot(label)) / normalizer;
 *   onProbs 1: with respect to the probabilities (MultinomialLogisticLoss),
 *              dx = -lossWeight * w[label] / (max(prob[label], FLT_MIN) * normalizer) at the label, 0 elsewhere.
 * `count` holds the valid count (read only when norm is kValid). dx may alias prob.
 */
extern "C" __global__ void class_loss_bwd_f32(int outer, int classes, int inner, const float* prob, const float* label,
                                              int hasIgnore, int ignoreLabel, int norm, const float* count,
                                              int hasWeights, const float* weights, float lossWeight, int onProbs, float* dx,
                                              float* flag) {
  float scale = lossWeight / lossNormalizer(norm, norm == kValid ? count[0] : 0.0f, outer, inner);
  CORTADO_LOOP(idx, outer * classes * inner) {
    int o = idx / (classes * inner);
    int rem = idx - o * classes * inner;
    int c = rem / inner, i = rem - c * inner;
    int l = (int)label[o * inner + i];
    if (hasIgnore && l == ignoreLabel) {
      dx[idx] = 0.0f;
    } else if (l < 0 || l >= classes) {
      dx[idx] = nanf("");
      cortadoFail(flag, onProbs ? kNllBackwardLabel : kSoftmaxLossBackwardLabel, o * inner + i);
    } else if (onProbs) {
      dx[idx] = c == l ? -classWeight(hasWeights, weights, l) / flooredProb(prob[idx]) * scale : 0.0f;
    } else {
      float w = classWeight(hasWeights, weights, l);
      dx[idx] = scale * (w * prob[idx] - (c == l ? w : 0.0f));
    }
  }
}

/**
 * out[0] = fraction of labelled positions where fewer than topK other classes score at least as
 * high as the label (ties and NaN scores count against the label); 0 when no position is labelled.
 * One block.
 */
extern "C" __global__ void accuracy_f32(int outer, int classes, int inner, const float* x, const float* label, int topK,
                                        int hasIgnore, int ignoreLabel, float* out, float* flag) {
  __shared__ float buf[CORTADO_REDUCE_THREADS];
  float correct = 0.0f, count = 0.0f;
  for (int pos = threadIdx.x; pos < outer * inner; pos += blockDim.x) {
    int l = (int)label[pos];
    if (hasIgnore && l == ignoreLabel) continue;
    count += 1.0f;
    if (l < 0 || l >= classes) {
      cortadoFail(flag, kAccuracyLabel, pos);
      continue;
    }
    int o = pos / inner, i = pos - o * inner;
    const float* xp = x + o * classes * inner + i;
    float s = xp[l * inner];
    int better = 0;
    for (int c = 0; c < classes; c++) better += (c != l && !(xp[c * inner] < s)) ? 1 : 0;  // NaN counts against the label
    if (better < topK) correct += 1.0f;
  }
  correct = cortadoBlockSum(correct, buf);
  count = cortadoBlockSum(count, buf);
  if (threadIdx.x == 0) out[0] = count > 0.0f ? correct / count : 0.0f;
}
