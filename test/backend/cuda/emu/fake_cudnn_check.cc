// A standalone check of the fake cuDNN (fake_cudnn.cc), run by emulated-cudnn.test.ts as
// `fake_cudnn_check <folder of the emulated libraries>`: it opens libcuda.so.1 (for graph capture)
// and libcudnn.so.9 from there and checks what the addon does not reach yet. Rounding to binary16
// and bfloat16 (to nearest even, overflow, subnormals, NaN) against a reference that searches the
// ordered bit patterns; every algorithm of every direction on float32, binary16 and bfloat16 against
// sums in double (the 16-bit ones exact where the algorithm sums in double); blending with alpha
// and beta; the Find results; TF32 and block order; a captured call running at graph launch; and
// the statuses of bad arguments. Prints each failure; exits 1 if any.
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
int failures = 0;
void check(bool ok, const std::string& what) {
  if (ok) return;
  failures++;
  std::printf("FAIL %s\n", what.c_str());
}

const int kFloat = 0, kHalf = 2, kBfloat16 = 9, kNCHW = 0, kNHWC = 1, kConvolution = 0, kCrossCorrelation = 1;
const int kDefaultMath = 0, kTensorOpMath = 1, kFmaMath = 3, kBadParam = 2000, kNotSupported = 3000;

struct Perf {
  int algo;
  int status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};

typedef void* H;
struct Api {
  size_t (*version)();
  const char* (*errorString)(int);
  int (*create)(H*);
  int (*destroy)(H);
  int (*setStream)(H, void*);
  int (*createTensor)(H*);
  int (*setTensor)(H, int, int, int, int, int, int);
  int (*destroyTensor)(H);
  int (*createFilter)(H*);
  int (*setFilter)(H, int, int, int, int, int, int);
  int (*destroyFilter)(H);
  int (*createConv)(H*);
  int (*setConv)(H, int, int, int, int, int, int, int, int);
  int (*setGroups)(H, int);
  int (*setMath)(H, int);
  int (*destroyConv)(H);
  int (*find[3])(H, H, H, H, H, int, int*, Perf*);
  int (*run[3])(H, const void*, H, const void*, H, const void*, H, int, void*, size_t, const void*, H, void*);
} api;

template <class F>
bool bind(void* lib, F& f, const char* name) {
  f = reinterpret_cast<F>(dlsym(lib, name));
  if (!f) std::printf("FAIL libcudnn.so.9 lacks %s\n", name);
  return f != nullptr;
}

// ---- a reference for the 16-bit formats: positive finite bit patterns are ordered as their values

struct Format {
  int type, mant, emax;
  uint16_t maxFinite, inf, quietNaN;
  const char* name;
};
const Format kHalfF{kHalf, 10, 15, 0x7bff, 0x7c00, 0x7e00, "binary16"};
const Format kBf16F{kBfloat16, 7, 127, 0x7f7f, 0x7f80, 0x7fc0, "bfloat16"};

double decode(const Format& f, uint16_t b) {
  const int e = (b >> f.mant) & ((1 << (15 - f.mant)) - 1), m = b & ((1 << f.mant) - 1);
  const double s = (b & 0x8000) ? -1 : 1;
  if (e == (1 << (15 - f.mant)) - 1) return m ? NAN : s * INFINITY;
  return e == 0 ? s * std::ldexp(m, 1 - f.emax - f.mant) : s * std::ldexp(m + (1 << f.mant), e - f.emax - f.mant);
}

/** The nearest value of the format, ties to the even pattern, beyond the largest by half its spacing to infinity. */
uint16_t nearest(const Format& f, double v) {
  if (std::isnan(v)) return f.quietNaN;
  const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const double a = std::fabs(v);
  unsigned lo = 0, hi = f.maxFinite;  // the largest pattern whose value is <= a
  if (a >= decode(f, f.maxFinite)) {
    const double top = decode(f, f.maxFinite), spacing = top - decode(f, f.maxFinite - 1);
    return sign | (a >= top + spacing / 2 ? f.inf : f.maxFinite);
  }
  while (lo < hi) {
    unsigned mid = (lo + hi + 1) / 2;
    if (decode(f, static_cast<uint16_t>(mid)) <= a) lo = mid;
    else hi = mid - 1;
  }
  const double below = decode(f, static_cast<uint16_t>(lo)), above = decode(f, static_cast<uint16_t>(lo + 1));
  unsigned pick = a - below < above - a ? lo : a - below > above - a ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
  return sign | static_cast<uint16_t>(pick);
}

uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// ---- convolutions

struct Geom {
  int N, C, H, W, K, R, S, pad, stride, dil, G, mode;
  int P() const { return (H + 2 * pad - ((R - 1) * dil + 1)) / stride + 1; }
  int Q() const { return (W + 2 * pad - ((S - 1) * dil + 1)) / stride + 1; }
  size_t xCount() const { return size_t(N) * C * H * W; }
  size_t wCount() const { return size_t(K) * (C / G) * R * S; }
  size_t yCount() const { return size_t(N) * K * P() * Q(); }
};

