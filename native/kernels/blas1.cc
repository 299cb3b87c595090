// BLAS level 1 and the elementwise ops: one functor struct per op, one loop template per arity.
#include "kernels.h"
#include "loops.h"
#include "powx.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

struct Add { V operator()(V a, V b) const { return add(a, b); } };
struct Sub { V operator()(V a, V b) const { return sub(a, b); } };
struct Mul { V operator()(V a, V b) const { return mul(a, b); } };
struct Div { V operator()(V a, V b) const { return div(a, b); } };
struct Exp { V operator()(V a) const { return exp(a); } };
struct Abs { V operator()(V a) const { return abs(a); } };
struct Sign {
  V operator()(V a) const { return select_gt(a, zero(), set1(1.0f), select_lt(a, zero(), set1(-1.0f), zero())); }
};
struct AddScalar {
  V s;
  V operator()(V a) const { return add(a, s); }
};
struct Scale {
  V s;
  V operator()(V a) const { return mul(a, s); }
};
// Ops without a vector formula run lane by lane through libm.
struct Log {
  V operator()(V a) const { return lanewise(a, [](float v) { return logf(v); }); }
};
}  // namespace

void set(int64_t n, float alpha, float* y) {
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) {
    if (alpha == 0.0f) {
      memset(y + lo, 0, size_t(hi - lo) * sizeof(float));
      return;
    }
    V a = set1(alpha);
    int64_t i = lo;
    for (; i + W <= hi; i += W) store(y + i, a);
    if (i < hi) storep(y + i, a, hi - i);
  });
}

void copy(int64_t n, const float* x, float* y) {
  if (x == y) return;
  // Overlapping views must be moved as one piece, in the right direction.
  if ((x < y ? y - x : x - y) < n) return (void)memmove(y, x, size_t(n) * sizeof(float));
  parallel_range(n, kGrain, [&](int64_t lo, int64_t hi) { memmove(y + lo, x + lo, size_t(hi - lo) * sizeof(float)); });
}

void scal(int64_t n, float alpha, float* x) { map1(n, x, x, Scale{set1(alpha)}); }

void axpy(int64_t n, float alpha, const float* x, float* y) {
  V a = set1(alpha);
  map2(n, x, y, y, [a](V xv, V yv) { return fma(a, xv, yv); });
}

// beta = 0 overwrites y without reading it.
void axpby(int64_t n, float alpha, const float* x, float beta, float* y) {
  V a = set1(alpha), b = set1(beta);
  if (beta == 0.0f) return map1(n, x, y, Scale{a});
  map2(n, x, y, y, [a, b](V xv, V yv) { return fma(a, xv, mul(b, yv)); });
}

double dot(int64_t n, const float* x, const float* y) {
  return reduce(n, [&](int64_t lo, int64_t hi) {
    V s0 = zero(), s1 = zero();
    int64_t i = lo;
    for (; i + 2 * W <= hi; i += 2 * W) {
      s0 = fma(load(x + i), load(y + i), s0);
      s1 = fma(load(x + i + W), load(y + i + W), s1);
    }
    for (; i + W <= hi; i += W) s0 = fma(load(x + i), load(y + i), s0);
    if (i < hi) s1 = fma(loadp(x + i, hi - i), loadp(y + i, hi - i), s1);
    return double(hsum(add(s0, s1)));
  });
}

double asum(int64_t n, const float* x) {
  return reduce(n, [&](int64_t lo, int64_t hi) {
    V s0 = zero(), s1 = zero();
    int64_t i = lo;
    for (; i + 2 * W <= hi; i += 2 * W) {
      s0 = add(s0, abs(load(x + i)));
      s1 = add(s1, abs(load(x + i + W)));
    }
    for (; i + W <= hi; i += W) s0 = add(s0, abs(load(x + i)));
    if (i < hi) s1 = add(s1, abs(loadp(x + i, hi - i)));
    return double(hsum(add(s0, s1)));
  });
}

void binary(BinaryOp op, int64_t n, const float* a, const float* b, float* y) {
  switch (op) {
    case kAdd: return map2(n, a, b, y, Add{});
    case kSub: return map2(n, a, b, y, Sub{});
    case kMul: return map2(n, a, b, y, Mul{});
    case kDiv: return map2(n, a, b, y, Div{});
  }
}

void unary(UnaryOp op, int64_t n, const float* a, float p, float* y) {
  switch (op) {
    case kExp: return map1(n, a, y, Exp{});
    case kLog: return map1(n, a, y, Log{});
    case kAbs: return map1(n, a, y, Abs{});
    case kSign: return map1(n, a, y, Sign{});
    case kPowx: return map1(n, a, y, Powx{p});
    case kAddScalar: return map1(n, a, y, AddScalar{set1(p)});
  }
}

}  // namespace CORTADO_ISA
}  // namespace cortado
