// Winograd convolution F(m x m, r x r) on 8 x 8 tiles: F(4 x 4, 5 x 5) for 5 x 5 kernels and
// F(6 x 6, 3 x 3) for 3 x 3 ones, stride 1, no dilation, any padding and groups.
//
// One output tile Y (m x m) of one output channel from the 8 x 8 input patches d_c of the input
// channels and the filters g_c (r x r) is
//   Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
// so the 25 (or 9) multiply-adds per output and channel become 64 / 16 = 4 (or 64 / 36): LeNet's
// conv2 does 6.25x fewer. The matrices come from the Toom-Cook construction on the points 0, ±1,
// ±2, ±1/2 and ∞ (the polynomial product whose transpose is the correlation): with V the 8 x 8
// matrix that evaluates a degree-7 polynomial at the points (the row of ∞ picks its leading
// coefficient), Bᵀ = V⁻ᵀ, Aᵀ[j][i] = p_i^j and G[i][k] = p_i^k. Row i of Bᵀ is scaled by
// s_i = Π_{j≠i} (p_i - p_j) and row i of G by 1 / s_i, which leaves every product the same and
// makes Bᵀ's entries dyadic (exact in float); with s = -1, -9/2, -9/2, 90, 90, 45/32, 45/32, 1:
//        [ -1    0   21/4    0   -21/4    0    1  0 ]
//        [  0    1     1  -17/4  -17/4    1    1  0 ]
//        [  0   -1     1   17/4  -17/4   -1    1  0 ]
//   Bᵀ = [  0  1/2   1/4   -5/2   -5/4    2    1  0 ]   (bt8 computes it with shared terms)
//        [  0 -1/2   1/4    5/2   -5/4   -2    1  0 ]
//        [  0    2     4   -5/2     -5  1/2    1  0 ]
//        [  0   -2     4    5/2     -5 -1/2    1  0 ]
//        [  0   -1     0   21/4      0 -21/4    0  1 ]
// The transformed filters are computed in float with G's rounded entries.
//
// Per call: the filters are transformed once (U, 64 matrices of Co x Ci, packed as GEMM A panels).
// The tiles of all images are cut into panels of NR, one pool task each. A task gathers each input
// channel's 8 x 8 patches with one tile per vector lane, transforms them into the 64 B panels V,
// multiplies U[ξ] V[ξ] with the GEMM's register tiles into M[ξ] (Co x NR), and transforms M back
// into output tiles, written once each: no col buffer and no zeroing.
//
// Accuracy: the result is a different sum of the same products; against a float64 reference its
// error is about 1e-5 of the output's largest magnitude (float32 im2col + GEMM: about 1e-7).
// Backward data is the forward convolution of dy with the filters turned by 180 degrees and
// transposed (input and output channels swapped), padded by r - 1 - pad. The filter gradient sums
// F(r x r, m x m) over tiles (filter_grad). Which layers take which pass: pays and the *_fits tests.
#include "winograd.h"

#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "loops.h"

