/**
 * Layer normalization over rows of D values (x seen as [rows, D]), the arithmetic of the LayerNorm
 * layer:
 *
 *   forward   μ_r = mean_d x[r, d];  rstd[r] = 1 / sqrt(mean_d (x[r, d] - μ_r)² + eps)
 *             xhat = (x - μ_r) rstd[r];  y = scale[d] xhat + bias[d]  (y = xhat without them)
 *   backward  g = scale[d] dy (dy without a scale)
 *             dx = (g - mean_d g - xhat mean_d(g xhat)) rstd[r]
 *
 * The variance is taken about the mean in a second pass (not E[x²] - μ², which cancels when |μ| is
 * large next to σ). Sums run in float64 whatever the storage.
 */
import type { HostArray } from '../backend.js';

export function layerNormForward(rows: number, D: number, eps: number, x: HostArray, scale: HostArray | null,
  bias: HostArray | null, xhat: HostArray, rstd: HostArray, y: HostArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let s = 0;
    for (let d = 0; d < D; d++) s += x[o + d];
    const mean = s / D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[o + d] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / D + eps);
    rstd[r] = inv;
    for (let d = 0; d < D; d++) {
      const t = (x[o + d] - mean) * inv;
      xhat[o + d] = t;
      y[o + d] = scale ? scale[d] * t + bias![d] : t;
    }
  }
}

export function layerNormBackward(rows: number, D: number, xhat: HostArray, rstd: HostArray, dy: HostArray,
  scale: HostArray | null, dx: HostArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let sg = 0, sgx = 0;
    for (let d = 0; d < D; d++) {
      const g = scale ? scale[d] * dy[o + d] : dy[o + d];
      sg += g;
      sgx += g * xhat[o + d];
    }
    const mg = sg / D, mgx = sgx / D, inv = rstd[r];
    for (let d = 0; d < D; d++) {
      const g = scale ? scale[d] * dy[o + d] : dy[o + d];
      dx[o + d] = (g - mg - xhat[o + d] * mgx) * inv;
    }
  }
}
