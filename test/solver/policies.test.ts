import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate, momentumAt, parseLrPolicy, parseMomentumPolicy } from '../../src/solver/policies.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseSolverConfig } from '../../src/solver/solver.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('learning-rate policies follow Caffe formulas', () => {
  const base = 0.01;
  close(learningRate({ type: 'fixed' }, base, 1234, 10000), 0.01);
  close(learningRate({ type: 'step', gamma: 0.1, stepsize: 100 }, base, 99, 0), 0.01);
  close(learningRate({ type: 'step', gamma: 0.1, stepsize: 100 }, base, 250, 0), 0.01 * 0.1 ** 2);
  close(learningRate({ type: 'exp', gamma: 0.99 }, base, 10, 0), 0.01 * 0.99 ** 10);
  // The MNIST tutorial's policy at a few iterations.
  for (const it of [0, 1, 100, 5000, 9999]) {
    close(learningRate({ type: 'inv', gamma: 1e-4, power: 0.75 }, base, it, 0), 0.01 * (1 + 1e-4 * it) ** -0.75);
  }
  close(learningRate({ type: 'inv', gamma: 1e-4, power: 0.75 }, base, 10000, 0), 0.01 * 2 ** -0.75);
  const ms = { type: 'multistep', gamma: 0.5, stepvalues: [10, 20, 40] } as const;
  assert.deepEqual([0, 9, 10, 19, 20, 39, 40, 1000].map((i) => learningRate({ ...ms, stepvalues: [...ms.stepvalues] }, 1, i, 0)), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]);
  close(learningRate({ type: 'poly', power: 2 }, base, 250, 1000), 0.01 * 0.75 ** 2);
  close(learningRate({ type: 'poly', power: 2 }, base, 1000, 1000), 0);
  close(learningRate({ type: 'sigmoid', gamma: -0.01, stepsize: 500 }, base, 300, 0), 0.01 / (1 + Math.exp(0.01 * (300 - 500))));
});

test('staged policies switch stage after each stage length', () => {
  const p = parseLrPolicy({ type: 'staged', stages: [{ iterations: 10, policy: 'fixed' }, { iterations: 5, policy: 'fixed', baseLr: 0.5 }, { iterations: 1, policy: { type: 'exp', gamma: 0.5 }, baseLr: 1 }] });
  assert.equal(learningRate(p, 0.1, 9, 0), 0.1);
  assert.equal(learningRate(p, 0.1, 10, 0), 0.5);
  assert.equal(learningRate(p, 0.1, 14, 0), 0.5);
  assert.equal(learningRate(p, 0.1, 15, 0), 0.5 ** 15);
  assert.equal(learningRate(p, 0.1, 100, 0), 0.5 ** 100);
});

test('momentum policies follow Mocha formulas', () => {
  assert.equal(momentumAt({ type: 'fixed' }, 0.9, 500), 0.9);
  close(momentumAt({ type: 'step', gamma: 0.5, stepsize: 10, max: 1 }, 0.8, 25), 0.2);
  close(momentumAt({ type: 'linear', gamma: 0.1, stepsize: 10 }, 0.5, 25), 0.7);
  close(momentumAt({ type: 'linear', gamma: 0.1, stepsize: 10, max: 0.9 }, 0.5, 1000), 0.9);
  const st = parseMomentumPolicy({ type: 'staged', stages: [{ iterations: 3, policy: 'fixed', momentum: 0.5 }, { iterations: 1, policy: 'fixed', momentum: 0.99 }] });
  assert.deepEqual([0, 2, 3, 50].map((i) => momentumAt(st, 0.9, i)), [0.5, 0.5, 0.99, 0.99]);
});