namespace cortado {
namespace CORTADO_ISA {

namespace {

constexpr int A = 8;  // the tile side, m + r - 1
constexpr int AA = A * A;
constexpr double kP[A - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};  // and ∞

constexpr double power(double p, int k) {
  double v = 1;
  for (int i = 0; i < k; ++i) v *= p;
  return v;
}
constexpr double row_scale(int i) {
  double s = 1;
  for (int j = 0; j < A - 1; ++j)
    if (j != i) s *= kP[i] - kP[j];
  return s;
}

// y = Bᵀ x for x[k xs], y[k ys], k < 8, with the rows that share terms computed in pairs (26
// operations instead of Bᵀ's 44 nonzero terms).
inline void bt8(const V* x, int64_t xs, V* y, int64_t ys) {
  const V x0 = x[0], x1 = x[xs], x2 = x[2 * xs], x3 = x[3 * xs], x4 = x[4 * xs], x5 = x[5 * xs], x6 = x[6 * xs],
          x7 = x[7 * xs];
  y[0] = fma(set1(5.25f), sub(x2, x4), sub(x6, x0));
  y[7 * ys] = fma(set1(5.25f), sub(x3, x5), sub(x7, x1));
  V a = fma(set1(-4.25f), x4, add(x2, x6)), b = fma(set1(-4.25f), x3, add(x1, x5));
  y[ys] = add(a, b);
  y[2 * ys] = sub(a, b);
  a = fma(set1(-1.25f), x4, fma(set1(0.25f), x2, x6));
  b = fma(set1(2.0f), x5, fma(set1(-2.5f), x3, mul(set1(0.5f), x1)));
  y[3 * ys] = add(a, b);
  y[4 * ys] = sub(a, b);
  a = fma(set1(-5.0f), x4, fma(set1(4.0f), x2, x6));
  b = fma(set1(0.5f), x5, fma(set1(-2.5f), x3, mul(set1(2.0f), x1)));
  y[5 * ys] = add(a, b);
  y[6 * ys] = sub(a, b);
}

// y = Aᵀ x (M rows, M <= 7) for x[k xs], k < 8: row j is [j = 0] x0 + Σ p^j (x_p + (-1)^j x_-p)
// over p = 1, 2, 1/2, + [j = M - 1] x7, with the sums and differences of the ± pairs shared.
template <int M>
inline void at8(const V* x, int64_t xs, V* y, int64_t ys) {
  const V s1 = add(x[xs], x[2 * xs]), d1 = sub(x[xs], x[2 * xs]);
  const V s2 = add(x[3 * xs], x[4 * xs]), d2 = sub(x[3 * xs], x[4 * xs]);
  const V s3 = add(x[5 * xs], x[6 * xs]), d3 = sub(x[5 * xs], x[6 * xs]);
  for (int k = 0; k < M; ++k) {
    const V c2 = set1(float(power(2, k))), c3 = set1(float(power(0.5, k)));
    V v = k % 2 == 0 ? fma(c3, s3, fma(c2, s2, s1)) : fma(c3, d3, fma(c2, d2, d1));
    if (k == 0) v = add(v, x[0]);
    if (k == M - 1) v = add(v, x[7 * xs]);
    y[k * ys] = v;
  }
}

// y = G x (8 rows, K <= 7 taps) for x[k xs]: row 0 is x0 / s_0, row 7 is x_{K-1}, and the rows
// of ±p (p = 1, 2, 1/2, sharing s) are (even ± odd) / s with even = Σ_{k even} p^k x_k and odd the
// same over odd k.
template <int K>
inline void g8(const V* x, int64_t xs, V* y, int64_t ys) {
  y[0] = mul(set1(float(1 / row_scale(0))), x[0]);
  y[7 * ys] = x[(K - 1) * xs];
  for (int i = 1; i < 7; i += 2) {
    const double p = kP[i], s = row_scale(i);
    V even = mul(set1(float(1 / s)), x[0]), odd = mul(set1(float(p / s)), x[xs]);
    for (int k = 2; k < K; ++k) {
      const V c = set1(float(power(p, k) / s));
      if (k % 2 == 0) even = fma(c, x[k * xs], even);
      else odd = fma(c, x[k * xs], odd);
    }
    y[i * ys] = add(even, odd);
    y[(i + 1) * ys] = sub(even, odd);
  }
}

#if defined(__AVX512F__)
inline V unpacklo(V a, V b) { return _mm512_unpacklo_ps(a, b); }
inline V unpackhi(V a, V b) { return _mm512_unpackhi_ps(a, b); }
inline V shuffle_lo(V a, V b) { return _mm512_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 1, 0)); }
inline V shuffle_hi(V a, V b) { return _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 2, 3, 2)); }
// Block k holds the 4 floats at p[4 k + c] + off.
inline V blocks(const float* const* p, int c, int64_t off) {
  V v = _mm512_castps128_ps512(_mm_loadu_ps(p[c] + off));
  v = _mm512_insertf32x4(v, _mm_loadu_ps(p[4 + c] + off), 1);
  v = _mm512_insertf32x4(v, _mm_loadu_ps(p[8 + c] + off), 2);
  return _mm512_insertf32x4(v, _mm_loadu_ps(p[12 + c] + off), 3);
}
// Stores block k (4 floats) of a at p.
inline void store_block(float* p, V a, int k) {
  switch (k) {
    case 0: return _mm_storeu_ps(p, _mm512_castps512_ps128(a));
    case 1: return _mm_storeu_ps(p, _mm512_extractf32x4_ps(a, 1));
    case 2: return _mm_storeu_ps(p, _mm512_extractf32x4_ps(a, 2));
    default: return _mm_storeu_ps(p, _mm512_extractf32x4_ps(a, 3));
  }
}
#elif defined(__AVX2__)
inline V unpacklo(V a, V b) { return _mm256_unpacklo_ps(a, b); }
inline V unpackhi(V a, V b) { return _mm256_unpackhi_ps(a, b); }
inline V shuffle_lo(V a, V b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 1, 0)); }
inline V shuffle_hi(V a, V b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 2, 3, 2)); }
inline void store_block(float* p, V a, int k) {
  _mm_storeu_ps(p, k == 0 ? _mm256_castps256_ps128(a) : _mm256_extractf128_ps(a, 1));
}
inline V blocks(const float* const* p, int c, int64_t off) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p[c] + off)), _mm_loadu_ps(p[4 + c] + off), 1);
}
#elif defined(__wasm_simd128__)
inline void store_block(float* p, V a, int) { store(p, a); }
inline V blocks(const float* const* p, int c, int64_t off) { return load(p[c] + off); }
#endif

