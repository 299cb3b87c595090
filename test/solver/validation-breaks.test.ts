import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import type { CoffeeBreak } from '../../src/solver/coffee/coffee-break.js';
import { DecayOnValidation } from '../../src/solver/coffee/decay-on-validation.js';
import { EarlyStopping } from '../../src/solver/coffee/early-stopping.js';

function defs(): LayerConfig[] {
  const n = 40;
  const x = new Float64Array(n * 3).map((_, i) => Math.cos(i * 0.53) + (i % 4) * 0.3);
  const y = new Float64Array(n).map((_, i) => (i * 7) % 3);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 8, shuffle: true, data: [{ values: x, shape: [n, 3] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 5, neuron: 'ReLU' },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

interface Seen {
  weights: number[][];
  history: number[][];
}

const look = (s: Solver): Seen => ({
  weights: s.net.params.map((p) => Array.from(p.blob.read())),
  history: [...s.getState().history.values()].map((h) => Array.from(h)),
});

/**
 * A solver whose 'validation/<name>' statistic follows `script`, every 2 iterations; `before` and
 * `after` record the solver around the break under test at each validation, by iteration.
 */
function scripted(name: string, script: number[], brk: CoffeeBreak) {
  const solver = new Solver(new Net(defs(), { backend: new JsBackend('float64'), seed: 4 }), { baseLr: 0.1, momentum: 0.9, maxIter: 40 });
  const before = new Map<number, Seen>();
  const after = new Map<number, Seen>();
  let k = 0;
  solver.addCoffeeBreak({ enjoy: (s) => { s.lounge.update(`validation/${name}`, s.iter, script[k++]); before.set(s.iter, look(s)); } }, { everyIter: 2 });
  solver.addCoffeeBreak(brk, { everyIter: 2 });
  solver.addCoffeeBreak({ enjoy: (s) => void after.set(s.iter, look(s)) }, { everyIter: 2 });
  return { solver, before, after };
}

test('DecayOnValidation: a worse value scales the learning rate and rolls back to the best weights and history', async () => {
  const decay = new DecayOnValidation({ statistic: 'validation/accuracy', better: 'higher', factor: 0.5, log: () => {} });
  // Validations at iterations 2, 4, ..., 12: best at 4, worse at 6, best at 8, equal at 10, worse at 12.
  const { solver, before, after } = scripted('accuracy', [0.5, 0.6, 0.55, 0.7, 0.7, 0.65], decay);
  await solver.run(12);
  assert.equal(solver.iter, 12, 'the iteration goes on after a roll-back');
  assert.equal(decay.decays, 2);
  assert.equal(solver.lrScale, 0.25);
  assert.deepEqual(solver.lounge.get('lrScale'), [[6, 0.5], [12, 0.25]]);
  assert.equal(solver.learningRate, 0.1 * 0.25);
  assert.notDeepEqual(before.get(6)!.weights, before.get(4)!.weights);
  assert.deepEqual(after.get(6), before.get(4), 'weights and history back to iteration 4');
  assert.deepEqual(after.get(10), before.get(10), 'an equal value changes nothing');
  assert.deepEqual(after.get(12), before.get(8), 'weights and history back to iteration 8');
  assert.equal(decay.watch.best, 0.7);
  assert.equal(decay.watch.bestIter, 8);
});

test('EarlyStopping: stops after `patience` validations without improvement and restores the best weights', async () => {
  const stop = new EarlyStopping({ statistic: 'validation/loss', better: 'lower', patience: 2, log: () => {} });
  // Lower is better: best at 4, one miss at 6, a new best at 8 resets the count, misses at 10 and 12 stop.
  const { solver, before, after } = scripted('loss', [1.0, 0.9, 0.95, 0.85, 0.9, 0.85, 0.1], stop);
  await solver.run();
  assert.equal(solver.iter, 12);
  assert.equal(stop.stoppedAt, 12);
  assert.deepEqual(after.get(6), before.get(6), 'one miss does not stop nor restore');
  assert.deepEqual(solver.net.params.map((p) => Array.from(p.blob.read())), before.get(8)!.weights);
  assert.notDeepEqual(before.get(12)!.weights, before.get(8)!.weights);
  assert.equal(stop.watch.best, 0.85);
});

test('lrScale multiplies the policy rate and is carried by getState/setState', () => {
  const run = (baseLr: number, lrScale: number) => {
    const s = new Solver(new Net(defs(), { backend: new JsBackend('float64'), seed: 4 }), { baseLr, maxIter: 2 });
    s.lrScale = lrScale;
    s.step();
    return s;
  };
  const half = run(0.2, 0.5);
  assert.deepEqual(half.net.params.map((p) => Array.from(p.blob.read())), run(0.1, 1).net.params.map((p) => Array.from(p.blob.read())));
  assert.notDeepEqual(half.net.params.map((p) => Array.from(p.blob.read())), run(0.2, 1).net.params.map((p) => Array.from(p.blob.read())));
  const other = run(0.2, 1);
  other.setState(half.getState());
  assert.equal(other.lrScale, 0.5);
  other.setState({ ...half.getState(), lrScale: undefined });
  assert.equal(other.lrScale, 1, 'a state without lrScale (an older snapshot) means 1');
});

test('validation breaks check their options and say when the statistic is missing', async () => {
  assert.throws(() => new DecayOnValidation({ statistic: 'validation/accuracy', better: 'higher', factor: 1.5 }), /DecayOnValidation: option "factor" must be a number in \(0, 1\), found 1.5/);
  assert.throws(() => new DecayOnValidation({ statistic: 'validation/accuracy', better: 'up' as 'higher', factor: 0.5 }), /option "better" must be 'higher' or 'lower', found "up"/);
  assert.throws(() => new EarlyStopping({ statistic: '', better: 'lower', patience: 2 }), /EarlyStopping: option "statistic"/);
  assert.throws(() => new EarlyStopping({ statistic: 'validation/loss', better: 'lower', patience: 0 }), /option "patience" must be an integer ≥ 1, found 0/);
  const solver = new Solver(new Net(defs(), { backend: new JsBackend('float64'), seed: 4 }), { baseLr: 0.1, maxIter: 10 });
  solver.addCoffeeBreak(new EarlyStopping({ statistic: 'validation/accuracy', better: 'higher', patience: 2 }), { everyIter: 2 });
  await assert.rejects(solver.run(), /EarlyStopping: statistic "validation\/accuracy" has no value at iteration 2: none was ever recorded/);
});