/** Descriptors for one geometry and data type, made and set through the API. */
struct Descs {
  H x = nullptr, w = nullptr, y = nullptr, conv = nullptr;
  Descs(const Geom& g, int type, int math = kFmaMath, int compute = kFloat) {
    api.createTensor(&x);
    api.createTensor(&y);
    api.createFilter(&w);
    api.createConv(&conv);
    api.setTensor(x, kNCHW, type, g.N, g.C, g.H, g.W);
    api.setTensor(y, kNCHW, type, g.N, g.K, g.P(), g.Q());
    api.setFilter(w, type, kNCHW, g.K, g.C / g.G, g.R, g.S);
    api.setConv(conv, g.pad, g.pad, g.stride, g.stride, g.dil, g.dil, g.mode, compute);
    api.setGroups(conv, g.G);
    api.setMath(conv, math);
  }
  ~Descs() {
    api.destroyTensor(x);
    api.destroyTensor(y);
    api.destroyFilter(w);
    api.destroyConv(conv);
  }
};

/** The three directions in double from the same operands: y, dx (from dy) and dw. */
void reference(const Geom& g, const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& dy,
               std::vector<double>& y, std::vector<double>& dx, std::vector<double>& dw) {
  const int P = g.P(), Q = g.Q(), Cg = g.C / g.G, Kg = g.K / g.G;
  y.assign(g.yCount(), 0);
  dx.assign(g.xCount(), 0);
  dw.assign(g.wCount(), 0);
  for (int n = 0; n < g.N; n++)
    for (int k = 0; k < g.K; k++)
      for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++)
          for (int c = 0; c < Cg; c++)
            for (int r = 0; r < g.R; r++)
              for (int s = 0; s < g.S; s++) {
                const int h = p * g.stride - g.pad + r * g.dil, wc = q * g.stride - g.pad + s * g.dil;
                if (h < 0 || h >= g.H || wc < 0 || wc >= g.W) continue;
                const int rr = g.mode == kConvolution ? g.R - 1 - r : r, ss = g.mode == kConvolution ? g.S - 1 - s : s;
                const size_t xi = ((size_t(n) * g.C + (k / Kg) * Cg + c) * g.H + h) * g.W + wc;
                const size_t wi = ((size_t(k) * Cg + c) * g.R + rr) * g.S + ss;
                const size_t yi = ((size_t(n) * g.K + k) * P + p) * Q + q;
                y[yi] += x[xi] * w[wi];
                dx[xi] += dy[yi] * w[wi];
                dw[wi] += dy[yi] * x[xi];
              }
}

/** Operands of one type: random bit patterns for the 16-bit formats (exponents near 1), floats otherwise. */
struct Tensor {
  int type;
  std::vector<float> f;
  std::vector<uint16_t> b;
  Tensor(int type, size_t n) : type(type), f(type == kFloat ? n : 0), b(type == kFloat ? 0 : n) {}
  void* data() { return type == kFloat ? static_cast<void*>(f.data()) : static_cast<void*>(b.data()); }
  double at(size_t i) const { return type == kFloat ? f[i] : decode(type == kHalf ? kHalfF : kBf16F, b[i]); }
  size_t size() const { return type == kFloat ? f.size() : b.size(); }
  std::vector<double> values() const {
    std::vector<double> v(size());
    for (size_t i = 0; i < v.size(); i++) v[i] = at(i);
    return v;
  }
};

Tensor randomTensor(int type, size_t n, unsigned& seed) {
  Tensor t(type, n);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    const unsigned r = seed >> 8;
    if (type == kFloat) t.f[i] = static_cast<float>((r % 20001) / 10000.0 - 1.0);
    else if (type == kHalf) t.b[i] = static_cast<uint16_t>(((r & 1) << 15) | ((12 + (r >> 1) % 4) << 10) | ((r >> 3) & 0x3ff));
    else t.b[i] = static_cast<uint16_t>(((r & 1) << 15) | ((124 + (r >> 1) % 4) << 7) | ((r >> 3) & 0x7f));
  }
  return t;
}

Tensor filled(int type, size_t n, double v) {
  Tensor t(type, n);
  for (size_t i = 0; i < n; i++) {
    if (type == kFloat) t.f[i] = static_cast<float>(v);
    else t.b[i] = nearest(type == kHalf ? kHalfF : kBf16F, v);
  }
  return t;
}

H theHandle() {
  static H handle = nullptr;
  if (!handle) api.create(&handle);
  return handle;
}