// Read at every call (a lookup, next to a convolution), so that a test can compare both paths.
bool enabled() {
#if defined(__wasm__)
  return true;
#else
  const char* e = getenv("CORTADO_WINOGRAD");
  return !(e && strcmp(e, "0") == 0);
#endif
}

// Whether Winograd beats im2col + GEMM for Ci input and Co output channels per group, an
// r x r kernel and an OH x OW output (rules from timing both on GoogLeNet's, CIFAR-10's and
// LeNet's layers, native/README.md):
// - the tiles cover at most 1.35 times the output (F(6 x 6, 3 x 3) on 14 x 14 computes 18 x 18,
//   and lost);
// - at least 8 channels each way for 5 x 5, 32 for 3 x 3 (which saves less: 36 / 9 per output
//   against 16 / 25), where the transforms no longer outweigh the products;
// - the GEMMs' 64 Ci Co multiply-adds a tile plus the transforms' (about 6 a channel and patch
//   element, each way), for whole panels of NR tiles (a batch of one LeNet image has 4 tiles, and
//   the panel's other 28 lanes cost as much), under 0.6 of im2col's r² Ci Co an output.
// Tiles of an OH x OW output for an r x r kernel (m = 8 - r + 1 on a side).
int64_t tiles_of(int64_t r, int64_t OH, int64_t OW) {
  const int64_t m = A - r + 1;
  return ((OH + m - 1) / m) * ((OW + m - 1) / m);
}

bool pays(int64_t r, int64_t num, int64_t Ci, int64_t Co, int64_t OH, int64_t OW) {
  if ((r != 3 && r != 5) || OH < 1 || OW < 1) return false;
  const int64_t least = r == 5 ? 8 : 32;
  if (Ci < least || Co < least) return false;
  const int64_t m = A - r + 1, tiles = tiles_of(r, OH, OW);
  if (double(tiles) * m * m > 1.35 * double(OH) * OW) return false;
  const double lanes = double(round_up(num * tiles, NR)) / num;
  const double wino = lanes * AA * (double(Ci) * Co + 6.0 * (Ci + Co));
  const double direct = double(r * r) * Ci * Co * OH * OW;
  return wino < 0.6 * direct;
}

// Where the taps of filter (o, i) of a group lie: tap (a, b) at p + o so + i si + a sa + b sb.
struct Filters {
  const float* p;
  int64_t group, so, si, sa, sb;
};

// U for every group: 64 matrices Co x Ci each, packed as GEMM A panels in k blocks of KC
// (group gi, ξ, block pc at Up + (gi 64 + ξ) Co Ci + pc Co). Ut is Co Ci 64 floats of scratch.
template <int R>
void transform_filters(const Filters& f, int64_t G, int64_t Co, int64_t Ci, float* Up, float* Ut) {
  const int64_t F = Co * Ci, per = 16 * W, chunks = (F + per - 1) / per;
  for (int64_t gi = 0; gi < G; ++gi) {
    const float* base = f.p + gi * f.group;
    parallel_for(chunks, [&](int64_t chunk, int) {
      alignas(64) float taps[R * R * W];
      const int64_t end = imin(F, (chunk + 1) * per);
      for (int64_t f0 = chunk * per; f0 < end; f0 += W) {
        const int64_t n = imin(W, end - f0);
        for (int64_t l = 0; l < W; ++l) {
          if (l >= n) {
            for (int k = 0; k < R * R; ++k) taps[k * W + l] = 0.0f;
            continue;
          }
          const int64_t o = (f0 + l) / Ci, i = (f0 + l) % Ci;
          const float* p = base + o * f.so + i * f.si;
          for (int a = 0; a < R; ++a)
            for (int b = 0; b < R; ++b) taps[(a * R + b) * W + l] = p[a * f.sa + b * f.sb];
        }
        V g[R * R], t[A * R], u[AA];
        for (int k = 0; k < R * R; ++k) g[k] = load(taps + k * W);
        for (int b = 0; b < R; ++b) g8<R>(g + b, R, t + b, R);
        for (int i = 0; i < A; ++i) g8<R>(t + i * R, 1, u + i * A, 1);
        for (int k = 0; k < AA; ++k) storep(Ut + k * F + f0, u[k], n);
      }
    });
    parallel_for(AA, [&](int64_t k, int) {
      for (int64_t pc = 0; pc < Ci; pc += KC)
        pack_a(Mat{Ut + k * F + pc, Ci, 1}, Co, imin(KC, Ci - pc), Up + (gi * AA + k) * F + pc * Co);
    });
  }
}

