/** Dropout: identity in the test phase; in training an inverted, seeded mask shared by forward and backward. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const n = 20000;

function dropout(phase: 'train' | 'test', x: number[], seed = 42) {
  const b = buildLayer(backend, { type: 'Dropout', name: 'drop', bottoms: ['x'], tops: ['y'], ratio: 0.25 }, [[x.length]], { phase, values: [x], seed });
  b.layer.forward(b.bottoms, b.tops);
  return b;
}

describe('Dropout', () => {
  it('test phase: forward and backward are the identity', () => {
    const x = [1, -2, 3.5, 0, 7];
    const b = dropout('test', x);
    assert.deepEqual([...b.tops[0].read()], x);
    b.tops[0].writeDiff([5, 4, 3, 2, 1]);
    b.layer.backward(b.tops, [true], b.bottoms);
    assert.deepEqual([...b.bottoms[0].readDiff()], [5, 4, 3, 2, 1]);
  });

  it('train phase: each unit is dropped or scaled by 1 / (1 - ratio); the mean is kept', () => {
    const b = dropout('train', Array(n).fill(1));
    const y = b.tops[0].read();
    let kept = 0;
    let sum = 0;
    for (const v of y) {
      assert.ok(v === 0 || Math.abs(v - 4 / 3) < 1e-12, `unexpected output ${v}`);
      if (v !== 0) kept++;
      sum += v;
    }
    assert.ok(Math.abs(kept / n - 0.75) < 0.02, `kept fraction ${kept / n}, expected about 0.75`);
    assert.ok(Math.abs(sum / n - 1) < 0.03, `mean ${sum / n}, expected about 1`);
  });

  it('train phase: backward uses the forward mask and scale', () => {
    const b = dropout('train', Array(200).fill(1));
    const y = b.tops[0].read();
    b.tops[0].writeDiff(Array(200).fill(3));
    b.layer.backward(b.tops, [true], b.bottoms);
    const dx = b.bottoms[0].readDiff();
    for (let i = 0; i < 200; i++) assert.equal(dx[i] === 0, y[i] === 0, `element ${i}`);
    for (let i = 0; i < 200; i++) if (dx[i] !== 0) assert.ok(Math.abs(dx[i] - 4) < 1e-12);
  });

  it('masks follow the seed and change from one forward to the next', () => {
    const a = dropout('train', Array(100).fill(1), 7);
    const b = dropout('train', Array(100).fill(1), 7);
    const c = dropout('train', Array(100).fill(1), 8);
    assert.deepEqual([...a.tops[0].read()], [...b.tops[0].read()]);
    assert.notDeepEqual([...a.tops[0].read()], [...c.tops[0].read()]);
    const first = [...a.tops[0].read()];
    a.layer.forward(a.bottoms, a.tops);
    assert.notDeepEqual([...a.tops[0].read()], first);
  });
});