/** Runs direction d with algorithm `algo`: operands a and b, output out (as the API orders them). */
int runDirection(int d, const Descs& ds, int algo, Tensor& a, Tensor& b, Tensor& out, std::vector<char>& ws, float alpha, float beta) {
  H h = theHandle();
  if (d == 0) return api.run[0](h, &alpha, ds.x, a.data(), ds.w, b.data(), ds.conv, algo, ws.data(), ws.size(), &beta, ds.y, out.data());
  if (d == 1) return api.run[1](h, &alpha, ds.w, b.data(), ds.y, a.data(), ds.conv, algo, ws.data(), ws.size(), &beta, ds.x, out.data());
  return api.run[2](h, &alpha, ds.x, a.data(), ds.y, b.data(), ds.conv, algo, ws.data(), ws.size(), &beta, ds.w, out.data());
}

int findAll(int d, const Descs& ds, Perf* perf, int requested = 8) {
  int n = -1, s;
  if (d == 0) s = api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, requested, &n, perf);
  else if (d == 1) s = api.find[1](theHandle(), ds.w, ds.y, ds.conv, ds.x, requested, &n, perf);
  else s = api.find[2](theHandle(), ds.x, ds.y, ds.conv, ds.w, requested, &n, perf);
  return s == 0 ? n : -s;
}

const char* kDirection[3] = {"forward", "backward data", "backward filter"};

/** Every listed algorithm of every direction on one geometry and type, against the double reference. */
void checkConvolutions(const Geom& g, int type, const char* label) {
  unsigned seed = 7;
  Tensor x = randomTensor(type, g.xCount(), seed), w = randomTensor(type, g.wCount(), seed), dy = randomTensor(type, g.yCount(), seed);
  std::vector<double> y, dx, dw;
  reference(g, x.values(), w.values(), dy.values(), y, dx, dw);
  Descs ds(g, type);
  const Format& f = type == kHalf ? kHalfF : kBf16F;
  for (int d = 0; d < 3; d++) {
    Perf perf[8];
    const int n = findAll(d, ds, perf);
    check(n == 4, std::string(label) + " " + kDirection[d] + ": Find listed " + std::to_string(n) + " algorithms, expected 4");
    for (int i = 0; i < n; i++) {
      if (perf[i].status != 0) continue;
      const std::vector<double>& want = d == 0 ? y : d == 1 ? dx : dw;
      Tensor out = filled(type, want.size(), NAN);  // beta = 0: what the output held is ignored
      std::vector<char> ws(perf[i].memory);
      int s = d == 0 ? runDirection(0, ds, perf[i].algo, x, w, out, ws, 1, 0)
            : d == 1 ? runDirection(1, ds, perf[i].algo, dy, w, out, ws, 1, 0)
                     : runDirection(2, ds, perf[i].algo, x, dy, out, ws, 1, 0);
      std::string what = std::string(label) + " " + kDirection[d] + " algorithm " + std::to_string(perf[i].algo);
      check(s == 0, what + ": status " + std::to_string(s));
      if (s != 0) continue;
      // Exact where the algorithm sums in double to the end (deterministic forward and filter);
      // else within float32's error (for float32) or one unit in the last place (16-bit).
      const bool exact = type != kFloat && perf[i].determinism == 1 && d != 1;
      double worst = 0, largest = 0;
      size_t bad = 0;
      for (double v : want) largest = std::fmax(largest, std::fabs(v));
      for (size_t j = 0; j < want.size(); j++) {
        if (type != kFloat && exact) {
          if (out.b[j] != nearest(f, want[j])) bad++;
          continue;
        }
        // (plus float32's error on the largest result, for sums that cancel)
        const double tol = type == kFloat ? 1e-5 * (1 + std::fabs(want[j])) : std::ldexp(std::fabs(want[j]), -f.mant) + 1e-6 * largest;
        const double err = std::fabs(out.at(j) - want[j]);
        if (!(err <= tol)) bad++;
        worst = std::fmax(worst, err);
      }
      check(bad == 0, what + ": " + std::to_string(bad) + " of " + std::to_string(want.size()) + " results off" +
                          (exact ? " the correctly rounded value" : " by up to " + std::to_string(worst)));
    }
  }
}

/** alpha x w for x and w of one element, output rounded to the format: its bits. */
uint16_t scaled(const Format& f, float alpha, uint16_t x, uint16_t old = 0, float beta = 0) {
  Geom g{1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, kCrossCorrelation};
  Descs ds(g, f.type);
  Tensor xt(f.type, 1), wt(f.type, 1), yt(f.type, 1);
  xt.b[0] = x;
  wt.b[0] = f.type == kHalf ? 0x3c00 : 0x3f80;  // 1
  yt.b[0] = old;
  std::vector<char> ws(64);
  int s = runDirection(0, ds, 2, xt, wt, yt, ws, alpha, beta);
  check(s == 0, std::string(f.name) + " rounding: status " + std::to_string(s));
  return yt.b[0];
}