// The geometry of one convolution as Winograd sees it: the input (num images of in_image floats,
// G groups of Ci channels of H x Wd, padded by padH, padW) and the output (out_image floats an
// image, G groups of Co channels of OH x OW).
struct Job {
  int64_t num, G, Ci, Co, H, Wd, OH, OW, padH, padW, in_image, out_image;
};

struct Tile {
  int64_t src;         // the patch's first element, from the channel's first (the image's or the band's)
  int64_t out;         // the output tile's first element in an output channel
  int64_t rows, cols;  // of the output tile inside the output
};

// The 8 x 8 patches at base + tile.src (rows `stride` apart) for the panel's nt tiles, one tile per
// lane: d[(i 8 + j) NR + lane]. Groups of lanes load a patch row each and turn the rows around.
inline void gather(const Tile* tiles, int64_t nt, const float* base, int64_t stride, float* d) {
  int64_t l0 = 0;
#if defined(__AVX512F__)
  for (; l0 + 8 <= nt; l0 += 8)
    for (int i = 0; i < A; ++i) {
      __m256 r[8];
      for (int l = 0; l < 8; ++l) r[l] = _mm256_loadu_ps(base + tiles[l0 + l].src + i * stride);
      transpose8(r);
      for (int k = 0; k < 8; ++k) _mm256_store_ps(d + (i * A + k) * NR + l0, r[k]);
    }
#else
  for (; l0 + W <= nt; l0 += W)
    for (int i = 0; i < A; ++i)
      for (int h = 0; h < A; h += W) {
        V r[W];
        for (int l = 0; l < W; ++l) r[l] = load(base + tiles[l0 + l].src + i * stride + h);
        transpose(r);
        for (int k = 0; k < W; ++k) store(d + (i * A + h + k) * NR + l0, r[k]);
      }
#endif
  for (; l0 < nt; ++l0)
    for (int i = 0; i < A; ++i)
      for (int j = 0; j < A; ++j) d[(i * A + j) * NR + l0] = base[tiles[l0].src + i * stride + j];
}

#if defined(__AVX512F__) || defined(__AVX2__)
// Turns r[0..3] around within each 128-bit block: afterwards block k of r[c] holds lane 4 k + c
// of r[0..3] (and, applied again, the other way back).
inline void transpose_blocks(V r[4]) {
  const V t0 = unpacklo(r[0], r[1]), t1 = unpackhi(r[0], r[1]);
  const V t2 = unpacklo(r[2], r[3]), t3 = unpackhi(r[2], r[3]);
  r[0] = shuffle_lo(t0, t2);
  r[1] = shuffle_hi(t0, t2);
  r[2] = shuffle_lo(t1, t3);
  r[3] = shuffle_hi(t1, t3);
}
#elif defined(__wasm_simd128__)
inline void transpose_blocks(V r[4]) { transpose(r); }  // one block of 4 lanes
#endif

// Writes 4 x 4 output tiles, one per lane, from y[i 4 + j] (row i, column j of every lane's tile):
// lane l's tile to p[l], rows ldo apart. Each group of 4 vectors is turned around within 128-bit
// blocks, which leaves a tile row in each block.
inline void store_tiles4(const V* y, float* const* p, int64_t ldo) {
#if defined(__AVX512F__) || defined(__AVX2__) || defined(__wasm_simd128__)
  for (int i = 0; i < 4; ++i) {
    V r[4] = {y[i * 4], y[i * 4 + 1], y[i * 4 + 2], y[i * 4 + 3]};
    transpose_blocks(r);
    for (int k = 0; k < W / 4; ++k)
      for (int c = 0; c < 4; ++c) store_block(p[4 * k + c] + i * ldo, r[c], k);
  }
#else
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 4; ++c) p[0][i * ldo + c] = y[i * 4 + c];
#endif
}

