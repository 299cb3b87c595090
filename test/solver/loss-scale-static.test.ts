/**
 * Static loss scaling: a power-of-two scale trains bit for bit as no scaling with every kind of
 * step (momentum and weight decay, Adam, clipping, iterSize), which also shows that the gradients
 * are unscaled, and before clipping; Net.lossScale scales every diff of backward exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError } from '../../src/core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerConfig, type LayerType } from '../../src/core/layer.js';
import type { Blob, Shape } from '../../src/core/blob.js';
import { constant } from '../../src/initializers/initializer.js';
import { withLayerTypes } from '../../src/layers/index.js';
import { Net } from '../../src/node/net.js';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { Solver, type SolverConfig } from '../../src/solver/solver.js';
import { assertSame, convNet, differs, snapshotOf, solverOf } from './loss-scale-runs.js';

const STEPS = 5;

function trained(cfg: Partial<SolverConfig>, dtype?: 'float32' | 'float64'): { state: Map<string, Buffer>; losses: number[] } {
  const s = solverOf(cfg, { dtype });
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    s.step();
    losses.push(s.loss);
  }
  assert.equal(s.lossScale, typeof cfg.lossScale === 'number' ? cfg.lossScale : 1);
  return { state: snapshotOf(s), losses };
}

const RULES: [string, Partial<SolverConfig>][] = [
  ['SGD with momentum and weight decay', { momentum: 0.9, weightDecay: 5e-3 }],
  ['Adam', { method: 'Adam', baseLr: 0.01, weightDecay: 1e-3 }],
  ['clipGradients', { momentum: 0.9, clipGradients: 0.9 }],
  ['iterSize 2', { momentum: 0.9, weightDecay: 5e-3, iterSize: 2 }],
  ['iterSize 3, clipGradients and L1', { iterSize: 3, clipGradients: 2, weightDecay: 1e-3, regularization: 'L1' }],
];

for (const [name, cfg] of RULES) {
  test(`static power-of-two scales train bit for bit as without scaling: ${name}`, () => {
    const plain = trained(cfg);
    for (const scale of [1024, 2 ** -3]) {
      const scaled = trained({ ...cfg, lossScale: scale });
      assertSame(plain.state, scaled.state, `lossScale ${scale}`);
      assert.deepEqual(scaled.losses, plain.losses);
    }
  });
}

test('the clipping cases clip: the static test tells unscaling before clipping from after it', () => {
  for (const [, cfg] of RULES.filter(([, c]) => c.clipGradients !== undefined)) {
    const { clipGradients: _unused, ...unclipped } = cfg;
    const a = trained(cfg).state;
    const b = trained(unclipped).state;
    assert.ok(differs(a, b), `clipGradients ${cfg.clipGradients} never clips; the test would not see clipping of scaled gradients`);
  }
});

test('static scaling is exact in float64 too', () => {
  const cfg: Partial<SolverConfig> = { momentum: 0.9, weightDecay: 5e-3, iterSize: 2 };
  assertSame(trained(cfg, 'float64').state, trained({ ...cfg, lossScale: 2 ** 40 }, 'float64').state, 'float64, 2^40');
});

test('Net.lossScale multiplies every diff of backward, through splits and losses with two bottoms', () => {
  const x = new Float32Array(8 * 4).map((_, i) => Math.cos(i * 0.7));
  const t = new Float32Array(8 * 2).map((_, i) => Math.sin(i));
  const defs: LayerConfig[] = [
    { type: 'MemoryData', name: 'd', tops: ['x', 'label', 't'], batchSize: 8, data: [{ values: x, shape: [8, 4] }, { values: new Float32Array(8).map((_, i) => i % 3), shape: [8] }, { values: t, shape: [8, 2] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 5 },
    // h feeds a loss and a layer: a Split keeps their gradients apart.
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['s'], numOutput: 3 },
    { type: 'InnerProduct', name: 'ip3', bottoms: ['h'], tops: ['u'], numOutput: 2 },
    { type: 'InnerProduct', name: 'ip4', bottoms: ['h'], tops: ['v'], numOutput: 2 },
    { type: 'SoftmaxLoss', name: 'ce', bottoms: ['s', 'label'], tops: ['ce'] },
    { type: 'EuclideanLoss', name: 'l2', bottoms: ['u', 'v'], tops: ['l2'], lossWeight: 0.5 },
    { type: 'Accuracy', name: 'acc', bottoms: ['s', 'label'], tops: ['acc'] },
  ];
  const diffs = (scale: number) => {
    const net = new Net(defs, { backend: new JsBackend('float32'), seed: 2 });
    net.clearParamDiffs();
    net.forward();
    net.lossScale = scale;
    net.backward();
    return [...net.params.map((p) => p.blob.readDiff()), net.blob('h').readDiff(), net.blob('u').readDiff()];
  };
  const plain = diffs(1);
  const scaled = diffs(64);
  plain.forEach((d, k) => {
    assert.ok(d.some((v) => v !== 0), `diff ${k} is not all zero`);
    d.forEach((v, i) => assert.equal(scaled[k]![i], v * 64, `diff ${k}, element ${i}`));
  });
});

test('a loss layer with parameters of its own cannot be trained with loss scaling', () => {
  class LearnedLossLayer extends Layer<BaseConfig> {
    override get lossWeight(): number {
      return 1;
    }
    setup(): Shape[] {
      this.param('weight', [1], constant(1));
      return [[1]];
    }
    forward(_b: Blob[], tops: Blob[]): void {
      tops[0]!.write([0]);
    }
  }
  const LearnedLoss: LayerType<BaseConfig> = {
    type: 'LearnedLoss',
    parse(r, base) {
      expectBlobs(r, base, 1, [1, 1]);
      return base;
    },
    create: (c) => new LearnedLossLayer(c),
  };
  const layerTypes = withLayerTypes(nodeLayerTypes, LearnedLoss);
  const net = new Net([...convNet().slice(0, 4), { type: 'LearnedLoss', name: 'odd', bottoms: ['s'], tops: ['o'] }], { backend: new JsBackend(), layerTypes });
  assert.throws(() => new Solver(net, { baseLr: 0.1, maxIter: 1, lossScale: 8 }), (e: unknown) => e instanceof ConfigError && /layer "odd".*loss scaling/.test(e.message));
  assert.doesNotThrow(() => new Solver(net, { baseLr: 0.1, maxIter: 1 }));
});
