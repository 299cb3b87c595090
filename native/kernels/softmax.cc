// Softmax and log-softmax over the class axis of [outer, classes, inner] and the multinomial
// logistic loss on softmax's output (backend.ts softmaxForward ... softmaxLossBackward).
//   y_c = exp(x_c - max x) / sum_c' exp(x_c' - max x)
//   dx_c = y_c (dy_c - sum_c' dy_c' y_c')
//   log:  y_c = x_c - max x - log sum_c' exp(x_c' - max x);  dx_c = dy_c - exp(y_c) sum_c' dy_c'
//   loss = -sum log(max(prob[label], FLT_MIN)) / normalizer;  dx = w (prob - onehot(label)) / normalizer
#include <float.h>

#include "kernels.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

// The largest of a contiguous row of C. It excludes padding lanes (a 0 there could make every
// exponential of the row underflow).
float row_max(int64_t C, const float* x) {
  V m = set1(-INFINITY);
  int64_t c = 0;
  for (; c + W <= C; c += W) m = max(m, load(x + c));
  float mx = hmax(m);
  for (; c < C; ++c) mx = x[c] > mx ? x[c] : mx;
  return mx;
}

// Softmax of one contiguous row (inner = 1).
void softmax_row(int64_t C, const float* x, float* y) {
  const float mx = row_max(C, x);
  V vm = set1(mx), s = zero();
  int64_t c = 0;
  for (; c + W <= C; c += W) {
    V e = exp(sub(load(x + c), vm));
    s = add(s, e);
    store(y + c, e);
  }
  float tail = 0;
  if (c < C) {
    storep(y + c, exp(sub(loadp(x + c, C - c), vm)), C - c);
    for (int64_t k = c; k < C; ++k) tail += y[k];
  }
  V inv = set1(1.0f / (hsum(s) + tail));
  for (c = 0; c + W <= C; c += W) store(y + c, mul(load(y + c), inv));
  if (c < C) storep(y + c, mul(loadp(y + c, C - c), inv), C - c);
}

// dx = y (dy - y.dy) for one contiguous row (inner = 1).
void softmax_backward_row(int64_t C, const float* y, const float* dy, float* dx) {
  V s = zero();
  int64_t c = 0;
  for (; c + W <= C; c += W) s = fma(load(dy + c), load(y + c), s);
  if (c < C) s = fma(loadp(dy + c, C - c), loadp(y + c, C - c), s);
  V d = set1(hsum(s));
  for (c = 0; c + W <= C; c += W) store(dx + c, mul(load(y + c), sub(load(dy + c), d)));
  if (c < C) storep(dx + c, mul(loadp(y + c, C - c), sub(loadp(dy + c, C - c), d)), C - c);
}

// Softmax of W positions at once (inner > 1): lane i is position p + i, classes are inner apart.
void softmax_lanes(int64_t C, int64_t inner, int64_t r, const float* x, float* y) {
  V m = set1(-INFINITY);
  for (int64_t c = 0; c < C; ++c) m = max(m, loadp(x + c * inner, r));
  V s = zero();
  for (int64_t c = 0; c < C; ++c) {
    V e = exp(sub(loadp(x + c * inner, r), m));
    s = add(s, e);
    storep(y + c * inner, e, r);
  }
  V inv = div(set1(1.0f), s);
  for (int64_t c = 0; c < C; ++c) storep(y + c * inner, mul(loadp(y + c * inner, r), inv), r);
}

// Log-softmax of one contiguous row (inner = 1): y = x - (max + log sum exp(x - max)), finite
// wherever x is, however far a score lies below the row's largest.
void log_softmax_row(int64_t C, const float* x, float* y) {
  const float mx = row_max(C, x);
  V vm = set1(mx), s = zero();
  int64_t c = 0;
  for (; c + W <= C; c += W) s = add(s, exp(sub(load(x + c), vm)));
  float tail = 0;
  for (; c < C; ++c) tail += expf(x[c] - mx);
  V shift = set1(mx + logf(hsum(s) + tail));
  for (c = 0; c + W <= C; c += W) store(y + c, sub(load(x + c), shift));
  if (c < C) storep(y + c, sub(loadp(x + c, C - c), shift), C - c);
}