// The inverse of store_tiles4: y[i 4 + j] = row i, column j of the 4 x 4 tile at p[l], one per lane.
inline void load_tiles4(const float* const* p, int64_t ldo, V* y) {
#if defined(__AVX512F__) || defined(__AVX2__) || defined(__wasm_simd128__)
  for (int i = 0; i < 4; ++i) {
    V r[4];
    for (int c = 0; c < 4; ++c) r[c] = blocks(p, c, i * ldo);
    transpose_blocks(r);
    for (int c = 0; c < 4; ++c) y[i * 4 + c] = r[c];
  }
#else
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 4; ++c) y[i * 4 + c] = p[0][i * ldo + c];
#endif
}

// NR tiles of m x m outputs (tile t: image t / (TH TW), then rows of TW tiles), one pool task's
// worth, and the input patches they read.
template <int M>
struct Panel {
  const Job& j;
  int64_t nt, b0, nimg, bw, left, xs;
  int64_t ty0[NR], boff[NR + 1];  // per image of the panel: its first tile row, its band's offset
  Tile tiles[NR];
  bool padded = false;  // a patch reaches into the padding: patches are read from bands
  bool full[NR / W];    // the W tiles of a vector are all whole (none cut by the output's edge)
  float* band = nullptr;

  Panel(const Job& job, int64_t panel) : j(job) {
    const int64_t TH = (j.OH + M - 1) / M, TW = (j.OW + M - 1) / M, TPI = TH * TW;
    const int64_t t0 = panel * NR;
    nt = imin(NR, j.num * TPI - t0);
    b0 = t0 / TPI;
    const int64_t b1 = (t0 + nt - 1) / TPI;
    nimg = b1 - b0 + 1;
    // A band: the rows of one image that the panel's tiles read, padding included, each as wide
    // as all tiles of a row read (bw), copied per channel when a patch reaches into the padding.
    bw = (TW - 1) * M + A;
    left = imin(bw, j.padW);
    xs = imax(0, imin(j.Wd, bw - j.padW));
    boff[0] = 0;
    for (int64_t b = b0; b <= b1; ++b) {
      const int64_t s = b - b0, ty1 = b == b1 ? (t0 + nt - 1) % TPI / TW : TH - 1;
      ty0[s] = b == b0 ? t0 % TPI / TW : 0;
      boff[s + 1] = boff[s] + ((ty1 - ty0[s]) * M + A) * bw;
    }
    int64_t direct[NR];
    for (int64_t l = 0; l < nt; ++l) {
      const int64_t t = t0 + l, b = t / TPI, ty = t % TPI / TW, tx = t % TPI % TW;
      const int64_t y0 = ty * M - j.padH, x0 = tx * M - j.padW;
      Tile& tl = tiles[l];
      direct[l] = b * j.in_image + y0 * j.Wd + x0;
      tl.src = boff[b - b0] + (ty - ty0[b - b0]) * M * bw + tx * M;
      tl.out = b * j.out_image + ty * M * j.OW + tx * M;
      tl.rows = imin(M, j.OH - ty * M);
      tl.cols = imin(M, j.OW - tx * M);
      padded = padded || y0 < 0 || x0 < 0 || y0 + A > j.H || x0 + A > j.Wd;
    }
    if (!padded)
      for (int64_t l = 0; l < nt; ++l) tiles[l].src = direct[l];
    for (int64_t q = 0; q < NR; q += W) {
      full[q / W] = q + W <= nt;
      for (int64_t l = q; l < q + W && l < nt; ++l) full[q / W] = full[q / W] && tiles[l].rows == M && tiles[l].cols == M;
    }
    if (padded) {
      band = scratch(kGather, boff[nimg]);
      memset(band, 0, size_t(boff[nimg]) * sizeof(float));  // the padding, the same for every channel
    }
  }

