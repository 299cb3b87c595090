/**
 * Parameter constraints (Mocha's), applied by the solver to a parameter right after each update.
 *
 * L2Cons: the parameter seen as [shape[0], count / shape[0]] (one row per output unit: a weight
 * [numOutput, ...] row-major, as Caffe stores InnerProduct and Convolution weights; each element of
 * a 1-d parameter is its own row) has every row w_r rescaled so that ‖w_r‖₂ <= threshold:
 *   w_r ← w_r · min(1, threshold / ‖w_r‖₂)
 * Written against Backend primitives (squared norms by gemv, the row scales broadcast by gemm), so
 * it runs on every backend; one download of the row norms per call.
 */
import type { Backend, Buf } from '../backend/backend.js';
import type { Blob } from '../core/blob.js';
import { ConfigReader, type Raw } from '../core/config.js';

export interface Constraint {
  readonly type: string;
  /** Projects the parameter's data onto the constraint set, in place. */
  apply(backend: Backend, blob: Blob): void;
}

interface Scratch {
  squares: Buf;
  ones: Buf;
  norms: Buf;
  full: Buf;
}

/** Each row rescaled to L2 norm at most `threshold` (> 0). */
export function l2Cons(threshold: number): Constraint {
  const scratch = new WeakMap<Blob, Scratch>();
  return {
    type: 'L2Cons',
    apply(b, blob) {
      const rows = blob.shape.length > 0 ? blob.shape[0] : 1;
      const cols = blob.count / rows;
      let s = scratch.get(blob);
      if (!s) {
        s = { squares: b.alloc(blob.count), ones: b.alloc(cols), norms: b.alloc(rows), full: b.alloc(blob.count) };
        b.set(cols, 1, s.ones);
        scratch.set(blob, s);
      }
      b.mul(blob.count, blob.data, blob.data, s.squares);
      b.gemv(false, rows, cols, 1, s.squares, s.ones, 0, s.norms);
      const sq = b.download(s.norms);
      const scale = new Float64Array(rows);
      let any = false;
      for (let r = 0; r < rows; r++) {
        const norm = Math.sqrt(sq[r]);
        scale[r] = norm > threshold ? threshold / norm : 1;
        if (scale[r] !== 1) any = true;
      }
      if (!any) return;
      b.upload(s.norms, scale);
      b.gemm(false, false, rows, cols, 1, 1, s.norms, s.ones, 0, s.full);
      b.mul(blob.count, blob.data, s.full, blob.data);
    },
  };
}

/** Reads `{ type: 'L2Cons', threshold: 4.5 }`; undefined when `raw` is. */
export function parseConstraint(raw: unknown, where: string): Constraint | undefined {
  if (raw === undefined) return undefined;
  const r = new ConfigReader(raw as Raw, where);
  r.oneOf('type', ['L2Cons'] as const);
  const c = l2Cons(r.number('threshold', undefined, { above: 0 }));
  r.finish();
  return c;
}

/** Reads constraint field `key` of a layer definition (undefined when absent). */
export function readConstraint(r: ConfigReader, key: string): Constraint | undefined {
  return r.custom(key, parseConstraint);
}