void checkRounding() {
  const uint16_t one = 0x3c00;
  struct Case {
    double alpha;
    uint16_t want;
  };
  const Case half[] = {{65504, 0x7bff}, {65519, 0x7bff}, {65520, 0x7c00}, {-65520, 0xfc00}, {1e10, 0x7c00},
                       {std::ldexp(1, -24), 0x0001}, {std::ldexp(1, -25), 0x0000}, {-std::ldexp(1, -25), 0x8000},
                       {std::ldexp(3, -25), 0x0002}, {std::ldexp(5, -25), 0x0002}, {std::ldexp(2047, -25), 0x0400},
                       {1 + std::ldexp(1, -11), 0x3c00}, {1 + std::ldexp(3, -11), 0x3c02}, {1 + std::ldexp(1, -11) + std::ldexp(1, -20), 0x3c01},
                       {-2.5, 0xc100}, {0.1, 0x2e66}};
  for (const auto& c : half) {
    const uint16_t got = scaled(kHalfF, static_cast<float>(c.alpha), one);
    char msg[128];
    std::snprintf(msg, sizeof msg, "binary16: %.10g rounds to 0x%04x, expected 0x%04x", c.alpha, got, c.want);
    check(got == c.want && got == nearest(kHalfF, static_cast<float>(c.alpha)), msg);
  }
  const uint16_t bone = 0x3f80;
  const Case bf[] = {{1 + std::ldexp(1, -8), 0x3f80}, {1 + std::ldexp(3, -8), 0x3f82}, {1 + std::ldexp(1, -8) + std::ldexp(1, -20), 0x3f81},
                     {3.0e38, 0x7f62}, {std::ldexp(255, 120), 0x7f7f}, {std::ldexp(511, 119), 0x7f80}, {3.4028234e38, 0x7f80},
                     {std::ldexp(1, -133), 0x0001}, {std::ldexp(1, -134), 0x0000}, {std::ldexp(3, -134), 0x0002},
                     {std::ldexp(1, -126), 0x0080}, {-0.1, 0xbdcd}};
  for (const auto& c : bf) {
    const uint16_t got = scaled(kBf16F, static_cast<float>(c.alpha), bone);
    char msg[128];
    std::snprintf(msg, sizeof msg, "bfloat16: %.10g rounds to 0x%04x, expected 0x%04x", c.alpha, got, c.want);
    check(got == c.want && got == nearest(kBf16F, static_cast<float>(c.alpha)), msg);
  }
  // NaN and infinity in, NaN and infinity out, beyond the largest finite value infinity; beta = 0
  // ignores a NaN output, beta = 1 adds to it.
  for (const Format* f : {&kHalfF, &kBf16F}) {
    check(scaled(*f, 1.5f, f->maxFinite) == f->inf, std::string(f->name) + ": 1.5 times the largest value is not infinity");
    check(scaled(*f, -1.0f, f->maxFinite) == (f->maxFinite | 0x8000), std::string(f->name) + ": minus the largest value");
    const uint16_t nan = scaled(*f, 1, f->quietNaN), inf = scaled(*f, 1, f->inf);
    check(std::isnan(decode(*f, nan)), std::string(f->name) + ": NaN in gave " + std::to_string(nan));
    check(inf == f->inf, std::string(f->name) + ": infinity in gave " + std::to_string(inf));
    const uint16_t oneBits = f->type == kHalf ? one : bone;
    check(scaled(*f, 1, oneBits, f->quietNaN, 0) == oneBits, std::string(f->name) + ": beta = 0 read the old NaN");
    check(decode(*f, scaled(*f, 3, oneBits, oneBits, 1)) == 4, std::string(f->name) + ": beta = 1 does not add 3 to 1");
    check(decode(*f, scaled(*f, 2, oneBits, oneBits, 0.5f)) == 2.5, std::string(f->name) + ": 2 + 0.5 x 1 is not 2.5");
  }
}

void checkFloatBlending() {
  Geom g{2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 2, kCrossCorrelation};
  unsigned seed = 3;
  Tensor x = randomTensor(kFloat, g.xCount(), seed), w = randomTensor(kFloat, g.wCount(), seed), dy = randomTensor(kFloat, g.yCount(), seed);
  std::vector<double> y, dx, dw;
  reference(g, x.values(), w.values(), dy.values(), y, dx, dw);
  Descs ds(g, kFloat);
  for (int d = 0; d < 3; d++) {
    Perf perf[8];
    const int n = findAll(d, ds, perf);
    const std::vector<double>& want = d == 0 ? y : d == 1 ? dx : dw;
    for (int i = 0; i < n; i++) {
      if (perf[i].status != 0) continue;
      Tensor out = filled(kFloat, want.size(), 0.25);
      std::vector<char> ws(perf[i].memory);
      Tensor& a = d == 1 ? dy : x;
      Tensor& b = d == 0 ? w : d == 1 ? w : dy;
      int s = runDirection(d, ds, perf[i].algo, a, b, out, ws, 2, 1);  // out = 2 conv + out
      size_t bad = 0;
      for (size_t j = 0; j < want.size(); j++) bad += !(std::fabs(out.f[j] - (2 * want[j] + 0.25)) <= 2e-5 * (1 + std::fabs(want[j])));
      check(s == 0 && bad == 0, std::string("float32 ") + kDirection[d] + " algorithm " + std::to_string(perf[i].algo) +
                                    ": alpha 2, beta 1 wrong in " + std::to_string(bad) + " places (status " + std::to_string(s) + ")");
    }
  }
}

