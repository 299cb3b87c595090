/** Softmax, LogSoftmax, SoftmaxLoss and Accuracy with known values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');

function run(config: LayerConfig, shapes: number[][], values: number[][]) {
  const built = buildLayer(backend, config, shapes, { values });
  built.layer.forward(built.bottoms, built.tops);
  return built;
}

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('Softmax', () => {
  it('normalizes over the channels at every spatial position', () => {
    const x = [0, 1, 2, 3, Math.log(2), Math.log(2), 0, 0]; // [1, 2, 2, 2]
    const b = run({ type: 'Softmax', name: 'sm', bottoms: ['x'], tops: ['p'] }, [[1, 2, 2, 2]], [x]);
    const p = b.tops[0].read();
    for (let i = 0; i < 4; i++) near(p[i] + p[i + 4], 1);
    near(p[0], 1 / (1 + 2)); // exp(0) / (exp(0) + exp(log 2))
    near(p[2], Math.exp(2) / (Math.exp(2) + 1));
  });
});

describe('LogSoftmax', () => {
  it('stays finite in float32 where log(softmax) underflows to -Infinity', () => {
    const f32 = new JsBackend('float32');
    const x = [0, -1000, 3, Math.log(2) + 3];  // [2, 2]
    const built = buildLayer(f32, { type: 'LogSoftmax', name: 'lsm', bottoms: ['x'], tops: ['y'] }, [[2, 2]], { values: [x] });
    built.layer.forward(built.bottoms, built.tops);
    const y = built.tops[0].read();
    assert.deepEqual(Array.from(y.slice(0, 2)), [0, -1000]);
    near(y[2], -Math.log(3), 1e-6);  // log(1 / (1 + 2))
    near(y[3], Math.log(2 / 3), 1e-6);
    const sm = buildLayer(f32, { type: 'Softmax', name: 'sm', bottoms: ['x'], tops: ['p'] }, [[2, 2]], { values: [x] });
    sm.layer.forward(sm.bottoms, sm.tops);
    assert.equal(Math.log(sm.tops[0].read()[1]), -Infinity, 'the probability LogSoftmax does without');
  });

  it('then SoftmaxLoss is SoftmaxLoss on the scores, loss and gradient (PyTorch\'s nll_loss of log_softmax)', () => {
    const scores = [0.3, -1.2, 2.5, 0.1, 4, -3, 0.5, 0.5, 1.5, -0.25, 0, 2];  // [3, 4]
    const labels = [2, 0, 3];
    const direct = run({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'l'] }, [[3, 4], [3]], [scores, labels]);
    direct.layer.backward(direct.tops, [true, false], direct.bottoms);
    const lsm = run({ type: 'LogSoftmax', name: 'lsm', bottoms: ['s'], tops: ['logp'] }, [[3, 4]], [scores]);
    const loss = run({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['logp', 'l'] }, [[3, 4], [3]], [Array.from(lsm.tops[0].read()), labels]);
    near(loss.tops[0].read()[0], direct.tops[0].read()[0]);
    loss.layer.backward(loss.tops, [true, false], loss.bottoms);
    lsm.tops[0].writeDiff(loss.bottoms[0].readDiff());
    lsm.layer.backward(lsm.tops, [true], lsm.bottoms);
    const [got, want] = [lsm.bottoms[0].readDiff(), direct.bottoms[0].readDiff()];
    want.forEach((v, i) => near(got[i], v));
  });
});

describe('SoftmaxLoss', () => {
  const loss = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['scores', 'label'], ...extra });

  it('uniform scores give log(C); the top defaults to the layer name and holds the plain loss', () => {
    const b = run(loss({ lossWeight: 3 }), [[4, 5], [4]], [Array(20).fill(0.7), [0, 1, 4, 2]]);
    assert.deepEqual(b.layer.config.tops, ['loss']);
    assert.deepEqual(b.tops[0].shape, [1]);
    near(b.tops[0].read()[0], Math.log(5));
    assert.equal(b.layer.lossWeight, 3);
    assert.equal(b.layer.propagatesTo(0), true);
    assert.equal(b.layer.propagatesTo(1), false);
  });

  it('backward gives lossWeight (p - onehot) / valid count', () => {
    const b = run(loss({ lossWeight: 2 }), [[2, 4], [2]], [Array(8).fill(0), [1, 3]]);
    b.layer.backward(b.tops, [true, false], b.bottoms);
    const dx = b.bottoms[0].readDiff();
    const expected = [0.25, -0.75, 0.25, 0.25, 0.25, 0.25, 0.25, -0.75].map((v) => (2 * v) / 2);
    expected.forEach((v, i) => near(dx[i], v));
  });

  it('spatial labels with ignoreLabel, under each normalization', () => {
    // scores [2, 3, 2, 2] all equal; labels [2, 2, 2] with 3 of 8 positions ignored
    const labels = [0, 255, 2, 1, 255, 255, 1, 0];
    const valid = 5;
    const cases: [string, number][] = [['valid', valid], ['batch', 2], ['full', 8], ['none', 1]];
    for (const [normalization, divisor] of cases) {
      const b = run(loss({ ignoreLabel: 255, normalization }), [[2, 3, 2, 2], [2, 2, 2]], [Array(24).fill(0), labels]);
      near(b.tops[0].read()[0], (valid * Math.log(3)) / divisor);
      b.layer.backward(b.tops, [true, false], b.bottoms);
      const dx = b.bottoms[0].readDiff();
      // position 1 of sample 0 is ignored: no gradient in any class
      for (let c = 0; c < 3; c++) assert.equal(dx[c * 4 + 1], 0, `${normalization}: ignored position got a gradient`);
      near(dx[0], (1 / 3 - 1) / divisor); // sample 0, class 0, position 0 has label 0
    }
  });

  it('rejects a label blob of the wrong size, naming the layer and both blobs', () => {
    assert.throws(
      () => buildLayer(backend, loss(), [[2, 3, 2, 2], [2]]),
      (e: Error) => e instanceof ShapeError && /layer "loss" \(SoftmaxLoss\)/.test(e.message) && /"label"/.test(e.message) && /"scores"/.test(e.message) && /8 values/.test(e.message),
    );
  });
});

describe('Accuracy', () => {
  // 4 samples, 3 classes; the scores rank the classes as noted
  const scores = [
    0.1, 0.7, 0.2, // 1 > 2 > 0
    0.5, 0.3, 0.2, // 0 > 1 > 2
    0.2, 0.3, 0.5, // 2 > 1 > 0
    0.6, 0.1, 0.3, // 0 > 2 > 1
  ];
  const labels = [1, 1, 0, 2];
  const acc = (extra: Record<string, unknown> = {}): LayerConfig => ({ type: 'Accuracy', name: 'acc', bottoms: ['scores', 'label'], ...extra });

  it('top-1 and top-2', () => {
    const top1 = run(acc(), [[4, 3], [4]], [scores, labels]);
    assert.deepEqual(top1.layer.config.tops, ['acc']);
    near(top1.tops[0].read()[0], 1 / 4);
    near(run(acc({ topK: 2 }), [[4, 3], [4]], [scores, labels]).tops[0].read()[0], 3 / 4);
    near(run(acc({ topK: 3 }), [[4, 3], [4]], [scores, labels]).tops[0].read()[0], 1);
  });

  it('ignoreLabel positions are not counted; no gradient flows', () => {
    const b = run(acc({ ignoreLabel: -1 }), [[4, 3], [4]], [scores, [1, -1, -1, 2]]);
    near(b.tops[0].read()[0], 1 / 2);
    assert.equal(b.layer.propagatesTo(0), false);
    assert.equal(b.layer.propagatesTo(1), false);
  });

  it('rejects topK above the class count', () => {
    assert.throws(
      () => buildLayer(backend, acc({ topK: 4 }), [[4, 3], [4]]),
      (e: Error) => e instanceof ShapeError && /layer "acc" \(Accuracy\)/.test(e.message) && /"topK"/.test(e.message) && /3 classes/.test(e.message),
    );
  });
});