  // V[ξ] = Bᵀ d B for input channels [0, Ci) of group gi: Ci x NR, one GEMM B panel, at
  // vp + ξ Ci NR. d is AA NR floats of scratch whose lanes past nt are 0.
  void transform_input(const float* in, int64_t gi, float* vp, float* d) {
    for (int64_t c = 0; c < j.Ci; ++c) {
      const float* src = in + (gi * j.Ci + c) * j.H * j.Wd;
      if (padded) {
        // Only the image's part of each band row changes from channel to channel.
        for (int64_t s = 0; s < nimg; ++s) {
          const float* img = src + (b0 + s) * j.in_image;
          const int64_t y0 = ty0[s] * M - j.padH;
          const int64_t r0 = imax(0, -y0), r1 = imin((boff[s + 1] - boff[s]) / bw, j.H - y0);
          for (int64_t r = r0; r < r1; ++r) copy_run(band + boff[s] + r * bw + left, img + (y0 + r) * j.Wd, xs);
        }
        gather(tiles, nt, band, bw, d);
      } else {
        gather(tiles, nt, src, j.Wd, d);
      }
      // Vector stores may alias anything: with the stride in a local, j is not read again after each.
      const int64_t xi = j.Ci * NR;
      float* const vc = vp + c * NR;
      for (int64_t q = 0; q < NR; q += W) {
        // Rows, then columns: only t, the 64 vectors between the passes, lives in memory.
        V t[AA];
        for (int i = 0; i < A; ++i) {
          V x[A];
          for (int k = 0; k < A; ++k) x[k] = load(d + (i * A + k) * NR + q);
          bt8(x, 1, t + i * A, 1);
        }
        for (int i = 0; i < A; ++i) {
          V v[A];
          bt8(t + i, A, v, 1);
          for (int k = 0; k < A; ++k) store(vc + (k * A + i) * xi + q, v[k]);
        }
      }
    }
  }
};

// out = the convolution of in with the filters whose U (transform_filters) is Up.
template <int R>
void run(const Job& j, const float* in, const float* Up, float* out) {
  constexpr int M = A - R + 1;
  const int64_t T = j.num * ((j.OH + M - 1) / M) * ((j.OW + M - 1) / M), oplane = j.OH * j.OW;
  // Output channels per pass of the products and the output transform, so that M stays near
  // 1 MB (a multiple of MR: the packed U panels of a row block start at o0 kc).
  const int64_t ob = imin(j.Co, imax(MR, (1 << 18) / (AA * NR) / MR * MR));
  parallel_for((T + NR - 1) / NR, [&](int64_t panel, int) {
    Panel<M> pn(j, panel);
    const int64_t nt = pn.nt;
    alignas(64) float d[AA * NR];
    if (nt < NR) memset(d, 0, sizeof d);  // lanes past the last tile stay 0
    float* vp = scratch(kPackB, AA * j.Ci * NR);
    float* mb = scratch(kCol, AA * ob * NR);
    for (int64_t gi = 0; gi < j.G; ++gi) {
      pn.transform_input(in, gi, vp, d);
      const float* Ug = Up + gi * AA * j.Co * j.Ci;
      for (int64_t o0 = 0; o0 < j.Co; o0 += ob) {
        const int64_t oc = imin(ob, j.Co - o0);
        // M[ξ] rows o0 .. o0 + oc at mb + ξ oc NR.
        for (int k = 0; k < AA; ++k)
          for (int64_t pc = 0; pc < j.Ci; pc += KC)
            macro_kernel(oc, NR, imin(KC, j.Ci - pc), 1.0f, Ug + k * j.Co * j.Ci + pc * j.Co + o0 * imin(KC, j.Ci - pc),
                         vp + (k * j.Ci + pc) * NR, j.Ci * NR, pc == 0 ? 0.0f : 1.0f, mb + k * oc * NR, NR);
        for (int64_t o = 0; o < oc; ++o) {
          float* dst = out + (gi * j.Co + o0 + o) * oplane;
          for (int64_t q = 0; q < nt; q += W) {
            V m[AA], t[M * A], y[M * M];
            for (int k = 0; k < AA; ++k) m[k] = load(mb + (k * oc + o) * NR + q);
            for (int i = 0; i < A; ++i) at8<M>(m + i, A, t + i, A);
            for (int i = 0; i < M; ++i) at8<M>(t + i * A, 1, y + i * M, 1);
            if (M == 4 && pn.full[q / W]) {
              float* p[W];
              for (int l = 0; l < W; ++l) p[l] = dst + pn.tiles[q + l].out;
              store_tiles4(y, p, j.OW);
              continue;
            }
            alignas(64) float ys[M * M * W];
            for (int k = 0; k < M * M; ++k) store(ys + k * W, y[k]);
            for (int64_t l = 0; l < W && q + l < nt; ++l) {
              const Tile& tl = pn.tiles[q + l];
              float* p = dst + tl.out;
              for (int64_t r = 0; r < tl.rows; ++r)
                for (int64_t c = 0; c < tl.cols; ++c) p[r * j.OW + c] = ys[(r * M + c) * W + l];
            }
          }
        }
      }
    }
  });
}