// dx = dy - exp(y) sum(dy) for one contiguous row (inner = 1); dx may be dy.
void log_softmax_backward_row(int64_t C, const float* y, const float* dy, float* dx) {
  V s = zero();
  int64_t c = 0;
  for (; c + W <= C; c += W) s = add(s, load(dy + c));
  if (c < C) s = add(s, loadp(dy + c, C - c));
  V d = set1(hsum(s));
  for (c = 0; c + W <= C; c += W) store(dx + c, sub(load(dy + c), mul(exp(load(y + c)), d)));
  if (c < C) storep(dx + c, sub(loadp(dy + c, C - c), mul(exp(loadp(y + c, C - c)), d)), C - c);
}

// Log-softmax of W positions at once (inner > 1), as softmax_lanes.
void log_softmax_lanes(int64_t C, int64_t inner, int64_t r, const float* x, float* y) {
  V m = set1(-INFINITY);
  for (int64_t c = 0; c < C; ++c) m = max(m, loadp(x + c * inner, r));
  V s = zero();
  for (int64_t c = 0; c < C; ++c) s = add(s, exp(sub(loadp(x + c * inner, r), m)));
  float sums[W];  // no vector log: the W sums' logs one by one
  store(sums, s);
  for (int64_t k = 0; k < W; ++k) sums[k] = logf(sums[k]);
  V shift = add(m, load(sums));
  for (int64_t c = 0; c < C; ++c) storep(y + c * inner, sub(loadp(x + c * inner, r), shift), r);
}

// softmax_backward_row for W positions at once (inner > 1), as softmax_lanes.
void softmax_backward_lanes(int64_t C, int64_t inner, int64_t r, const float* y, const float* dy, float* dx) {
  V s = zero();
  for (int64_t c = 0; c < C; ++c) s = fma(loadp(dy + c * inner, r), loadp(y + c * inner, r), s);
  for (int64_t c = 0; c < C; ++c) storep(dx + c * inner, mul(loadp(y + c * inner, r), sub(loadp(dy + c * inner, r), s)), r);
}

// log_softmax_backward_row for W positions at once (inner > 1).
void log_softmax_backward_lanes(int64_t C, int64_t inner, int64_t r, const float* y, const float* dy, float* dx) {
  V s = zero();
  for (int64_t c = 0; c < C; ++c) s = add(s, loadp(dy + c * inner, r));
  for (int64_t c = 0; c < C; ++c) storep(dx + c * inner, sub(loadp(dy + c * inner, r), mul(exp(loadp(y + c * inner, r)), s)), r);
}

// Runs a forward over every item, in parallel: row(C, x, y) on its contiguous row where inner is
// 1, else lanes(C, inner, r, x, y) on each W positions (r of them in the last group).
template <typename Row, typename Lanes>
void each_forward(const ClassGeom& g, const float* x, float* y, Row row, Lanes lanes) {
  const int64_t C = g.classes, inner = g.inner, plane = C * inner;
  parallel_rows(g.outer, g.outer * plane, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      if (inner == 1) {
        row(C, x + o * plane, y + o * plane);
        continue;
      }
      for (int64_t p = 0; p < inner; p += W) lanes(C, inner, imin(W, inner - p), x + o * plane + p, y + o * plane + p);
    }
  });
}

// each_forward for a backward of (y, dy) to dx.
template <typename Row, typename Lanes>
void each_backward(const ClassGeom& g, const float* y, const float* dy, float* dx, Row row, Lanes lanes) {
  const int64_t C = g.classes, inner = g.inner, plane = C * inner;
  parallel_rows(g.outer, g.outer * plane, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      const int64_t at = o * plane;
      if (inner == 1) {
        row(C, y + at, dy + at, dx + at);
        continue;
      }
      for (int64_t p = 0; p < inner; p += W) lanes(C, inner, imin(W, inner - p), y + at + p, dy + at + p, dx + at + p);
    }
  });
}

