/**
 * Shared by backends.test.ts and backends-emulated.test.ts: four steps of every update rule, with
 * iterSize 2, clipping and weight decay, on a given backend against JsBackend float32. The rules
 * use Backend primitives only, so this checks those primitives as the rules call them (in place,
 * with aliased outputs).
 */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver, type SolverConfig } from '../../src/solver/solver.js';
import type { BackendEntry } from '../harness/backends.js';

function defs(): LayerConfig[] {
  const n = 24;
  const x = new Float32Array(n * 4).map((_, i) => Math.sin(i * 0.61) + (i % 3) * 0.25);
  const y = new Float32Array(n).map((_, i) => (i * 5) % 3);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 6, shuffle: true, data: [{ values: x, shape: [n, 4] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 7, neuron: 'ReLU' },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

const configs: Partial<SolverConfig>[] = [
  { method: 'SGD', momentum: 0.9, regularization: 'L1' },
  { method: 'Nesterov', momentum: 0.9 },
  { method: 'Adam', baseLr: 0.01 },
  { method: 'Adam', baseLr: 0.01, regularization: 'decoupled' },
  { method: 'AdaGrad' },
  { method: 'AdaDelta', momentum: 0.95, delta: 1e-6, baseLr: 1 },
  { method: 'RMSProp', rmsDecay: 0.9, baseLr: 0.01, regularization: 'L1' },
];

export function train(backend: Backend, cfg: Partial<SolverConfig>): Float64Array[] {
  const net = new Net(defs(), { backend, seed: 8 });
  const solver = new Solver(net, { baseLr: 0.05, weightDecay: 1e-3, maxIter: 4, iterSize: 2, clipGradients: 2, checkLossEvery: 1, ...cfg });
  for (let i = 0; i < 4; i++) solver.step();
  const out = net.params.map((p) => Float64Array.from(p.blob.read()));
  net.destroy();
  return out;
}

export function compare(entry: BackendEntry): void {
  for (const cfg of configs) {
    const want = train(new JsBackend('float32'), cfg);
    const got = train(entry.create(), cfg);
    want.forEach((w, k) => {
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[k][i] - w[i]));
      assert.ok(worst < 1e-5, `${entry.name}, ${cfg.method}: parameter ${k} differs by up to ${worst}`);
    });
  }
}