// dw += the filter gradient of x (the input) and dy (the output's gradient): per tile t, with d_t
// the input patch and e_t the m x m tile of dy (0 past the output's edge), the r x r correlation
// Σ_t e_t ⋆ d_t is F(r x r, m x m) on the same points: Σ_t A_rᵀ [(G_m e_t G_mᵀ) ⊙ (Bᵀ d_t B)] A_r,
// with A_r and G_m the A and G of r rows and m taps. The sums over tiles are 64 GEMMs (Co x Ci,
// k running over tiles), one partial sum per part of the panels, added in order at the end; the
// last transform runs once per filter.
template <int R>
void filter_grad(const Job& j, const float* x, const float* dy, float* dw) {
  constexpr int M = A - R + 1;
  const int64_t T = j.num * ((j.OH + M - 1) / M) * ((j.OW + M - 1) / M), panels = (T + NR - 1) / NR;
  const int64_t F = j.Co * j.Ci, size = j.G * AA * F, oplane = j.OH * j.OW;
  const int64_t parts = imax(1, imin(num_threads(), panels));
  float* acc = scratch(kShared, parts * size);  // [part][gi][ξ][i][o]
  memset(acc, 0, size_t(parts * size) * sizeof(float));
  parallel_for(parts, [&](int64_t part, int) {
    int64_t p0, p1;
    split_range(panels, parts, part, 1, &p0, &p1);
    float* mw = acc + part * size;
    float* vp = scratch(kCol, AA * j.Ci * NR);
    float* ep = scratch(kTile, AA * j.Co * NR);
    float* ap = scratch(kPackA, j.Ci * NR);
    float* bp = scratch(kPackB, round_up(j.Co, NR) * NR);
    alignas(64) float d[AA * NR], e[M * M * NR];
    for (int64_t panel = p0; panel < p1; ++panel) {
      Panel<M> pn(j, panel);
      const int64_t nt = pn.nt;
      if (nt < NR) {  // lanes past the last tile stay 0
        memset(d, 0, sizeof d);
        memset(e, 0, sizeof e);
      }
      for (int64_t gi = 0; gi < j.G; ++gi) {
        pn.transform_input(x, gi, vp, d);
        // E[ξ] = G_m e G_mᵀ for the output channels: Co x NR at ep + ξ Co NR.
        for (int64_t o = 0; o < j.Co; ++o) {
          const float* src = dy + (gi * j.Co + o) * oplane;
          for (int64_t q = 0; q < NR; q += W) {
            if (M == 4 && pn.full[q / W]) {
              const float* p[W];
              for (int l = 0; l < W; ++l) p[l] = src + pn.tiles[q + l].out;
              V g[M * M];
              load_tiles4(p, j.OW, g);
              for (int k = 0; k < M * M; ++k) store(e + k * NR + q, g[k]);
            } else {
              for (int64_t l = q; l < q + W && l < nt; ++l) {
                const Tile& tl = pn.tiles[l];
                for (int r = 0; r < M; ++r)
                  for (int c = 0; c < M; ++c)
                    e[(r * M + c) * NR + l] = r < tl.rows && c < tl.cols ? src[tl.out + r * j.OW + c] : 0.0f;
              }
            }
            V g[M * M], t[A * M], u[AA];
            for (int k = 0; k < M * M; ++k) g[k] = load(e + k * NR + q);
            for (int b = 0; b < M; ++b) g8<M>(g + b, M, t + b, M);
            for (int i = 0; i < A; ++i) g8<M>(t + i * M, 1, u + i * A, 1);
            for (int k = 0; k < AA; ++k) store(ep + (k * j.Co + o) * NR + q, u[k]);
          }
        }
        // S[ξ] += V[ξ] E[ξ]ᵀ (Ci x Co): the input channels fill the GEMM's rows (MR a panel) and
        // the output channels its columns (NR a panel), which wastes less of both on LeNet's 20
        // and 50 than the other way round.
        for (int k = 0; k < AA; ++k) {
          pack_a(Mat{vp + k * j.Ci * NR, NR, 1}, j.Ci, NR, ap);
          pack_b(Mat{ep + k * j.Co * NR, 1, NR}, NR, j.Co, bp);
          macro_kernel(j.Ci, j.Co, NR, 1.0f, ap, bp, NR * NR, 1.0f, mw + (gi * AA + k) * F, j.Co);
        }
      }
    }
  });
  for (int64_t p = 1; p < parts; ++p) axpy(size, 1.0f, acc + p * size, acc);
  // dw[o][i] += A_rᵀ S A_r, output channels in the lanes.
  parallel_for(j.G * j.Ci, [&](int64_t task, int) {
    const int64_t gi = task / j.Ci, i = task % j.Ci;
    for (int64_t o0 = 0; o0 < j.Co; o0 += W) {
      const int64_t n = imin(W, j.Co - o0);
      V m[AA], t[R * A], y[R * R];
      for (int k = 0; k < AA; ++k) m[k] = loadp(acc + (gi * AA + k) * F + i * j.Co + o0, n);
      for (int c = 0; c < A; ++c) at8<R>(m + c, A, t + c, A);
      for (int r = 0; r < R; ++r) at8<R>(t + r * A, 1, y + r * R, 1);
      alignas(64) float ys[R * R * W];
      for (int k = 0; k < R * R; ++k) store(ys + k * W, y[k]);
      for (int64_t l = 0; l < n; ++l) {
        float* w = dw + ((gi * j.Co + o0 + l) * j.Ci + i) * R * R;
        for (int k = 0; k < R * R; ++k) w[k] += ys[k * W + l];
      }
    }
  });
}

