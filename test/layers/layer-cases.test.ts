/**
 * Every row of the layer-cases table: a float64 gradient check on JsBackend, a float64 forward
 * against the row's independent reference, and a float32 equivalence check of each available
 * backend against JsBackend('float32'). Every row must have a reference or link the closed-form
 * test that checks its forward.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { availableBackends } from '../harness/backends.js';
import { equivalenceCheck } from '../harness/equivalence.js';
import { describeMismatches, gradientCheck } from '../harness/gradcheck.js';
import { layerCases } from '../harness/layer-cases.js';
import { forwardReferenceCheck } from '../harness/forward-reference.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

describe('layer cases: table sanity', () => {
  it('has unique case names and covers every registered layer type', async () => {
    const names = layerCases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'duplicate case names');
    const { layerTypes } = await import('../../src/layers/index.js');
    const covered = new Set(layerCases.map((c) => c.config.type));
    const missing = [...layerTypes.keys()].filter((t) => !covered.has(t));
    assert.deepEqual(missing, [], `layer types without a case: ${missing.join(', ')}`);
  });

  it('gives every row a forward reference or the closed-form test that checks its forward, and that test exists', () => {
    const without = layerCases.filter((c) => !c.reference && !c.referenceTest).map((c) => c.name);
    assert.deepEqual(without, [], `rows without a forward reference (set \`reference\`, or \`referenceTest\` where none can be written): ${without.join(', ')}`);
    for (const c of layerCases.filter((k) => k.referenceTest)) {
      const { file, test } = c.referenceTest!;
      const path = resolve(root, file);
      assert.ok(existsSync(path), `case "${c.name}": referenceTest file ${file} does not exist`);
      assert.ok(readFileSync(path, 'utf8').includes(test), `case "${c.name}": ${file} has no test "${test}"`);
    }
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
  for (const c of layerCases) {
    it(c.name, { skip: c.reference ? undefined : `checked by ${c.referenceTest?.file}` }, () => {
      const problems = forwardReferenceCheck(backend, c);
      assert.deepEqual(problems, [], `case "${c.name}":\n${problems.join('\n')}`);
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
