/** RandomMask and RandomNormal: seeded, fresh on every forward, and the mask shared by backward. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const n = 20000;

describe('RandomMask', () => {
  const mask = (phase: 'train' | 'test', x: number[][], seed = 42) =>
    buildLayer(backend, { type: 'RandomMask', name: 'mask', bottoms: x.map((_, i) => `x${i}`), tops: x.map((_, i) => `y${i}`), ratio: 0.25 },
      x.map((v) => [v.length]), { phase, values: x, seed });

  it('train: zeroes about ratio of the elements, keeps the rest unscaled, each bottom its own mask', () => {
    const b = mask('train', [Array(n).fill(2), Array(n).fill(2)]);
    b.layer.forward(b.bottoms, b.tops);
    const [y0, y1] = b.tops.map((t) => t.read());
    const kept = y0.filter((v) => v === 2).length;
    assert.equal(kept + y0.filter((v) => v === 0).length, n, 'every element is 0 or unchanged');
    assert.ok(Math.abs(kept / n - 0.75) < 0.02, `kept fraction ${kept / n}`);
    assert.notDeepEqual([...y0], [...y1]);
    b.tops.forEach((t) => t.writeDiff(Array(n).fill(5)));
    b.layer.backward(b.tops, [true, true], b.bottoms);
    const dx = b.bottoms[0].readDiff();
    for (let i = 0; i < n; i++) assert.equal(dx[i], y0[i] === 0 ? 0 : 5);
  });

  it('test: the identity', () => {
    const b = mask('test', [[1, -2, 3]]);
    b.layer.forward(b.bottoms, b.tops);
    assert.deepEqual([...b.tops[0].read()], [1, -2, 3]);
  });

  it('needs one top per bottom and a ratio in [0, 1)', () => {
    assert.throws(() => buildLayer(backend, { type: 'RandomMask', name: 'm', bottoms: ['a', 'b'], tops: ['c'] }, [[1], [1]]),
      (e: Error) => e instanceof ConfigError && /layer "m" \(RandomMask\)/.test(e.message) && /"tops"/.test(e.message));
    assert.throws(() => buildLayer(backend, { type: 'RandomMask', name: 'm', bottoms: ['a'], tops: ['c'], ratio: 1 }, [[1]]), /"ratio" must be in \[0, 1\)/);
  });
});

describe('RandomNormal', () => {
  const noise = (seed: number) =>
    buildLayer(backend, { type: 'RandomNormal', name: 'z', tops: ['a', 'b'], shapes: [[100, 100], [3]] }, [], { seed });

  it('fills each top with N(0, 1), new values every forward, the same for the same seed', () => {
    const b = noise(1);
    assert.deepEqual(b.tops.map((t) => t.shape), [[100, 100], [3]]);
    b.layer.forward(b.bottoms, b.tops);
    const a = [...b.tops[0].read()];
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
    const again = noise(1);
    again.layer.forward(again.bottoms, again.tops);
    assert.deepEqual([...again.tops[0].read()], a);
    b.layer.forward(b.bottoms, b.tops);
    assert.notDeepEqual([...b.tops[0].read()], a);
  });

  it('needs one shape per top', () => {
    assert.throws(() => buildLayer(backend, { type: 'RandomNormal', name: 'z', tops: ['a', 'b'], shapes: [[2]] }, []),
      (e: Error) => e instanceof ConfigError && /layer "z" \(RandomNormal\): field "shapes" must be a list of 2 shapes/.test(e.message));
    assert.throws(() => buildLayer(backend, { type: 'RandomNormal', name: 'z', tops: ['a'], shapes: [[2, 0]] }, []), /"shapes"/);
  });
});
