/**
 * Shared by the loss-scale tests: a small conv net and its solver on JsBackend, and the weights
 * and update-rule history of a solver as bytes, to compare runs bit for bit.
 */
import assert from 'node:assert/strict';
import type { HostArray } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver, type SolverConfig } from '../../src/solver/solver.js';

/** Samples in the data set (batches of 8). */
export const N = 32;

/** A small conv net: [N, 1, 6, 6] images (times `gain`) in 3 classes, conv 3×3 + ReLU, max pool, InnerProduct, SoftmaxLoss. */
export function convNet(gain = 1): LayerConfig[] {
  const x = new Float32Array(N * 36).map((_, i) => (Math.sin(i * 0.37) + (((i / 36) | 0) % 3) * 0.2) * gain);
  const y = new Float32Array(N).map((_, i) => i % 3);
  return [
    { type: 'MemoryData', name: 'd', tops: ['x', 'label'], batchSize: 8, shuffle: true, data: [{ values: x, shape: [N, 1, 6, 6] }, { values: y, shape: [N] }] },
    { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['c'], numOutput: 4, kernel: 3, neuron: 'ReLU' },
    { type: 'Pooling', name: 'pool', bottoms: ['c'], tops: ['p'], kernel: 2, stride: 2 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['p'], tops: ['s'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  ];
}

export function solverOf(cfg: Partial<SolverConfig>, options: { dtype?: 'float32' | 'float64'; gain?: number; seed?: number } = {}): Solver {
  const net = new Net(convNet(options.gain), { backend: new JsBackend(options.dtype ?? 'float32'), seed: options.seed ?? 5 });
  return new Solver(net, { baseLr: 0.05, maxIter: 100, ...cfg });
}

export function bytes(a: HostArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Weights and update-rule history, as bytes, by name. */
export function snapshotOf(s: Solver): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const p of s.net.params) out.set(p.key, Buffer.from(bytes(p.blob.read())));
  for (const [k, v] of s.getState().history) out.set(k, Buffer.from(bytes(v)));
  return out;
}

export function assertSame(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${what}: "${k}" differs`);
}

export function differs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return [...a].some(([k, v]) => !v.equals(b.get(k)!));
}
