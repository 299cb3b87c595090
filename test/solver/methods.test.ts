import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver, parseSolverConfig, type SolverConfig } from '../../src/solver/solver.js';
import type { Raw } from '../../src/core/config.js';

/** A 2-input, 2-class linear softmax on one sample; the bias has lrMult 2 and decayMult 0. */
function tinyNet(): Net {
  const net = new Net([
    { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 1,
      data: [{ values: new Float64Array([1, 2]), shape: [1, 2] }, { values: new Float64Array([0]), shape: [1] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['s'], numOutput: 2, params: [{ lrMult: 1, decayMult: 1 }, { lrMult: 2, decayMult: 0 }] },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  ], { backend: new JsBackend('float64') });
  net.params[0].blob.write([0.1, -0.2, 0.3, 0.4]);
  net.params[1].blob.write([0.5, -0.5]);
  return net;
}

/** By hand: s = W x + b, p = softmax(s), ds = p - onehot(0), dW = ds xᵀ, db = ds. Params flattened [W..., b...]. */
function gradient(w: number[]): number[] {
  const s = [w[0] + 2 * w[1] + w[4], w[2] + 2 * w[3] + w[5]];
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const p = e.map((v) => v / (e[0] + e[1]));
  const ds = [p[0] - 1, p[1]];
  return [ds[0], 2 * ds[0], ds[1], 2 * ds[1], ds[0], ds[1]];
}

const decay = 0.01;
const lrMult = [1, 1, 1, 1, 2, 2];
const decayMult = [1, 1, 1, 1, 0, 0];

/** A per-element update by hand: (w, regularized g, lr for this element, history, t) -> new w. */
type HandRule = (w: number, g: number, lr: number, h: number[], t: number) => number;

function handRun(rule: HandRule, baseLr: number, states: number, steps: number): number[] {
  let w = [0.1, -0.2, 0.3, 0.4, 0.5, -0.5];
  const hist = w.map(() => new Array<number>(states).fill(0));
  for (let t = 1; t <= steps; t++) {
    const g = gradient(w).map((v, i) => v + decay * decayMult[i] * w[i]);
    w = w.map((v, i) => rule(v, g[i], baseLr * lrMult[i], hist[i], t));
  }
  return w;
}

/** Adam with β1 0.8, β2 0.95, ε 1e-3, by hand (Caffe's formula: ε after the bias correction). */
const ADAM: HandCase = {
  config: { method: 'Adam', beta1: 0.8, beta2: 0.95, epsilon: 1e-3 },
  states: 2,
  rule: (w, g, lr, h, t) => {
    h[0] = 0.8 * h[0] + 0.2 * g;
    h[1] = 0.95 * h[1] + 0.05 * g * g;
    return w - (lr * Math.sqrt(1 - 0.95 ** t)) / (1 - 0.8 ** t) * h[0] / (Math.sqrt(h[1]) + 1e-3);
  },
};

interface HandCase {
  config: Partial<SolverConfig>;
  states: number;
  rule: HandRule;
}

const cases: HandCase[] = [
  {
    config: { method: 'Nesterov', momentum: 0.9 },
    states: 1,
    rule: (w, g, lr, h) => {
      const prev = h[0];
      h[0] = 0.9 * h[0] + lr * g;
      return w - (1.9 * h[0] - 0.9 * prev);
    },
  },
  ADAM,
  {
    config: { method: 'AdaGrad', delta: 1e-3 },
    states: 1,
    rule: (w, g, lr, h) => {
      h[0] += g * g;
      return w - (lr * g) / (Math.sqrt(h[0]) + 1e-3);
    },
  },
  {
    config: { method: 'AdaDelta', momentum: 0.9, delta: 1e-4 },
    states: 2,
    rule: (w, g, lr, h) => {
      h[0] = 0.9 * h[0] + 0.1 * g * g;
      const d = Math.sqrt((h[1] + 1e-4) / (h[0] + 1e-4)) * g;
      h[1] = 0.9 * h[1] + 0.1 * d * d;
      return w - lr * d;
    },
  },
  {
    config: { method: 'RMSProp', rmsDecay: 0.9, delta: 1e-3 },
    states: 1,
    rule: (w, g, lr, h) => {
      h[0] = 0.9 * h[0] + 0.1 * g * g;
      return w - (lr * g) / (Math.sqrt(h[0]) + 1e-3);
    },
  },
];

for (const { config, rule, states } of cases) {
  test(`${config.method}: two steps match the hand-computed update, with lrMult and decayMult`, () => {
    const net = tinyNet();
    const solver = new Solver(net, { baseLr: 0.1, weightDecay: decay, maxIter: 2, ...config });
    const read = () => [...net.params[0].blob.read(), ...net.params[1].blob.read()];
    for (const steps of [1, 2]) {
      solver.step();
      const want = handRun(rule, 0.1, states, steps);
      const got = read();
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-12, `step ${steps}, element ${i}: ${got[i]} vs ${v}`));
    }
    // The update moved every parameter (a rule that did nothing would fail above only by luck).
    assert.ok(read().every((v, i) => v !== [0.1, -0.2, 0.3, 0.4, 0.5, -0.5][i]));
  });
}

