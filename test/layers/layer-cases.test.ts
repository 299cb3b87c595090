/**
 * Every row of the layer-cases table: a float64 gradient check on JsBackend, and a float32
 * equivalence check of each available backend against JsBackend('float32').
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { availableBackends } from '../harness/backends.js';
import { equivalenceCheck } from '../harness/equivalence.js';
import { describeMismatches, gradientCheck } from '../harness/gradcheck.js';
import { layerCases } from '../harness/layer-cases.js';
import { buildCase, caseInputs } from '../harness/run-case.js';

describe('layer cases: table sanity', () => {
  it('has unique case names and covers every registered layer type', async () => {
    const names = layerCases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'duplicate case names');
    const { layerTypes } = await import('../../src/layers/index.js');
    const covered = new Set(layerCases.map((c) => c.config.type));
    const missing = [...layerTypes.keys()].filter((t) => !covered.has(t));
    assert.deepEqual(missing, [], `layer types without a case: ${missing.join(', ')}`);
  });
});

describe('layer cases: gradient check (JsBackend float64)', () => {
  const backend = new JsBackend('float64');
  for (const c of layerCases) {
    it(c.name, { skip: c.skipGradient }, () => {
      const r = gradientCheck(backend, c);
      assert.ok(r.checked > 0, `case "${c.name}": nothing was checked; set skipGradient if that is intended`);
      assert.equal(r.mismatches.length, 0, describeMismatches(c, r));
    });
  }
});

describe('layer cases: forward reference (JsBackend float64)', () => {
  const backend = new JsBackend('float64');
  for (const c of layerCases.filter((k) => k.reference)) {
    it(c.name, () => {
      const built = buildCase(backend, c, 42);
      const params: Record<string, Float64Array> = {};
      for (const p of built.layer.params) params[p.name] = Float64Array.from(p.blob.read());
      built.layer.forward(built.bottoms, built.tops);
      const expected = c.reference!(caseInputs(c, 42), params);
      built.tops.forEach((t, k) => {
        const y = t.read();
        assert.equal(y.length, expected[k].length, `top "${t.name}" size`);
        for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i] - expected[k][i]) <= 1e-12 + 1e-10 * Math.abs(expected[k][i]), `top "${t.name}"[${i}]: layer ${y[i]}, reference ${expected[k][i]}`);
      });
    });
  }
});

const backends = await availableBackends();
const reference = new JsBackend('float32');
for (const entry of backends) {
  describe(`layer cases: ${entry.name} float32 equals JsBackend float32`, { skip: entry.skip }, () => {
    if (entry.skip) return;
    const backend = entry.create();
    for (const c of layerCases) {
      it(c.name, () => {
        const problems = equivalenceCheck(backend, reference, c);
        assert.deepEqual(problems, [], problems.join('\n'));
      });
    }
  });
}