test('bad policy definitions are refused with the field named', () => {
  assert.throws(() => parseLrPolicy({ type: 'inv', gamma: 1e-4 }), (e: Error) => e instanceof ConfigError && /"power"/.test(e.message));
  assert.throws(() => parseLrPolicy({ type: 'steps' }), /field "type" must be one of/);
  assert.throws(() => parseLrPolicy({ type: 'step', gamma: 0.1, stepsize: 10, stepSize: 3 }), /unknown field "stepSize"/);
  assert.throws(() => parseLrPolicy({ type: 'multistep', gamma: 0.1, stepvalues: [5, 3] }), /increasing/);
});

test('rates stay positive: a stage baseLr of -1, a negative power, fractional stepvalues are refused', () => {
  const refused = (raw: unknown, ...parts: string[]) => assert.throws(() => parseLrPolicy(raw), (e: Error) => e instanceof ConfigError && parts.every((p) => e.message.includes(p)), JSON.stringify(raw));
  refused({ type: 'staged', stages: [{ iterations: 10, policy: 'fixed', baseLr: -1 }] }, 'lrPolicy, stages[0]', 'field "baseLr"', '> 0', 'found -1');
  refused({ type: 'staged', stages: [{ iterations: 10, policy: { type: 'multistep', gamma: 0.1, stepvalues: [5] }, baseLr: 0 }] }, 'field "baseLr"', 'found 0');
  refused({ type: 'staged', stages: [{ iterations: 10, policy: { type: 'multistep', gamma: -0.1, stepvalues: [5] } }] }, 'field "gamma"');
  refused({ type: 'multistep', gamma: 0.1, stepvalues: [2.5, 4] }, 'field "stepvalues"', 'integers');
  refused({ type: 'inv', gamma: 1e-4, power: -1 }, 'field "power"', '>= 0');
  refused({ type: 'poly', power: -2 }, 'field "power"');
  refused({ type: 'step', gamma: 0.1, stepsize: 1e300 }, 'field "stepsize"', '2147483647');
  refused({ type: 'exp', gamma: NaN }, 'field "gamma"', 'found NaN');
});

test('momentum stays in [0, 1] at every iteration: max and stage momentum in [0, 1], gamma >= 0, max defaulting to 1', () => {
  const refused = (raw: unknown, part: string) => assert.throws(() => parseMomentumPolicy(raw), (e: Error) => e instanceof ConfigError && e.message.includes(part), JSON.stringify(raw));
  refused({ type: 'step', gamma: 2, stepsize: 1, max: 15.4 }, 'field "max"');
  refused({ type: 'linear', gamma: -0.5, stepsize: 1 }, 'field "gamma"');
  refused({ type: 'staged', stages: [{ iterations: 2, policy: 'fixed', momentum: 1.5 }] }, 'field "momentum"');
  refused({ type: 'staged', stages: [{ iterations: 2, policy: 'fixed', momentum: -13.6 }] }, 'field "momentum"');
  // The growing policies the campaign drove to 15.4 now stop at max (default 1).
  for (const raw of [{ type: 'step', gamma: 2, stepsize: 1 }, { type: 'linear', gamma: 0.7, stepsize: 1 }, { type: 'step', gamma: 1.5, stepsize: 3, max: 0.95 }]) {
    const p = parseMomentumPolicy(raw);
    for (const base of [0, 0.5, 0.9, 1]) {
      for (let it = 0; it < 2000; it += 7) {
        const m = momentumAt(p, base, it);
        assert.ok(m >= 0 && m <= 1, `${JSON.stringify(raw)} at ${it} from ${base}: ${m}`);
      }
    }
  }
});

test('iterSize is at most 2^20: 1e308 is refused instead of looping for ever', () => {
  assert.throws(() => parseSolverConfig({ baseLr: 0.1, maxIter: 10, iterSize: 1e308 }), (e: Error) => e instanceof ConfigError && /solver: field "iterSize" must be <= 1048576, found 1e\+308/.test(e.message));
  assert.equal(parseSolverConfig({ baseLr: 0.1, maxIter: 10, iterSize: 2 ** 20 }).iterSize, 2 ** 20);
});