void checkFind() {
  Geom g{3, 4, 7, 7, 6, 3, 3, 1, 1, 1, 2, kCrossCorrelation};
  Descs ds(g, kFloat);
  for (int d = 0; d < 3; d++) {
    Perf perf[8];
    const std::string what = std::string("Find ") + kDirection[d];
    const int n = findAll(d, ds, perf);
    check(n == 4, what + ": " + std::to_string(n) + " results");
    if (n != 4) continue;
    bool distinct = true, ranked = true, someDeterministic = false, someTensorOp = false, someMemory = false;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) distinct &= perf[i].algo != perf[j].algo;
      if (perf[i].status == 0) {
        ranked &= i == 0 || (perf[i - 1].status == 0 && perf[i - 1].time <= perf[i].time);
        check(perf[i].time > 0, what + ": a successful result without a time");
      }
      someDeterministic |= perf[i].status == 0 && perf[i].determinism == 1;
      someTensorOp |= perf[i].mathType == kTensorOpMath;
      someMemory |= perf[i].memory > 0;
    }
    check(distinct && ranked, what + ": algorithms not distinct or not ranked fastest first");
    check(perf[0].status == 0 && perf[0].determinism == 0 && perf[0].mathType == kTensorOpMath, what + ": the fastest is not the non-deterministic tensor-op one");
    check(perf[1].status == 0 && perf[1].determinism == 0 && perf[1].mathType == kFmaMath, what + ": the second is not non-deterministic FMA math");
    check(someDeterministic && someTensorOp && someMemory, what + ": no deterministic result, tensor-op result or workspace");
    check(perf[n - 1].status == kNotSupported && perf[n - 1].time < 0, what + ": the last result is not a failure");
    int two = findAll(d, ds, perf, 2);
    check(two == 2, what + ": asked for 2, got " + std::to_string(two));
  }
  Descs defaultMath(g, kFloat, kDefaultMath);
  Perf perf[8];
  findAll(0, defaultMath, perf);
  check(perf[1].mathType == kDefaultMath, "Find with default math: an FMA result reports the descriptor's math type");
}

void checkTf32AndOrder() {
  // 1 + 2^-12 read as TF32 is 1 (below half of TF32's last place): the tensor-op algorithm gives 1
  // under the default math type, and 1 + 2^-12 under FMA math, as the FMA algorithms do.
  Geom one{1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, kCrossCorrelation};
  for (int math : {kDefaultMath, kFmaMath}) {
    Descs ds(one, kFloat, math);
    Tensor x = filled(kFloat, 1, 1 + std::ldexp(1, -12)), w = filled(kFloat, 1, 1);
    for (int algo : {1, 0}) {
      Tensor y = filled(kFloat, 1, 0);
      std::vector<char> ws(16);
      int s = runDirection(0, ds, algo, x, w, y, ws, 1, 0);
      const float want = algo == 1 && math == kDefaultMath ? 1.0f : static_cast<float>(1 + std::ldexp(1, -12));
      check(s == 0 && y.f[0] == want, "TF32: algorithm " + std::to_string(algo) + " with math type " + std::to_string(math) +
                                          " gave " + std::to_string(y.f[0]));
    }
  }
  // Block order: the deterministic algorithms give the same bits both ways; the others do not (on
  // sums with enough terms).
  Geom g{8, 8, 6, 6, 8, 3, 3, 1, 1, 1, 1, kCrossCorrelation};
  unsigned seed = 11;
  Tensor x = randomTensor(kFloat, g.xCount(), seed), w = randomTensor(kFloat, g.wCount(), seed), dy = randomTensor(kFloat, g.yCount(), seed);
  Descs ds(g, kFloat);
  for (int d = 0; d < 3; d++) {
    Perf perf[8];
    const int n = findAll(d, ds, perf);
    for (int i = 0; i < n; i++) {
      if (perf[i].status != 0) continue;
      std::vector<uint32_t> bits[2];
      for (int order = 0; order < 2; order++) {
        setenv("CORTADO_EMU_BLOCK_ORDER", order ? "reverse" : "forward", 1);
        Tensor out = filled(kFloat, d == 0 ? g.yCount() : d == 1 ? g.xCount() : g.wCount(), 0);
        std::vector<char> ws(perf[i].memory);
        runDirection(d, ds, perf[i].algo, d == 1 ? dy : x, d == 2 ? dy : w, out, ws, 1, 0);
        for (float v : out.f) bits[order].push_back(floatBits(v));
      }
      unsetenv("CORTADO_EMU_BLOCK_ORDER");
      const bool same = bits[0] == bits[1];
      check(same == (perf[i].determinism == 1), std::string(kDirection[d]) + " algorithm " + std::to_string(perf[i].algo) +
                                                    (same ? " gave the same bits in both block orders, but is listed non-deterministic"
                                                          : " changed with the block order, but is listed deterministic"));
    }
  }
}