test('Adam with L1 regularization uses decay · sign(w)', () => {
  const net = tinyNet();
  new Solver(net, { method: 'Adam', baseLr: 0.1, weightDecay: decay, regularization: 'L1', maxIter: 1 }).step();
  const g = gradient([0.1, -0.2, 0.3, 0.4, 0.5, -0.5]).map((v, i) => v + decay * decayMult[i] * Math.sign([0.1, -0.2, 0.3, 0.4, 0.5, -0.5][i]));
  const got = [...net.params[0].blob.read(), ...net.params[1].blob.read()];
  // At t = 1: m = 0.1 g, v = 0.001 g², correction sqrt(0.001) / 0.1, so the step is lr · g / (|g| + ε / sqrt(0.001)).
  [0.1, -0.2, 0.3, 0.4, 0.5, -0.5].forEach((w0, i) => {
    const want = w0 - 0.1 * lrMult[i] * g[i] / (Math.abs(g[i]) + 1e-8 / Math.sqrt(0.001));
    assert.ok(Math.abs(got[i] - want) < 1e-12, `element ${i}: ${got[i]} vs ${want}`);
  });
});

/**
 * Decoupled weight decay (AdamW): the gradient stays unregularized and each weight first shrinks by
 * lr · decay · decayMult of this iteration (lr × lrMult), then the rule moves it. lr halves after
 * the first step here (lrPolicy step), so the shrink must follow the schedule, not baseLr.
 */
const decoupledCases: HandCase[] = [
  ADAM,
  {
    config: { method: 'SGD', momentum: 0.9 },
    states: 1,
    rule: (w, g, lr, h) => {
      h[0] = 0.9 * h[0] + lr * g;
      return w - h[0];
    },
  },
];

for (const { config, states, rule } of decoupledCases) {
  test(`${config.method} with regularization 'decoupled': the weights shrink by lr · decay · decayMult before the rule, whose gradient has no decay`, () => {
    const net = tinyNet();
    const solver = new Solver(net, { baseLr: 0.1, weightDecay: 0.3, regularization: 'decoupled', lrPolicy: { type: 'step', gamma: 0.5, stepsize: 1 }, maxIter: 2, ...config });
    let w = [0.1, -0.2, 0.3, 0.4, 0.5, -0.5];
    const hist = w.map(() => new Array<number>(states).fill(0));
    for (let t = 1; t <= 2; t++) {
      solver.step();
      const lr = 0.1 * 0.5 ** (t - 1);
      const g = gradient(w);
      w = w.map((v, i) => rule(v * (1 - lr * lrMult[i] * 0.3 * decayMult[i]), g[i], lr * lrMult[i], hist[i], t));
      const got = [...net.params[0].blob.read(), ...net.params[1].blob.read()];
      w.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-12, `step ${t}, element ${i}: ${got[i]} vs ${v}`));
    }
    // The decay mattered: the same run without it ends elsewhere.
    const plain = tinyNet();
    const noDecay = new Solver(plain, { baseLr: 0.1, lrPolicy: { type: 'step', gamma: 0.5, stepsize: 1 }, maxIter: 2, ...config });
    noDecay.step();
    noDecay.step();
    assert.ok(Math.abs(plain.params[0].blob.read()[0] - w[0]) > 1e-4);
  });
}

