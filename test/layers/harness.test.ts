/**
 * The harness must be able to fail: run against a JsBackend with one kernel sabotaged, the
 * gradient and equivalence checks report the fault.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { equivalenceCheck } from '../harness/equivalence.js';
import { gradientCheck } from '../harness/gradcheck.js';
import { layerCases, type LayerCase } from '../harness/layer-cases.js';

/** `base` with some methods replaced; `orig` calls the real one. */
function sabotage(base: Backend, patch: (orig: Backend) => Partial<Backend>): Backend {
  const overrides = patch(base) as Record<string | symbol, unknown>;
  return new Proxy(base, {
    get(target, key) {
      if (key in overrides) return overrides[key];
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const find = (name: string): LayerCase => {
  const c = layerCases.find((x) => x.name === name);
  assert.ok(c, `no case "${name}"`);
  return c;
};

describe('harness self-check', () => {
  it('gradient check passes on the real backend (control)', () => {
    assert.equal(gradientCheck(new JsBackend('float64'), find('ip-neuron-Sigmoid')).mismatches.length, 0);
  });

  it('gradient check catches a wrong derivative', () => {
    const b = sabotage(new JsBackend('float64'), (o) => ({
      neuronBackward: (op, n, y, dy, dx, alpha) => { o.neuronBackward(op, n, y, dy, dx, alpha); o.scal(n, 1.01, dx); },
    }));
    const r = gradientCheck(b, find('ip-neuron-Sigmoid'));
    assert.ok(r.mismatches.some((m) => m.what.startsWith('bottom')), 'bottom gradient error not caught');
    assert.ok(r.mismatches.some((m) => m.what.startsWith('param')), 'parameter gradient error not caught');
  });

  it('gradient check catches a backward that accumulates into the bottom diff instead of overwriting', () => {
    const b = sabotage(new JsBackend('float64'), (o) => ({
      poolBackward: (g, method, dy, mask, dx) => {
        const n = g.num * g.channels * g.height * g.width;
        const tmp = o.alloc(n);
        o.poolBackward(g, method, dy, mask, tmp);
        o.axpy(n, 1, tmp, dx);
      },
    }));
    assert.ok(gradientCheck(b, find('pool-max')).mismatches.length > 0);
  });

  it('gradient check catches a parameter gradient that overwrites instead of accumulating', () => {
    const b = sabotage(new JsBackend('float64'), (o) => ({
      biasBackward: (outer, channels, inner, dy, db) => { o.set(channels, 0, db); o.biasBackward(outer, channels, inner, dy, db); },
    }));
    const r = gradientCheck(b, find('conv'));
    assert.ok(r.mismatches.some((m) => m.what === 'param "bias"'));
    assert.ok(!r.mismatches.some((m) => m.what === 'param "weight"'));
  });

  it('equivalence check catches a kernel that differs from the reference', () => {
    const reference = new JsBackend('float32');
    const b = sabotage(new JsBackend('float32'), (o) => ({
      softmaxForward: (g, x, y) => { o.softmaxForward(g, x, y); o.scal(1, 1.001, y); },
    }));
    assert.deepEqual(equivalenceCheck(new JsBackend('float32'), reference, find('softmax')), []);
    const problems = equivalenceCheck(b, reference, find('softmax'));
    assert.ok(problems.some((p) => p.includes('top "y"')), problems.join('\n'));
  });
});