// A label as a class index (truncated, as Caffe casts it), -1 when it is the ignore label, -2
// when it is no class.
inline int64_t class_of(float label, int64_t C, bool hasIgnore, int32_t ignore) {
  double l = trunc(double(label));
  if (hasIgnore && l == double(ignore)) return -1;
  if (!(l >= 0 && l < double(C))) return -2;
  return int64_t(l);
}

double normalizer(const ClassGeom& g, Normalization norm, int64_t valid) {
  double n = 1;
  switch (norm) {
    case kValid: n = double(valid); break;
    case kBatch: n = double(g.outer); break;
    case kFull: n = double(g.outer) * double(g.inner); break;
    case kNoNorm: n = 1; break;
  }
  return n < 1 ? 1 : n;
}

// Checks every label; returns the number of labelled positions, or -(position + 1) of a bad one.
int64_t count_valid(const ClassGeom& g, const float* label, bool hasIgnore, int32_t ignore) {
  int64_t n = int64_t(g.outer) * g.inner, valid = 0;
  for (int64_t p = 0; p < n; ++p) {
    int64_t l = class_of(label[p], g.classes, hasIgnore, ignore);
    if (l == -2) return -(p + 1);
    valid += l >= 0;
  }
  return valid;
}

}  // namespace

void softmax_forward(const ClassGeom& g, const float* x, float* y) {
  each_forward(g, x, y, softmax_row, softmax_lanes);
}

void softmax_backward(const ClassGeom& g, const float* y, const float* dy, float* dx) {
  each_backward(g, y, dy, dx, softmax_backward_row, softmax_backward_lanes);
}

void log_softmax_forward(const ClassGeom& g, const float* x, float* y) {
  each_forward(g, x, y, log_softmax_row, log_softmax_lanes);
}

void log_softmax_backward(const ClassGeom& g, const float* y, const float* dy, float* dx) {
  each_backward(g, y, dy, dx, log_softmax_backward_row, log_softmax_backward_lanes);
}

int64_t softmax_loss_forward(const ClassGeom& g, const float* prob, const float* label, bool hasIgnore,
                             int32_t ignore, Normalization norm, float* loss) {
  int64_t valid = count_valid(g, label, hasIgnore, ignore);
  if (valid < 0) return -valid - 1;
  const int64_t C = g.classes, inner = g.inner;
  double sum = 0;
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t l = class_of(label[o * inner + i], C, hasIgnore, ignore);
      if (l < 0) continue;
      float p = prob[(o * C + l) * inner + i];
      sum -= log(double(p < FLT_MIN ? FLT_MIN : p));  // a NaN probability stays NaN
    }
  loss[0] = float(sum / normalizer(g, norm, valid));
  return -1;
}

int64_t softmax_loss_backward(const ClassGeom& g, const float* prob, const float* label, bool hasIgnore,
                              int32_t ignore, Normalization norm, float lossWeight, float* dx) {
  int64_t valid = count_valid(g, label, hasIgnore, ignore);
  if (valid < 0) return -valid - 1;
  const int64_t C = g.classes, inner = g.inner;
  const float scale = float(lossWeight / normalizer(g, norm, valid));
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t l = class_of(label[o * inner + i], C, hasIgnore, ignore);
      const float* p = prob + o * C * inner + i;
      float* d = dx + o * C * inner + i;
      if (l < 0) {
        for (int64_t c = 0; c < C; ++c) d[c * inner] = 0.0f;
      } else {
        for (int64_t c = 0; c < C; ++c) d[c * inner] = scale * (p[c * inner] - (c == l ? 1.0f : 0.0f));
      }
    }
  return -1;
}

}  // namespace CORTADO_ISA
}  // namespace cortado
