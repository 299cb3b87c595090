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

/** dst[r dstStride + j] = src[r srcStride + j] (or +=) for r < rows, j < cols. */
export function copy2d(rows: number, cols: number, src: HostArray, srcStride: number, dst: HostArray, dstStride: number, accumulate: boolean): void {
  // Short rows are copied value by value: a subarray per row costs more than the copy (as in gather).
  const whole = !accumulate && cols >= 64;
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride, d = r * dstStride;
    if (accumulate) for (let j = 0; j < cols; j++) dst[d + j] += src[s + j];
    else if (whole) dst.set(src.subarray(s, s + cols), d);
    else for (let j = 0; j < cols; j++) dst[d + j] = src[s + j];
  }
}
