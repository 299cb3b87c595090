/** L2Cons: rows rescaled to the threshold, configured per layer, applied by the solver after each update. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Blob } from '../../src/core/blob.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { l2Cons, parseConstraint } from '../../src/constraints/constraint.js';
import { Solver } from '../../src/solver/solver.js';

const backend = new JsBackend('float64');

function rowNorms(values: ArrayLike<number>, rows: number): number[] {
  const cols = values.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let j = 0; j < cols; j++) s += values[r * cols + j] ** 2;
    return Math.sqrt(s);
  });
}

describe('L2Cons', () => {
  it('rescales the rows above the threshold to it and leaves the others alone', () => {
    const blob = new Blob(backend, 'w', [3, 2, 1, 2]);
    const w = [3, 4, 0, 0, 0.1, 0.2, 0.3, 0.4, 1, 1, 1, 1];
    blob.write(w);
    const cons = l2Cons(2);
    cons.apply(backend, blob);
    const out = [...blob.read()];
    assert.deepEqual(rowNorms(out, 3).map((v) => Math.round(v * 1e12) / 1e12), [2, rowNorms(w, 3)[1], 2].map((v) => Math.round(v * 1e12) / 1e12));
    out.slice(0, 4).forEach((v, i) => assert.ok(Math.abs(v - w[i] * 0.4) < 1e-12));
    assert.deepEqual(out.slice(4, 8), w.slice(4, 8));
    cons.apply(backend, blob);
    assert.ok(rowNorms(blob.read(), 3).every((n) => n <= 2 + 1e-12));
  });

  it('a 1-d parameter is bounded element by element', () => {
    const blob = new Blob(backend, 'b', [3]);
    blob.write([-5, 0.5, 3]);
    l2Cons(1).apply(backend, blob);
    assert.deepEqual([...blob.read()], [-1, 0.5, 1]);
  });

  it('reads { type: "L2Cons", threshold } and rejects anything else', () => {
    assert.equal(parseConstraint(undefined, 'here'), undefined);
    assert.equal(parseConstraint({ type: 'L2Cons', threshold: 4.5 }, 'here')?.type, 'L2Cons');
    assert.throws(() => parseConstraint({ type: 'L2Cons' }, 'here'), (e: Error) => e instanceof ConfigError && /here: field "threshold"/.test(e.message));
    assert.throws(() => parseConstraint({ type: 'L2Cons', threshold: 0 }, 'here'), /"threshold" must be > 0/);
    assert.throws(() => parseConstraint({ type: 'L1Cons', threshold: 1 }, 'here'), /"type" must be one of 'L2Cons'/);
  });
});

describe('weightCons on layers, applied by the solver', () => {
  const defs = (cons: Record<string, unknown>): LayerConfig[] => [
    { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4, data: [
      { values: new Float64Array(2 * 8 * 5 * 5).map((_, i) => 3 * Math.sin(i * 1.3)), shape: [8, 2, 5, 5] },
      { values: new Float64Array(8).map((_, i) => i % 3), shape: [8] },
    ] },
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 3, kernel: 3, weightInit: { type: 'Gaussian', std: 2 }, ...cons },
    { type: 'InnerProduct', name: 'ip', bottoms: ['c'], tops: ['score'], numOutput: 3, weightInit: { type: 'Gaussian', std: 2 }, ...cons },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'] },
  ];

  it('after every update each output unit\'s weight vector has norm <= threshold; the bias is not touched', () => {
    const net = new Net(defs({ weightCons: { type: 'L2Cons', threshold: 0.5 } }), { backend });
    const [convW, , ipW] = net.params;
    assert.equal(convW.constraint?.type, 'L2Cons');
    assert.equal(net.params[1].constraint, undefined);
    assert.ok(rowNorms(ipW.blob.read(), 3).some((n) => n > 0.5), 'the initial weights exceed the threshold');
    const solver = new Solver(net, { baseLr: 0.5, maxIter: 3 });
    for (let i = 0; i < 3; i++) {
      solver.step();
      for (const p of [convW, ipW]) {
        const norms = rowNorms(p.blob.read(), 3);
        assert.ok(norms.every((n) => n <= 0.5 + 1e-12), `${p.key} row norms ${norms}`);
        assert.ok(norms.some((n) => Math.abs(n - 0.5) < 1e-9), `${p.key}: some row is at the threshold`);
      }
    }
  });

  it('without weightCons the same run leaves norms above the threshold', () => {
    const net = new Net(defs({}), { backend });
    new Solver(net, { baseLr: 0.5, maxIter: 3 }).step();
    assert.ok(rowNorms(net.params[2].blob.read(), 3).some((n) => n > 0.5));
  });

  it('a bad weightCons names the layer and field', () => {
    assert.throws(() => new Net(defs({ weightCons: { type: 'L2Cons', threshold: -1 } }), { backend }),
      (e: Error) => e instanceof ConfigError && /layer "conv" \(Convolution\), field "weightCons": field "threshold" must be > 0/.test(e.message));
  });
});
