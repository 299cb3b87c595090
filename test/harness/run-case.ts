/**
 * Running one row of the layer-cases table: its inputs, the fixed random weights R of its
 * objective, and one forward + backward pass. Shared by the gradient and equivalence checks.
 *
 * The objective is J = Σ_k Σ top_k ⊙ R_k, or lossWeight × top_0[0] for a loss layer (a layer whose
 * lossWeight is not 0), so backward receives dJ/dtop_k = R_k (or lossWeight, Caffe's convention;
 * Cortado's loss layers apply their lossWeight themselves).
 */
import type { Backend } from '../../src/backend/backend.js';
import { Random } from '../../src/core/random.js';
import { buildLayer, type BuiltLayer } from './context.js';
import { distinct, type LayerCase } from './layer-cases.js';

/** What parameter diffs hold before backward, so that a layer overwriting them instead of accumulating is caught. */
export const PARAM_DIFF_BASE = 0.25;

export function caseInputs(c: LayerCase, seed: number): Float64Array[] {
  const rng = new Random(seed ^ 0x5eed);
  return c.bottoms.map((shape, i) => (c.inputs?.[i] ?? distinct())(shape, rng));
}

/** Builds the case's layer on `backend` with the case's inputs. */
export function buildCase(backend: Backend, c: LayerCase, seed: number): BuiltLayer {
  return buildLayer(backend, c.config, c.bottoms, { phase: c.phase ?? 'train', seed, values: caseInputs(c, seed), existingParams: c.existingParams });
}

/** R_k in [-1, 1) for every top. */
export function topWeights(built: BuiltLayer, seed: number): Float64Array[] {
  const rng = new Random(seed ^ 0xd1ff);
  return built.tops.map((t) => {
    const r = new Float64Array(t.count);
    rng.fillUniform(r, -1, 1);
    return r;
  });
}

export function isLoss(built: BuiltLayer): boolean {
  return built.layer.lossWeight !== 0;
}

/** J for the tops' current data. */
export function objective(built: BuiltLayer, R: Float64Array[]): number {
  if (isLoss(built)) return built.layer.lossWeight * built.tops[0].read()[0];
  let j = 0;
  built.tops.forEach((t, k) => {
    const y = t.read();
    for (let i = 0; i < y.length; i++) j += y[i] * R[k][i];
  });
  return j;
}

/** Which bottoms receive a gradient. */
export function propagateDown(built: BuiltLayer): boolean[] {
  return built.bottoms.map((_, i) => built.layer.propagatesTo(i));
}

/**
 * Seeds the tops' diffs with dJ/dtop, fills the propagated bottoms' diffs with NaN (backward must
 * overwrite them) and runs backward; parameter diffs accumulate onto what they hold.
 */
export function backward(built: BuiltLayer, R: Float64Array[]): void {
  const b = built.ctx.backend;
  built.tops.forEach((t, k) => {
    if (k === 0 && isLoss(built)) b.set(t.count, built.layer.lossWeight, t.diff);
    else t.writeDiff(R[k]);
  });
  const down = propagateDown(built);
  built.bottoms.forEach((x, i) => { if (down[i]) b.set(x.count, NaN, x.diff); });
  built.layer.backward(built.tops, down, built.bottoms);
}
