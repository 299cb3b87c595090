/** Standalone ReLU, Sigmoid, TanH and Split against known values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const x = [-2, -0.5, 0.5, 3];

function run(config: LayerConfig, dy = [1, 2, 3, 4]) {
  const b = buildLayer(backend, config, [[4]], { values: [x] });
  b.layer.forward(b.bottoms, b.tops);
  b.tops.forEach((t) => t.writeDiff(dy));
  b.layer.backward(b.tops, [true], b.bottoms);
  return { y: [...b.tops[0].read()], dx: [...b.bottoms[0].readDiff()], built: b };
}

const close = (a: number[], e: number[]) => e.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-12, `[${i}] ${a[i]} != ${v}`));
const one = (type: string, extra: Record<string, unknown> = {}): LayerConfig => ({ type, name: type.toLowerCase(), bottoms: ['x'], tops: ['y'], ...extra });

describe('activation layers', () => {
  it('ReLU and leaky ReLU', () => {
    const r = run(one('ReLU'));
    assert.deepEqual(r.y, [0, 0, 0.5, 3]);
    assert.deepEqual(r.dx, [0, 0, 3, 4]);
    const l = run(one('ReLU', { negativeSlope: 0.1 }));
    close(l.y, [-0.2, -0.05, 0.5, 3]);
    close(l.dx, [0.1, 0.2, 3, 4]);
  });

  it('Sigmoid and TanH', () => {
    const s = run(one('Sigmoid'));
    const sig = x.map((v) => 1 / (1 + Math.exp(-v)));
    close(s.y, sig);
    close(s.dx, sig.map((y, i) => y * (1 - y) * (i + 1)));
    const t = run(one('TanH'));
    close(t.y, x.map(Math.tanh));
    close(t.dx, x.map((v, i) => (1 - Math.tanh(v) ** 2) * (i + 1)));
  });

  it('Split: tops alias the bottom data; the bottom diff is the sum of the tops\' diffs', () => {
    const r = run({ type: 'Split', name: 'split', bottoms: ['x'], tops: ['a', 'b', 'c'] });
    assert.equal((r.built.layer as unknown as { sharesData: boolean }).sharesData, true);
    for (const t of r.built.tops) assert.equal(t.data, r.built.bottoms[0].data);
    assert.deepEqual(r.y, x);
    assert.deepEqual(r.dx, [3, 6, 9, 12]);
  });
});
