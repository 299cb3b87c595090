/**
 * Gradient check: for every bottom the layer propagates to and every parameter, the analytic
 * gradient of J (see run-case.ts) from backward is compared with central differences
 *   dJ/dv ≈ (J(v + h) - J(v - h)) / 2h
 * with relative error |a - n| / max(|a|, |n|, floor). Run on a float64 backend. Before every
 * forward the random source and the layer's state are restored, so stochastic layers (Dropout)
 * and stateful ones see the same masks and data each time.
 */
import type { Backend } from '../../src/backend/backend.js';
import type { Blob } from '../../src/core/blob.js';
import { Random } from '../../src/core/random.js';
import { stateSnapshot } from './context.js';
import type { LayerCase } from './layer-cases.js';
import { PARAM_DIFF_BASE, backward, buildCase, objective, propagateDown, topWeights } from './run-case.js';

export interface GradCheckOptions {
  /** The finite-difference step h (default 1e-5). */
  step?: number;
  /** Largest relative error allowed (default: the case's gradTolerance, else 1e-6). */
  tolerance?: number;
  /** Denominator floor of the relative error, for gradients near 0 (default 1e-3). */
  floor?: number;
  /** At most this many elements are checked per blob, chosen at random (default 200). */
  maxPerBlob?: number;
  seed?: number;
}

export interface GradMismatch {
  /** 'bottom "x"' or 'param "weight"'. */
  what: string;
  index: number;
  analytic: number;
  numeric: number;
  error: number;
}

export interface GradCheckResult {
  /** Elements compared. */
  checked: number;
  maxError: number;
  mismatches: GradMismatch[];
}

export function gradientCheck(backend: Backend, c: LayerCase, opts: GradCheckOptions = {}): GradCheckResult {
  const h = opts.step ?? 1e-5;
  const tolerance = opts.tolerance ?? c.gradTolerance ?? 1e-6;
  const floor = opts.floor ?? 1e-3;
  const seed = opts.seed ?? 42;
  const built = buildCase(backend, c, seed);
  const R = topWeights(built, seed);
  const restore = stateSnapshot(built);
  const J = (): number => {
    restore();
    built.layer.forward(built.bottoms, built.tops);
    return objective(built, R);
  };

  J();
  for (const p of built.layer.params) backend.set(p.blob.count, PARAM_DIFF_BASE, p.blob.diff);
  backward(built, R);
  const down = propagateDown(built);
  const targets: { what: string; blob: Blob; analytic: Float64Array }[] = [];
  built.bottoms.forEach((x, i) => {
    if (down[i]) targets.push({ what: `bottom "${x.name}"`, blob: x, analytic: Float64Array.from(x.readDiff()) });
  });
  for (const p of built.layer.params) {
    targets.push({ what: `param "${p.name}"`, blob: p.blob, analytic: Float64Array.from(p.blob.readDiff(), (v) => v - PARAM_DIFF_BASE) });
  }

  const pick = new Random(seed ^ 0xc0de);
  const result: GradCheckResult = { checked: 0, maxError: 0, mismatches: [] };
  for (const t of targets) {
    const values = Float64Array.from(t.blob.read());
    for (const i of sample(values.length, opts.maxPerBlob ?? 200, pick)) {
      const v = values[i];
      values[i] = v + h;
      t.blob.write(values);
      const plus = J();
      values[i] = v - h;
      t.blob.write(values);
      const minus = J();
      values[i] = v;
      t.blob.write(values);
      const numeric = (plus - minus) / (2 * h);
      const analytic = t.analytic[i];
      const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
      result.checked++;
      if (!(error <= result.maxError)) result.maxError = error;
      if (!(error <= tolerance)) result.mismatches.push({ what: t.what, index: i, analytic, numeric, error });
    }
  }
  return result;
}

/** Every index below n, or `max` of them at random. */
function sample(n: number, max: number, rng: Random): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  rng.shuffle(all);
  return all.slice(0, max).sort((a, b) => a - b);
}

/** One line per mismatch (at most `limit`), for assertion messages. */
export function describeMismatches(c: LayerCase, r: GradCheckResult, limit = 8): string {
  const lines = r.mismatches.slice(0, limit).map((m) =>
    `  ${m.what}[${m.index}]: analytic ${m.analytic.toPrecision(8)}, numeric ${m.numeric.toPrecision(8)}, relative error ${m.error.toExponential(2)}`);
  const more = r.mismatches.length > limit ? `\n  ... and ${r.mismatches.length - limit} more` : '';
  return `case "${c.name}": ${r.mismatches.length} of ${r.checked} gradient elements disagree\n${lines.join('\n')}${more}`;
}