void checkErrors() {
  check(api.version() / 10000 == 9, "cudnnGetVersion is not 9.x: " + std::to_string(api.version()));
  check(std::string(api.errorString(kBadParam)) == "CUDNN_STATUS_BAD_PARAM", "cudnnGetErrorString(2000)");
  check(api.create(nullptr) == kBadParam, "cudnnCreate(NULL)");
  check(api.setStream(reinterpret_cast<H>(&failures), nullptr) == kBadParam, "cudnnSetStream on a handle not made by cudnnCreate");
  H t = nullptr, f = nullptr, c = nullptr;
  api.createTensor(&t);
  api.createFilter(&f);
  api.createConv(&c);
  check(api.setTensor(t, kNCHW, kFloat, 0, 1, 1, 1) == kBadParam, "a tensor with n = 0");
  check(api.setTensor(t, kNCHW, kFloat, 1, -1, 1, 1) == kBadParam, "a tensor with c = -1");
  check(api.setTensor(t, 7, kFloat, 1, 1, 1, 1) == kBadParam, "a tensor in format 7");
  check(api.setTensor(t, kNCHW, 99, 1, 1, 1, 1) == kBadParam, "a tensor of data type 99");
  check(api.setTensor(f, kNCHW, kFloat, 1, 1, 1, 1) == kBadParam, "a filter descriptor set as a tensor");
  check(api.setFilter(f, kFloat, kNCHW, 1, 0, 1, 1) == kBadParam, "a filter with c = 0");
  check(api.setConv(c, 0, 0, 0, 1, 1, 1, kCrossCorrelation, kFloat) == kBadParam, "stride 0");
  check(api.setConv(c, -1, 0, 1, 1, 1, 1, kCrossCorrelation, kFloat) == kBadParam, "padding -1");
  check(api.setConv(c, 0, 0, 1, 1, 0, 1, kCrossCorrelation, kFloat) == kBadParam, "dilation 0");
  check(api.setConv(c, 0, 0, 1, 1, 1, 1, 5, kFloat) == kBadParam, "convolution mode 5");
  check(api.setGroups(c, 0) == kBadParam, "group count 0");
  check(api.setMath(c, 9) == kBadParam, "math type 9");
  api.destroyTensor(t);
  api.destroyFilter(f);
  api.destroyConv(c);
  check(api.destroyTensor(t) == kBadParam, "a tensor descriptor destroyed twice");
  check(api.destroyTensor(nullptr) == 0, "destroying NULL");

  Geom g{2, 4, 5, 5, 6, 3, 3, 1, 1, 1, 2, kCrossCorrelation};
  Perf perf[8];
  int n = 0;
  {  // not set yet
    H x, y, w, conv;
    api.createTensor(&x);
    api.createTensor(&y);
    api.createFilter(&w);
    api.createConv(&conv);
    check(api.find[0](theHandle(), x, w, conv, y, 8, &n, perf) == kBadParam, "Find on descriptors never set");
    api.destroyTensor(x);
    api.destroyTensor(y);
    api.destroyFilter(w);
    api.destroyConv(conv);
  }
  unsigned seed = 5;
  Tensor x = randomTensor(kFloat, g.xCount(), seed), w = randomTensor(kFloat, g.wCount(), seed), y(kFloat, g.yCount());
  std::vector<char> ws(1 << 16);
  const float one = 1, zero = 0;
  {
    Descs ds(g, kFloat);
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 0, &n, perf) == kBadParam, "Find asking for 0 results");
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 8, nullptr, perf) == kBadParam, "Find with no count pointer");
    check(api.find[0](nullptr, ds.x, ds.w, ds.conv, ds.y, 8, &n, perf) == kBadParam, "Find with no handle");
    check(api.find[0](theHandle(), ds.y, ds.w, ds.conv, ds.x, 8, &n, perf) == kBadParam, "Find with x and y swapped");
    check(api.run[0](theHandle(), &one, ds.x, nullptr, ds.w, w.data(), ds.conv, 0, ws.data(), ws.size(), &zero, ds.y, y.data()) == kBadParam, "forward with x NULL");
    check(api.run[0](theHandle(), nullptr, ds.x, x.data(), ds.w, w.data(), ds.conv, 0, ws.data(), ws.size(), &zero, ds.y, y.data()) == kBadParam, "forward with alpha NULL");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 8, ws.data(), ws.size(), &zero, ds.y, y.data()) == kBadParam, "forward algorithm 8");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 4, ws.data(), ws.size(), &zero, ds.y, y.data()) == kNotSupported, "forward FFT (listed as failing)");
    check(api.run[1](theHandle(), &one, ds.w, w.data(), ds.y, y.data(), ds.conv, 6, ws.data(), ws.size(), &zero, ds.x, x.data()) == kBadParam, "backward data algorithm 6");
    // GEMM's workspace: one image's columns.
    const size_t need = size_t(g.C) * g.R * g.S * g.P() * g.Q() * 4;
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 2, ws.data(), need - 1, &zero, ds.y, y.data()) == kBadParam, "GEMM with a workspace a byte short");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 2, nullptr, need, &zero, ds.y, y.data()) == kBadParam, "GEMM with a NULL workspace");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 2, ws.data(), need, &zero, ds.y, y.data()) == 0, "GEMM with its workspace exactly");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 0, nullptr, 0, &zero, ds.y, y.data()) == 0, "IMPLICIT_GEMM with no workspace");
    api.setTensor(ds.y, kNCHW, kFloat, g.N, g.K, g.P() + 1, g.Q());
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 8, &n, perf) == kBadParam, "an output one row too tall");
    api.setTensor(ds.y, kNCHW, kFloat, g.N, g.K, g.P(), g.Q());
    api.setGroups(ds.conv, 4);
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 8, &n, perf) == kBadParam, "4 groups of a filter made for 2");
    api.setGroups(ds.conv, 2);
    api.setTensor(ds.x, kNHWC, kFloat, g.N, g.C, g.H, g.W);
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 8, &n, perf) == kNotSupported, "NHWC input");
    api.setTensor(ds.x, kNCHW, kHalf, g.N, g.C, g.H, g.W);
    check(api.find[0](theHandle(), ds.x, ds.w, ds.conv, ds.y, 8, &n, perf) == kBadParam, "binary16 x with float32 w and y (Find)");
    check(api.run[0](theHandle(), &one, ds.x, x.data(), ds.w, w.data(), ds.conv, 0, nullptr, 0, &zero, ds.y, y.data()) == kBadParam, "binary16 x with float32 w and y (forward)");
    check(api.run[2](theHandle(), &one, ds.x, x.data(), ds.y, y.data(), ds.conv, 1, ws.data(), ws.size(), &one, ds.w, w.data()) == kBadParam, "binary16 x with float32 w and y (backward filter)");
  }
  {
    Descs half(g, kHalf, kTensorOpMath, kHalf);
    check(api.find[0](theHandle(), half.x, half.w, half.conv, half.y, 8, &n, perf) == kNotSupported, "binary16 summed in binary16");
    Geom big{1, 1, 2, 2, 1, 5, 5, 0, 1, 1, 1, kCrossCorrelation};
    Descs tooBig(big, kFloat);  // a 5x5 kernel on 2x2: no output size, so the output is set by hand
    api.setTensor(tooBig.y, kNCHW, kFloat, 1, 1, 1, 1);
    check(api.find[0](theHandle(), tooBig.x, tooBig.w, tooBig.conv, tooBig.y, 8, &n, perf) == kBadParam, "a kernel larger than the padded input");
  }
}

