/**
 * WGSL kernels of memory, BLAS and elementwise methods. Parameter words are listed per kernel as
 * [word: meaning]; offsets are element offsets into the arena.
 */
import { elementwise, reduction, POWX, PRELUDE } from './wgsl-common.js';

export const blasKernels: Record<string, string> = {
  /** [0 n, 1 alpha, 2 y] y = alpha */
  set: elementwise('  m[u(2) + i] = f(1);'),
  /** [0 n, 1 x, 2 y] y = x */
  copy: elementwise('  m[u(2) + i] = m[u(1) + i];'),
  /** [0 n, 1 alpha, 2 x] x *= alpha */
  scal: elementwise('  m[u(2) + i] = f(1) * m[u(2) + i];'),
  /** [0 n, 1 alpha, 2 y] y += alpha */
  addScalar: elementwise('  m[u(2) + i] = m[u(2) + i] + f(1);'),
  /** [0 n, 1 lo, 2 hi, 3 x, 4 y] y = x < lo ? lo : x > hi ? hi : x (NaN stays NaN) */
  clamp: elementwise(`
  let v = m[u(3) + i];
  m[u(4) + i] = select(select(select(v, f(2), v > f(2)), f(1), v < f(1)), v, isNan(v));`),
  /** [0 n, 1 lo, 2 hi, 3 x, 4 a, 5 b, 6 y] y = lo <= x <= hi ? a : b (NaN where x is NaN) */
  where: elementwise(`
  let v = m[u(3) + i];
  m[u(6) + i] = select(select(m[u(5) + i], m[u(4) + i], v >= f(1) && v <= f(2)), v, isNan(v));`),
  /** [0 n, 1 alpha, 2 x, 3 y] y += alpha x */
  axpy: elementwise('  m[u(3) + i] = m[u(3) + i] + f(1) * m[u(2) + i];'),
  /** [0 n, 1 alpha, 2 x, 3 beta, 4 y] y = alpha x + beta y (beta = 0: y is not read) */
  axpby: elementwise(`
  let ax = f(1) * m[u(2) + i];
  if (f(3) == 0.0) { m[u(4) + i] = ax; } else { m[u(4) + i] = ax + f(3) * m[u(4) + i]; }`),
  /** [0 n, 1 a, 2 b, 3 y, 4 op: 0 add 1 sub 2 mul 3 div] */
  binary: elementwise(`
  let a = m[u(1) + i];
  let b = m[u(2) + i];
  var r: f32;
  switch u(4) {
    case 0u: { r = a + b; }
    case 1u: { r = a - b; }
    case 2u: { r = a * b; }
    default: { r = a / b; }
  }
  m[u(3) + i] = r;`),
  /** [0 n, 1 a, 2 y, 3 op: 0 powx 1 exp 2 log 3 abs 4 sign, 4 p] */
  unary: elementwise(`
  let a = m[u(1) + i];
  var r: f32;
  switch u(3) {
    case 0u: { r = powx(a, f(4)); }
    case 1u: { r = exp(a); }
    case 2u: { r = log(a); }
    case 3u: { r = abs(a); }
    default: { r = select(select(0.0, -1.0, a < 0.0), 1.0, a > 0.0); }
  }
  m[u(2) + i] = r;`, POWX),
  /**
   * [0 rows of the output, 1 transA, 2 M, 3 N, 4 alpha, 5 A, 6 x, 7 beta, 8 y]
   * y = alpha op(A) x + beta y with A stored M×N.
   */
  gemv: elementwise(`
  let M = u(2);
  let N = u(3);
  var acc = 0.0;
  if (u(1) == 0u) {
    for (var j = 0u; j < N; j++) { acc += m[u(5) + i * N + j] * m[u(6) + j]; }
  } else {
    for (var r = 0u; r < M; r++) { acc += m[u(5) + r * N + i] * m[u(6) + r]; }
  }
  if (f(7) == 0.0) { m[u(8) + i] = f(4) * acc; } else { m[u(8) + i] = f(4) * acc + f(7) * m[u(8) + i]; }`),
  /** [0 n, 1 x, 2 y, 3 out, 4 mode: 0 dot 1 asum] m[out] = the sum */
  reduce: reduction(`
    if (u(4) == 0u) { a += m[u(1) + j] * m[u(2) + j]; } else { a += abs(m[u(1) + j]); }`, `
    m[u(3)] = a;`),
  /**
   * [0 batch·M·N, 1 N, 2 K, 3 alpha, 4 beta, 5 A, 6 B, 7 C, 8 transA, 9 transB, 10 M] one invocation
   * per element of C, for shapes where tiles would be mostly padding (a short K or a thin C); the
   * products of a batch lie one after another (A_p from p·M·K, B_p from p·K·N, C_p from p·M·N).
   */
  gemmDirect: elementwise(`
  let M = u(10);
  let N = u(1);
  let K = u(2);
  let p = i / (M * N);
  let e = i - p * M * N;
  let r = e / N;
  let c = e % N;
  let A = u(5) + p * M * K;
  let B = u(6) + p * K * N;
  var acc = 0.0;
  for (var k = 0u; k < K; k++) {
    let a = select(m[A + r * K + k], m[A + k * M + r], u(8) != 0u);
    let b = select(m[B + k * N + c], m[B + c * K + k], u(9) != 0u);
    acc += a * b;
  }
  let at = u(7) + i;
  if (f(4) == 0.0) { m[at] = f(3) * acc; } else { m[at] = f(3) * acc + f(4) * m[at]; }`),
  /**
   * [0 M, 1 N, 2 K, 3 alpha, 4 beta, 5 A, 6 B, 7 C, 8 transA, 9 transB]
   * C = alpha op(A) op(B) + beta C in 16×16 tiles staged through workgroup memory; workgroup z
   * takes product z of a batch stored one after another (A_z from z·M·K, B_z from z·K·N, C_z
   * from z·M·N).
   */
  gemm: `${PRELUDE}
var<workgroup> As: array<f32, 256>;
var<workgroup> Bs: array<f32, 256>;
fn loadA(a0: u32, r: u32, k: u32) -> f32 {
  if (r >= u(0) || k >= u(2)) { return 0.0; }
  if (u(8) == 0u) { return m[a0 + r * u(2) + k]; }
  return m[a0 + k * u(0) + r];
}
fn loadB(b0: u32, k: u32, c: u32) -> f32 {
  if (k >= u(2) || c >= u(1)) { return 0.0; }
  if (u(9) == 0u) { return m[b0 + k * u(1) + c]; }
  return m[b0 + c * u(2) + k];
}
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wg.y * 16u + lid.y;
  let col = wg.x * 16u + lid.x;
  let a0 = u(5) + wg.z * u(0) * u(2);
  let b0 = u(6) + wg.z * u(2) * u(1);
  var acc = 0.0;
  for (var t = 0u; t < u(2); t += 16u) {
    As[lid.y * 16u + lid.x] = loadA(a0, row, t + lid.x);
    Bs[lid.y * 16u + lid.x] = loadB(b0, t + lid.y, col);
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) { acc += As[lid.y * 16u + k] * Bs[k * 16u + lid.x]; }
    workgroupBarrier();
  }
  if (row < u(0) && col < u(1)) {
    let at = u(7) + wg.z * u(0) * u(1) + row * u(1) + col;
    if (f(4) == 0.0) { m[at] = f(3) * acc; } else { m[at] = f(3) * acc + f(4) * m[at]; }
  }
}`,
};
