/**
 * Cache-blocked GEMM for the TypeScript backend, row-major:
 *   C = alpha op(A) op(B) + beta C,   op(A) M×K, op(B) K×N, C M×N.
 *
 * Scheme (Goto's): C is first scaled by beta (beta = 0 stores zeros, so NaN in C is overwritten).
 * Then for each block of KC rows of op(B) and NC columns, the block is packed into `bp` as
 * micro-panels of NR columns (kc × NR, row after row); for each block of MC rows of op(A), alpha
 * op(A) is packed into `ap` as micro-panels of MR rows (kc × MR). A 4 × 4 micro-kernel multiplies
 * one A micro-panel with one B micro-panel in 16 local accumulators and adds the tile into C.
 * Panels are zero-padded to multiples of MR and NR, so the kernel never branches on edges; only
 * the final store does. Packing makes all four transpose cases the same kernel.
 *
 * Arithmetic is in float64 (JS numbers) whatever the storage type; C is rounded to its storage
 * type once per KC block.
 */
import type { HostArray } from '../backend.js';

const MR = 4;
const NR = 4;
/** Block sizes: an A block (MC × KC doubles) fits L2, a B micro-panel (KC × NR) fits L1. */
const KC = 256;
const MC = 64;
const NC = 1024;

export class Gemm {
  /** Packed panels, allocated on first use and grown when a call needs more. */
  private ap = new Float64Array(0);
  private bp = new Float64Array(0);

