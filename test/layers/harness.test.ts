/**
 * The harness must be able to fail: run against a JsBackend with one kernel sabotaged, the
 * gradient and equivalence checks report the fault; given a wrong formula, or a wrong forward, the
 * forward-reference check reports it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { equivalenceCheck } from '../harness/equivalence.js';
import { forwardReferenceCheck } from '../harness/forward-reference.js';
import { gradientCheck } from '../harness/gradcheck.js';
import type { ForwardReference } from '../harness/references/index.js';
import * as ref from '../harness/references/index.js';
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

describe('forward-reference self-check', () => {
  const f64 = new JsBackend('float64');
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const elementwise = (f: (v: number) => number): ForwardReference => ([x]) => [x.map(f)];

  it('passes with the rows\' own references (control)', () => {
    for (const name of ['sigmoid', 'tanh', 'relu-leaky', 'softmax-axis2']) assert.deepEqual(forwardReferenceCheck(f64, find(name)), [], name);
  });

  it('catches a wrong formula: Swish-like x tanh(x) or x σ(x) for TanH and Sigmoid, a forgotten slope, the wrong softmax axis', () => {
    const wrong: [string, ForwardReference][] = [
      ['tanh', elementwise((v) => v * Math.tanh(v))],
      ['sigmoid', elementwise((v) => v * sigmoid(v))],
      ['relu-leaky', elementwise((v) => Math.max(v, 0))],
      ['softmax-axis2', (x, p, row) => ref.softmax(x, p, { ...row, config: { ...row.config, axis: 1 } })],
    ];
    for (const [name, reference] of wrong) {
      const problems = forwardReferenceCheck(f64, find(name), reference);
      assert.ok(problems.some((m) => m.includes('values differ')), `${name}: ${problems.join('; ')}`);
    }
  });

  it('catches a wrong forward kernel, which the equivalence check (against JsBackend itself) cannot see', () => {
    const b = sabotage(new JsBackend('float64'), (o) => ({
      neuronForward: (op, n, x, y, alpha) => {
        o.neuronForward(op, n, x, y, alpha);
        if (op === 'sigmoid') o.mul(n, x, y, y); // Swish x σ(x) instead of σ(x)
      },
    }));
    assert.ok(forwardReferenceCheck(b, find('sigmoid')).length > 0);
    assert.ok(forwardReferenceCheck(b, find('ip-neuron-Sigmoid')).length > 0);
    assert.deepEqual(forwardReferenceCheck(b, find('tanh')), []);
  });

  it('every row\'s comparison can fail: nudging one value of its reference by 1e-7 is reported', () => {
    for (const c of layerCases.filter((k) => k.reference)) {
      const nudged: ForwardReference = (x, p, row) => {
        const out = c.reference!(x, p, row);
        const k = out.findIndex((t) => t.length > 0);
        assert.ok(k >= 0, `case "${c.name}": the reference gives no values to compare`);
        out[k][0] += 1e-7 * (1 + Math.abs(out[k][0]));
        return out;
      };
      assert.ok(forwardReferenceCheck(f64, c, nudged).length > 0, `case "${c.name}": a nudged reference still passes`);
    }
  });

  it('reports a reference with the wrong number of tops or values', () => {
    const c = find('split2');
    assert.ok(forwardReferenceCheck(f64, c, ([x]) => [x]).some((m) => m.includes('2 tops')));
    assert.ok(forwardReferenceCheck(f64, c, ([x]) => [x, x.subarray(1)]).some((m) => m.includes('values')));
  });
});
