/**
 * The forward-reference check of a layer case: the layer's first forward on a float64 backend
 * against the row's independent reference (or another one, to show the check can fail), each
 * value within |actual - expected| <= 1e-12 + 1e-10 |expected|.
 */
import type { Backend } from '../../src/backend/backend.js';
import { releaseLayer } from './context.js';
import type { LayerCase } from './layer-cases.js';
import type { ForwardReference } from './references/index.js';
import { buildCase, caseInputs } from './run-case.js';

export const REFERENCE_ATOL = 1e-12;
export const REFERENCE_RTOL = 1e-10;

/** Runs `c` once and compares its tops with `reference`; returns one message per disagreement (empty when they agree). */
export function forwardReferenceCheck(backend: Backend, c: LayerCase, reference: ForwardReference | undefined = c.reference, seed = 42): string[] {
  if (!reference) return [`case "${c.name}" has no forward reference`];
  const built = buildCase(backend, c, seed);
  const params: Record<string, Float64Array> = {};
  for (const p of built.layer.params) params[p.name] = Float64Array.from(p.blob.read());
  built.layer.forward(built.bottoms, built.tops);
  const expected = reference(caseInputs(c, seed), params, { shapes: c.bottoms, config: c.config, phase: c.phase ?? 'train' });
  const problems: string[] = [];
  if (expected.length !== built.tops.length) problems.push(`the layer has ${built.tops.length} tops, the reference gives ${expected.length}`);
  built.tops.forEach((t, k) => {
    if (!expected[k]) return;
    const y = t.read();
    if (y.length !== expected[k].length) {
      problems.push(`top "${t.name}": the layer gives ${y.length} values, the reference ${expected[k].length}`);
      return;
    }
    const bad: string[] = [];
    for (let i = 0; i < y.length; i++) {
      if (!(Math.abs(y[i] - expected[k][i]) <= REFERENCE_ATOL + REFERENCE_RTOL * Math.abs(expected[k][i]))) bad.push(`[${i}] layer ${y[i]}, reference ${expected[k][i]}`);
    }
    if (bad.length) problems.push(`top "${t.name}": ${bad.length} of ${y.length} values differ, first ${bad.slice(0, 3).join('; ')}`);
  });
  releaseLayer(built);
  return problems;
}