  /**
   * C[cOff ...] = alpha op(A) op(B) + beta C, the matrices starting at element offsets aOff, bOff,
   * cOff of their arrays, with leading dimensions of dense row-major storage (A: K, or M when
   * transA; B: N, or K when transB; C: N).
   */
  run(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: HostArray, aOff: number, B: HostArray, bOff: number, beta: number, C: HostArray, cOff: number): void {
    if (M <= 0 || N <= 0) return;
    scaleC(M * N, beta, C, cOff);
    if (K <= 0 || alpha === 0) return;
    const nc0 = Math.min(NC, roundUp(N, NR));
    const kc0 = Math.min(KC, K);
    const mc0 = Math.min(MC, roundUp(M, MR));
    if (this.bp.length < kc0 * nc0) this.bp = new Float64Array(kc0 * nc0);
    if (this.ap.length < kc0 * mc0) this.ap = new Float64Array(kc0 * mc0);
    const ap = this.ap;
    const bp = this.bp;
    for (let jc = 0; jc < N; jc += NC) {
      const nc = Math.min(NC, N - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        packB(transB, K, N, B, bOff, pc, kc, jc, nc, bp);
        for (let ic = 0; ic < M; ic += MC) {
          const mc = Math.min(MC, M - ic);
          packA(transA, M, K, alpha, A, aOff, ic, mc, pc, kc, ap);
          macroKernel(mc, nc, kc, ap, bp, C, cOff + ic * N + jc, N);
        }
      }
    }
  }
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

function scaleC(n: number, beta: number, C: HostArray, off: number): void {
  if (beta === 1) return;
  const end = off + n;
  if (beta === 0) {
    C.fill(0, off, end);
  } else {
    for (let i = off; i < end; i++) C[i] *= beta;
  }
}

/** ap[s·kc·MR + p·MR + r] = alpha op(A)[ic + s·MR + r, pc + p], zero past row M. */
function packA(transA: boolean, M: number, K: number, alpha: number, A: HostArray, aOff: number,
  ic: number, mc: number, pc: number, kc: number, ap: Float64Array): void {
  const strips = Math.ceil(mc / MR);
  for (let s = 0; s < strips; s++) {
    let d = s * kc * MR;
    const i0 = ic + s * MR;
    const rows = Math.min(MR, ic + mc - i0);
    if (rows === MR && !transA) {
      // Four row streams read in step, so the writes are sequential.
      const r0 = aOff + i0 * K + pc, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
      for (let p = 0; p < kc; p++, d += MR) {
        ap[d] = alpha * A[r0 + p];
        ap[d + 1] = alpha * A[r1 + p];
        ap[d + 2] = alpha * A[r2 + p];
        ap[d + 3] = alpha * A[r3 + p];
      }
    } else if (rows === MR) {
      for (let p = 0, src = aOff + pc * M + i0; p < kc; p++, d += MR, src += M) {
        ap[d] = alpha * A[src];
        ap[d + 1] = alpha * A[src + 1];
        ap[d + 2] = alpha * A[src + 2];
        ap[d + 3] = alpha * A[src + 3];
      }
    } else {
      const rowStep = transA ? 1 : K, colStep = transA ? M : 1;
      const src0 = aOff + (transA ? pc * M + i0 : i0 * K + pc);
      for (let p = 0; p < kc; p++, d += MR) {
        for (let r = 0; r < MR; r++) ap[d + r] = r < rows ? alpha * A[src0 + r * rowStep + p * colStep] : 0;
      }
    }
  }
}

/** bp[t·kc·NR + p·NR + q] = op(B)[pc + p, jc + t·NR + q], zero past column N. */
function packB(transB: boolean, K: number, N: number, B: HostArray, bOff: number,
  pc: number, kc: number, jc: number, nc: number, bp: Float64Array): void {
  const full = Math.floor(nc / NR);
  const panel = kc * NR;
  if (!transB) {
    // Row by row of B, so reads are sequential; each row scatters NR values into every panel.
    for (let p = 0; p < kc; p++) {
      const src = bOff + (pc + p) * N + jc;
      let d = p * NR;
      for (let t = 0; t < full; t++, d += panel) {
        const o = src + t * NR;
        bp[d] = B[o];
        bp[d + 1] = B[o + 1];
        bp[d + 2] = B[o + 2];
        bp[d + 3] = B[o + 3];
      }
    }
  } else {
    for (let t = 0; t < full; t++) {
      const s0 = bOff + (jc + t * NR) * K + pc, s1 = s0 + K, s2 = s1 + K, s3 = s2 + K;
      for (let p = 0, d = t * panel; p < kc; p++, d += NR) {
        bp[d] = B[s0 + p];
        bp[d + 1] = B[s1 + p];
        bp[d + 2] = B[s2 + p];
        bp[d + 3] = B[s3 + p];
      }
    }
  }
  const cols = nc - full * NR;
  if (cols === 0) return;
  const j0 = jc + full * NR;
  const rowStep = transB ? 1 : N, colStep = transB ? K : 1;
  const src0 = bOff + (transB ? j0 * K + pc : pc * N + j0);
  for (let p = 0, d = full * panel; p < kc; p++, d += NR) {
    for (let q = 0; q < NR; q++) bp[d + q] = q < cols ? B[src0 + p * rowStep + q * colStep] : 0;
  }
}

/** C[c0 + i·ldc + j] += (packed A block × packed B block)[i, j] for i < mc, j < nc. */
function macroKernel(mc: number, nc: number, kc: number, ap: Float64Array, bp: Float64Array,
  C: HostArray, c0: number, ldc: number): void {
  const step = kc * MR;
  for (let j = 0; j < nc; j += NR) {
    const pb0 = (j / NR) * kc * NR;
    const cols = Math.min(NR, nc - j);
    for (let i = 0; i < mc; i += MR) {
      let pa = (i / MR) * step;
      let pb = pb0;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < kc; p++, pa += MR, pb += NR) {
        const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
        const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const rows = Math.min(MR, mc - i);
      let c = c0 + i * ldc + j;
      if (rows === MR && cols === NR) {
        C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += ldc;
        C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += ldc;
        C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += ldc;
        C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
      } else {
        storeEdge(C, c, ldc, cols, c00, c01, c02, c03, 0);
        if (rows > 1) storeEdge(C, c, ldc, cols, c10, c11, c12, c13, 1);
        if (rows > 2) storeEdge(C, c, ldc, cols, c20, c21, c22, c23, 2);
        if (rows > 3) storeEdge(C, c, ldc, cols, c30, c31, c32, c33, 3);
      }
    }
  }
}

/** Adds row `r` of a partial tile (only its first `cols` values) into C. */
function storeEdge(C: HostArray, c: number, ldc: number, cols: number,
  v0: number, v1: number, v2: number, v3: number, r: number): void {
  const o = c + r * ldc;
  C[o] += v0;
  if (cols > 1) C[o + 1] += v1;
  if (cols > 2) C[o + 2] += v2;
  if (cols > 3) C[o + 3] += v3;
}