template <int R>
void convolve(const Job& j, const float* in, const Filters& f, float* out) {
  float* Up = scratch(kShared, j.G * AA * j.Co * j.Ci);
  float* Ut = scratch(kPlan, AA * j.Co * j.Ci);
  transform_filters<R>(f, j.G, j.Co, j.Ci, Up, Ut);
  run<R>(j, in, Up, out);
}

// The forward convolution's Job (the filter gradient's too: same input, tiles over the output).
Job forward_job(const ConvGeom& g) {
  return Job{g.num, g.group, g.channels / g.group, g.numOutput / g.group, g.height, g.width, g.outH, g.outW,
             g.padH, g.padW, int64_t(g.channels) * g.height * g.width, int64_t(g.numOutput) * g.outH * g.outW};
}

bool plain(const ConvGeom& g) {
  return enabled() && g.kernelH == g.kernelW && g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 &&
         g.dilationW == 1 && g.num > 0;
}

}  // namespace

bool winograd_forward_fits(const ConvGeom& g) {
  return plain(g) && pays(g.kernelH, g.num, g.channels / g.group, g.numOutput / g.group, g.outH, g.outW);
}

bool winograd_backward_filter_fits(const ConvGeom& g) {
  // The filter gradient also pays per call for its 64 Ci Co partial sums a thread (zeroed, added,
  // transformed): with fewer than 128 tiles in the batch that lost (GoogLeNet's 7 x 7 layers).
  return plain(g) && g.num * tiles_of(g.kernelH, g.outH, g.outW) >= 128 && pays(g.kernelH, g.num, g.channels / g.group, g.numOutput / g.group, g.outH, g.outW);
}

bool winograd_backward_data_fits(const ConvGeom& g) {
  return plain(g) && g.padH < g.kernelH && g.padW < g.kernelW &&
         pays(g.kernelH, g.num, g.numOutput / g.group, g.channels / g.group, g.height, g.width);
}

void conv_forward_winograd(const ConvGeom& g, const float* x, const float* w, float* y) {
  const int64_t r = g.kernelH, Cg = g.channels / g.group, Mg = g.numOutput / g.group;
  const Job j = forward_job(g);
  const Filters f{w, Mg * Cg * r * r, Cg * r * r, r * r, r, 1};
  if (r == 5) convolve<5>(j, x, f, y);
  else convolve<3>(j, x, f, y);
}

void conv_backward_data_winograd(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  // dx = the correlation of dy (Mg channels) with w turned by 180 degrees: output channel c, input
  // channel k, tap (a, b) = w[k][c][r - 1 - a][r - 1 - b].
  const int64_t r = g.kernelH, Cg = g.channels / g.group, Mg = g.numOutput / g.group;
  const Job j{g.num, g.group, Mg, Cg, g.outH, g.outW, g.height, g.width, r - 1 - g.padH, r - 1 - g.padW,
              int64_t(g.numOutput) * g.outH * g.outW, int64_t(g.channels) * g.height * g.width};
  const Filters f{w + r * r - 1, Mg * Cg * r * r, r * r, Cg * r * r, -r, -1};
  if (r == 5) convolve<5>(j, dy, f, dx);
  else convolve<3>(j, dy, f, dx);
}

void conv_backward_filter_winograd(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const Job j = forward_job(g);
  if (g.kernelH == 5) filter_grad<5>(j, x, dy, dw);
  else filter_grad<3>(j, x, dy, dw);
}

}  // namespace CORTADO_ISA
}  // namespace cortado