void checkCapture(void* cuda) {
  auto streamCreate = reinterpret_cast<int (*)(void**, unsigned)>(dlsym(cuda, "cuStreamCreate"));
  auto begin = reinterpret_cast<int (*)(void*, int)>(dlsym(cuda, "cuStreamBeginCapture_v2"));
  auto end = reinterpret_cast<int (*)(void*, void**)>(dlsym(cuda, "cuStreamEndCapture"));
  auto instantiate = reinterpret_cast<int (*)(void**, void*, unsigned long long)>(dlsym(cuda, "cuGraphInstantiateWithFlags"));
  auto launch = reinterpret_cast<int (*)(void*, void*)>(dlsym(cuda, "cuGraphLaunch"));
  if (!streamCreate || !begin || !end || !instantiate || !launch) {
    check(false, "libcuda.so.1 lacks the graph functions");
    return;
  }
  Geom g{2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, kCrossCorrelation};
  unsigned seed = 9;
  Tensor x = randomTensor(kFloat, g.xCount(), seed), w = randomTensor(kFloat, g.wCount(), seed), dy(kFloat, g.yCount());
  Tensor y = filled(kFloat, g.yCount(), 0.5);
  std::vector<double> want, unusedDx, unusedDw;
  Descs ds(g, kFloat);
  void* stream = nullptr;
  void *graph = nullptr, *exec = nullptr;
  streamCreate(&stream, 1);
  api.setStream(theHandle(), stream);
  begin(stream, 1);
  std::vector<char> ws(size_t(g.C) * 9 * 36 * 4);
  const int s = runDirection(0, ds, 2, x, w, y, ws, 1, 0);
  const int ended = end(stream, &graph);
  api.setStream(theHandle(), nullptr);
  check(s == 0 && ended == 0, "capture: status " + std::to_string(s) + ", end " + std::to_string(ended));
  check(y.f[0] == 0.5f, "capture: the captured forward ran at once");
  const Tensor next = randomTensor(kFloat, g.xCount(), seed);
  std::copy(next.f.begin(), next.f.end(), x.f.begin());  // new input in the same memory, read at launch
  reference(g, x.values(), w.values(), dy.values(), want, unusedDx, unusedDw);
  check(instantiate(&exec, graph, 0) == 0 && launch(exec, nullptr) == 0, "capture: instantiate and launch");
  size_t bad = 0;
  for (size_t j = 0; j < want.size(); j++) bad += !(std::fabs(y.f[j] - want[j]) <= 1e-5 * (1 + std::fabs(want[j])));
  check(bad == 0, "capture: the launched graph's forward is wrong in " + std::to_string(bad) + " places");
}
}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // what failed is printed even if a later check crashes
  if (argc != 2) {
    std::printf("usage: fake_cudnn_check <folder holding libcuda.so.1 and libcudnn.so.9>\n");
    return 2;
  }
  const std::string dir = argv[1];
  void* cuda = dlopen((dir + "/libcuda.so.1").c_str(), RTLD_NOW | RTLD_GLOBAL);
  void* lib = dlopen((dir + "/libcudnn.so.9").c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!cuda || !lib) {
    std::printf("FAIL cannot open the emulated libraries: %s\n", dlerror());
    return 1;
  }
  bool ok = bind(lib, api.version, "cudnnGetVersion") && bind(lib, api.errorString, "cudnnGetErrorString") &&
            bind(lib, api.create, "cudnnCreate") && bind(lib, api.destroy, "cudnnDestroy") && bind(lib, api.setStream, "cudnnSetStream") &&
            bind(lib, api.createTensor, "cudnnCreateTensorDescriptor") && bind(lib, api.setTensor, "cudnnSetTensor4dDescriptor") &&
            bind(lib, api.destroyTensor, "cudnnDestroyTensorDescriptor") && bind(lib, api.createFilter, "cudnnCreateFilterDescriptor") &&
            bind(lib, api.setFilter, "cudnnSetFilter4dDescriptor") && bind(lib, api.destroyFilter, "cudnnDestroyFilterDescriptor") &&
            bind(lib, api.createConv, "cudnnCreateConvolutionDescriptor") && bind(lib, api.setConv, "cudnnSetConvolution2dDescriptor") &&
            bind(lib, api.setGroups, "cudnnSetConvolutionGroupCount") && bind(lib, api.setMath, "cudnnSetConvolutionMathType") &&
            bind(lib, api.destroyConv, "cudnnDestroyConvolutionDescriptor") &&
            bind(lib, api.find[0], "cudnnFindConvolutionForwardAlgorithm") && bind(lib, api.find[1], "cudnnFindConvolutionBackwardDataAlgorithm") &&
            bind(lib, api.find[2], "cudnnFindConvolutionBackwardFilterAlgorithm") && bind(lib, api.run[0], "cudnnConvolutionForward") &&
            bind(lib, api.run[1], "cudnnConvolutionBackwardData") && bind(lib, api.run[2], "cudnnConvolutionBackwardFilter");
  if (!ok) return 1;
  checkRounding();
  // Groups, stride, padding and dilation at once, cross-correlation and convolution.
  const Geom shapes[] = {{3, 4, 9, 8, 6, 3, 2, 1, 2, 2, 2, kCrossCorrelation}, {2, 3, 7, 7, 5, 3, 3, 1, 1, 1, 1, kConvolution},
                         {5, 2, 4, 4, 3, 1, 1, 0, 1, 1, 1, kCrossCorrelation}};
  const char* labels[] = {"grouped strided dilated", "convolution mode", "1x1"};
  for (int i = 0; i < 3; i++) {
    for (int type : {kFloat, kHalf, kBfloat16}) {
      const std::string label = std::string(type == kFloat ? "float32" : type == kHalf ? "binary16" : "bfloat16") + " " + labels[i];
      checkConvolutions(shapes[i], type, label.c_str());
    }
  }
  checkFloatBlending();
  checkFind();
  checkTf32AndOrder();
  checkErrors();
  checkCapture(cuda);
  if (failures) {
    std::printf("%d checks failed\n", failures);
    return 1;
  }
  std::printf("fake cuDNN: all checks passed\n");
  return 0;
}