test('method-specific fields are validated', () => {
  const base = { baseLr: 0.1, maxIter: 1 };
  assert.throws(() => parseSolverConfig({ ...base, method: 'Adamm' } as Raw), /field "method" must be one of 'SGD', 'Nesterov', 'Adam'/);
  assert.throws(() => parseSolverConfig({ ...base, beta1: 0.9 }), /field "beta1" is used only by method Adam, found method "SGD"/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'Adam', rmsDecay: 0.9 }), /field "rmsDecay" is used only by method RMSProp/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'Adam', momentum: 0.9 }), /"momentum" must be 0 for method "Adam" \(Adam's momentum is beta1\)/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'AdaGrad', momentum: 0.5 }), /"momentum" must be 0 for method "AdaGrad"/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'RMSProp', delta: 0 }), /field "delta" must be/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'Adam', beta2: 1.5 }), /field "beta2"/);
  assert.throws(() => parseSolverConfig({ ...base, method: 'Adam', beta1: 1 }), /"beta1" must be below 1/);
  assert.throws(() => parseSolverConfig({ ...base, iterSize: 0 }), /field "iterSize"/);
  assert.throws(() => parseSolverConfig({ ...base, clipGradients: 0 }), /field "clipGradients"/);
  assert.throws(() => parseSolverConfig({ ...base, regularization: 'AdamW' } as Raw), /field "regularization" must be one of 'L2', 'L1', 'decoupled'/);
  const s = parseSolverConfig({ ...base, method: 'Adam' });
  assert.deepEqual([s.beta1, s.beta2, s.epsilon, s.iterSize, s.clipGradients], [0.9, 0.999, 1e-8, 1, null]);
  assert.equal(parseSolverConfig({ ...base, method: 'AdaDelta', momentum: 0.95, delta: 1e-6 }).delta, 1e-6);
});

/** An MLP with dropout and shuffled data: resuming must restore the rule history, the random state and the data position. */
function mlp(): LayerConfig[] {
  const n = 48;
  const x = new Float32Array(n * 3).map((_, i) => Math.sin(i * 0.71) + (i % 5) * 0.2);
  const y = new Float32Array(n).map((_, i) => (i * 5) % 3);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 8, shuffle: true, data: [{ values: x, shape: [n, 3] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 6, neuron: 'ReLU' },
    { type: 'Dropout', name: 'drop', bottoms: ['h'], tops: ['hd'], ratio: 0.3 },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['hd'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

/** Each method with the number of state buffers it keeps per parameter. */
const resumeConfigs: [Partial<SolverConfig>, number][] = [
  [{ method: 'SGD', momentum: 0.9 }, 1],
  [{ method: 'Nesterov', momentum: 0.9 }, 1],
  [{ method: 'Adam', baseLr: 0.01 }, 2],
  [{ method: 'AdaGrad' }, 1],
  [{ method: 'AdaDelta', momentum: 0.95, delta: 1e-6, baseLr: 1 }, 2],
  [{ method: 'RMSProp', rmsDecay: 0.9, baseLr: 0.01 }, 1],
];

for (const [cfg, states] of resumeConfigs) {
  test(`${cfg.method}: resuming mid-run from getState/setState gives bit-identical weights`, async () => {
    const config = { baseLr: 0.05, weightDecay: 1e-3, lrPolicy: { type: 'inv' as const, gamma: 1e-2, power: 0.75 }, maxIter: 16, iterSize: 2, clipGradients: 5, ...cfg };
    const a = new Net(mlp(), { backend: new JsBackend('float32'), seed: 5 });
    const sa = new Solver(a, config);
    const start = a.params.map((p) => p.blob.read().slice());
    await sa.run(7);
    const state = sa.getState();
    assert.equal(state.history.size, a.learnableParams.length * states);
    assert.ok([...state.history.values()].some((h) => h.some((v) => v !== 0)), 'the history is not all zero');
    const weights = a.params.map((p) => p.blob.read().slice());
    await sa.run();
    a.params.forEach((p, i) => assert.notDeepEqual(p.blob.read(), start[i], `${p.key} moved`));

    const b = new Net(mlp(), { backend: new JsBackend('float32'), seed: 77 });
    const sb = new Solver(b, config);
    b.params.forEach((p, i) => p.blob.write(weights[i]));
    sb.setState(state);
    await sb.run();
    assert.equal(sb.iter, 16);
    b.params.forEach((p, i) => assert.deepEqual(p.blob.read(), a.params[i].blob.read(), p.key));
  });
}

test('a state saved by one method does not load into another', () => {
  const a = new Solver(new Net(mlp(), { backend: new JsBackend('float32'), seed: 1 }), { method: 'Adam', baseLr: 0.01, maxIter: 2 });
  a.step();
  const b = new Solver(new Net(mlp(), { backend: new JsBackend('float32'), seed: 1 }), { method: 'RMSProp', baseLr: 0.01, maxIter: 2 });
  assert.throws(() => b.setState(a.getState()), /solver state has no "history\/ip1/);
});
