/** Reference kernels of the structural layers: ArgMax's top-k selection and strided block copies. */
import type { ClassGeom, HostArray } from '../backend.js';

/**
 * For each (o, i) of x seen as [outer, classes, inner]: the `topK` largest x[o, c, i] in decreasing
 * order, ties to the lower c; indices[o, k, i] = c (as a float), values[o, k, i] = x[o, c, i].
 * Repeated scans (O(topK · classes)), each picking the best pair ranked after the previous pick,
 * exactly as the CUDA kernel does.
 */
export function topK(g: ClassGeom, k: number, x: HostArray, indices: HostArray, values: HostArray): void {
  const { outer, classes, inner } = g;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * classes * inner + i;
      let prevV = 0;
      let prevC = -1;
      for (let j = 0; j < k; j++) {
        let best = -1;
        let bestV = -Infinity;
        for (let c = 0; c < classes; c++) {
          const v = x[base + c * inner];
          const after = j === 0 || v < prevV || (v === prevV && c > prevC);
          if (after && (best < 0 || v > bestV)) {
            best = c;
            bestV = v;
          }
        }
        const out = (o * k + j) * inner + i;
        indices[out] = best;
        values[out] = bestV;
        prevV = bestV;
        prevC = best;
      }
    }
  }
}

/**
 * dst[to + j] = src[from + j] for j < n: through a subarray for long runs, value by value for short
 * ones, where a subarray (tens of nanoseconds) would cost more than the copy (copy2d's rows,
 * gather's, a transpose's rows of one value).
 */
export function copyRun(src: HostArray, from: number, dst: HostArray, to: number, n: number): void {
  if (n >= 64) dst.set(src.subarray(from, from + n), to);
  else for (let j = 0; j < n; j++) dst[to + j] = src[from + j];
}

/** dst[r dstStride + j] = src[r srcStride + j] (or +=) for r < rows, j < cols. */
export function copy2d(rows: number, cols: number, src: HostArray, srcStride: number, dst: HostArray, dstStride: number, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride, d = r * dstStride;
    if (accumulate) for (let j = 0; j < cols; j++) dst[d + j] += src[s + j];
    else copyRun(src, s, dst, d, cols);
  }
}
