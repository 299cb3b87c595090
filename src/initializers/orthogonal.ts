/**
 * Orthogonal initializer (Saxe et al.): the weight seen as a matrix [shape[0], count / shape[0]]
 * gets orthonormal rows (when it has no more rows than columns) or orthonormal columns (otherwise),
 * times `gain`. The vectors are Gaussian draws from the run's random source made orthonormal by
 * modified Gram-Schmidt, which is the Q of a QR decomposition with a positive diagonal in R, so
 * the result is uniformly distributed over orthogonal matrices.
 */
import type { Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import type { Random } from '../core/random.js';
import type { HostFill, Initializer } from './initializer.js';

export function orthogonal(gain = 1): Initializer {
  return {
    type: 'Orthogonal',
    fill: (out: HostFill, shape: Shape, rng: Random) => {
      const rows = shape.length > 0 ? shape[0] : 1;
      const cols = countOf(shape) / rows;
      const k = Math.min(rows, cols);
      const len = Math.max(rows, cols);
      const q = Array.from({ length: k }, () => {
        const v = new Float64Array(len);
        rng.fillNormal(v);
        return v;
      });
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < i; j++) {
          let d = 0;
          for (let t = 0; t < len; t++) d += q[i][t] * q[j][t];
          for (let t = 0; t < len; t++) q[i][t] -= d * q[j][t];
        }
        let norm = 0;
        for (let t = 0; t < len; t++) norm += q[i][t] * q[i][t];
        norm = Math.sqrt(norm);
        for (let t = 0; t < len; t++) q[i][t] /= norm;
      }
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows <= cols ? q[r][c] : q[c][r]);
      }
    },
  };
}
