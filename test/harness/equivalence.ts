/**
 * Backend equivalence: a case runs forward and backward twice (so that parameter gradients
 * accumulate, data layers move on and dropout draws a second mask) on the backend under test and
 * on a reference backend (JsBackend('float32')), with the same seed and inputs; every top, every
 * propagated bottom diff and every parameter diff must agree within
 *   |actual - expected| <= atol + rtol |expected|.
 */
import type { Backend } from '../../src/backend/backend.js';
import type { LayerCase } from './layer-cases.js';
import { releaseLayer } from './context.js';
import { backward, buildCase, propagateDown, topWeights } from './run-case.js';

export interface EquivalenceOptions {
  rtol?: number;
  atol?: number;
  seed?: number;
}

/** The observable results of a case, by name: 'top "y"', 'bottom diff "x"', 'param diff "weight"'. */
export function runCase(backend: Backend, c: LayerCase, seed = 42): Map<string, Float64Array> {
  const built = buildCase(backend, c, seed);
  const R = topWeights(built, seed);
  for (const p of built.layer.params) p.blob.zeroDiff();
  for (let pass = 0; pass < 2; pass++) {
    built.layer.forward(built.bottoms, built.tops);
    backward(built, R);
  }
  const out = new Map<string, Float64Array>();
  for (const t of built.tops) out.set(`top "${t.name}"`, Float64Array.from(t.read()));
  const down = propagateDown(built);
  built.bottoms.forEach((x, i) => { if (down[i]) out.set(`bottom diff "${x.name}"`, Float64Array.from(x.readDiff())); });
  for (const p of built.layer.params) out.set(`param diff "${p.name}"`, Float64Array.from(p.blob.readDiff()));
  releaseLayer(built);
  return out;
}

/** Runs `c` on both backends; returns one message per disagreeing result (empty when equivalent). */
export function equivalenceCheck(backend: Backend, reference: Backend, c: LayerCase, opts: EquivalenceOptions = {}): string[] {
  const rtol = opts.rtol ?? 1e-4;
  const atol = opts.atol ?? 1e-5;
  const actual = runCase(backend, c, opts.seed);
  const expected = runCase(reference, c, opts.seed);
  const problems: string[] = [];
  for (const [key, e] of expected) {
    const a = actual.get(key);
    if (!a || a.length !== e.length) {
      problems.push(`case "${c.name}" ${key}: ${backend.name} gave ${a ? a.length : 'no'} values, ${reference.name} ${e.length}`);
      continue;
    }
    let bad = 0;
    let first = -1;
    for (let i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
        bad++;
        if (first < 0) first = i;
      }
    }
    if (bad > 0) {
      problems.push(`case "${c.name}" ${key}: ${bad} of ${e.length} values differ; first at [${first}]: ${backend.name} ${a[first]}, ${reference.name} ${e[first]} (rtol ${rtol}, atol ${atol})`);
    }
  }
  return problems;
}
