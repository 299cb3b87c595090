/** net.predict: equals a manual forward, any N, repeated calls, chosen blobs, errors; a deploy LeNet sharing a train net's weights. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { InputLayer } from '../../src/layers/input.js';
import { lenet, lenetBody, syntheticMnist } from '../../examples/mnist/lenet.js';

const backend = new JsBackend('float32');

function mlp(batch: number): LayerConfig[] {
  return [
    { type: 'Input', name: 'in', tops: ['x'], shapes: [[batch, 4]] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['scores'], numOutput: 3, biasInit: { type: 'Uniform', min: -1, max: 1 } },
    { type: 'Softmax', name: 'softmax', bottoms: ['scores'], tops: ['prob'] },
  ];
}

const samples = (n: number, seed = 1) => Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('net.predict', () => {
  it('returns the net\'s outputs, equal to feeding the Input layer and running forward', () => {
    const net = new Net(mlp(3), { backend, phase: 'test' });
    assert.deepEqual(net.outputBlobNames, ['prob']);
    const x = samples(3);
    const out = net.predict({ x });
    assert.deepEqual([...out.keys()], ['prob']);
    (net.layer('in') as InputLayer).feed('x', x);
    net.forward();
    assert.deepEqual([...(out.get('prob') ?? [])], [...net.blob('prob').read()]);
    const rowSums = [0, 1, 2].map((r) => [0, 1, 2].reduce((s, c) => s + (out.get('prob') as Float32Array)[3 * r + c], 0));
    close(rowSums, [1, 1, 1], 1e-6, 'softmax rows');
  });

  it('handles any N: ceil(N / batch) passes, the last padded and cut back, same rows as one sample at a time', () => {
    const net = new Net(mlp(3), { backend, phase: 'test' });
    const single = new Net(mlp(1), { backend, phase: 'test', shareParamsWith: net });
    for (const n of [1, 2, 3, 7]) {
      const x = samples(n, n);
      const prob = net.predict(new Map([['x', x]])).get('prob') as Float32Array;
      assert.equal(prob.length, 3 * n);
      for (let r = 0; r < n; r++) {
        const one = single.predict({ x: x.subarray(4 * r, 4 * r + 4) }).get('prob') as Float32Array;
        close(prob.subarray(3 * r, 3 * r + 3), one, 1e-6, `N ${n}, row ${r}`);
      }
    }
  });

  it('gives the same answers over many calls, follows new inputs, and accepts plain arrays', () => {
    const net = new Net(mlp(2), { backend, phase: 'test' });
    const a = samples(5, 1);
    const b = samples(5, 2);
    const first = net.predict({ x: a }).get('prob') as Float32Array;
    for (let i = 0; i < 20; i++) {
      const again = net.predict({ x: i % 2 ? b : a }).get('prob') as Float32Array;
      if (i % 2 === 0) assert.deepEqual([...again], [...first], `call ${i}`);
      else assert.notDeepEqual([...again], [...first]);
    }
    assert.deepEqual([...(net.predict({ x: [...a] }).get('prob') as Float32Array)], [...first]);
  });

  it('returns the blobs asked for, inner ones included', () => {
    const net = new Net(mlp(2), { backend, phase: 'test' });
    const out = net.predict({ x: samples(3) }, { blobs: ['scores', 'prob', 'x'] });
    assert.deepEqual([...out.keys()], ['scores', 'prob', 'x']);
    assert.deepEqual([...(out.get('x') as Float32Array)], [...samples(3)]);
    assert.equal(out.get('scores')?.length, 9);
  });

  it('fails clearly on a missing, unknown or mis-sized input, an unknown blob, a blob without batch axis, a net without Input', () => {
    const net = new Net([...mlp(2), { type: 'Reduction', name: 'sum', bottoms: ['scores'], tops: ['total'], axis: 0 }], { backend, phase: 'test' });
    const err = (f: () => unknown, type: new (m: string) => Error, re: RegExp) => assert.throws(f, (e: Error) => e instanceof type && re.test(e.message), re.source);
    err(() => net.predict({}), ConfigError, /predict needs values for Input top "x" \(layer "in" \(Input\)\), found none; inputs are "x" \[4\] per sample/);
    err(() => net.predict({ x: samples(2), y: [1] }), ConfigError, /got values for "y", which is not the top of an Input layer/);
    err(() => net.predict({ x: [1, 2, 3] }), ShapeError, /input "x" takes samples of shape \[4\], N >= 1 samples of 4 values; found 3 values/);
    err(() => net.predict({ x: [] }), ShapeError, /found 0 values/);
    err(() => net.predict({ x: samples(2) }, { blobs: ['nope'] }), ConfigError, /no blob named "nope"; blobs are/);
    err(() => net.predict({ x: samples(2) }, { blobs: ['total'] }), ShapeError, /first axis is the batch \(2\), and blob "total" is \[\]/);
    const noInput = new Net([{ type: 'MemoryData', name: 'd', tops: ['x'], batchSize: 1, data: [{ values: [1, 2], shape: [2, 1] }] }, { type: 'Power', name: 'p', bottoms: ['x'], tops: ['y'] }], { backend });
    err(() => noInput.predict({ x: [1] }), ConfigError, /this net has none; declare the inputs as \{ type: 'Input'/);
  });

  it('checks that two inputs hold the same number of samples', () => {
    const net = new Net([
      { type: 'Input', name: 'in', tops: ['a', 'b'], shapes: [[2, 2], [2, 1]] },
      { type: 'Concat', name: 'cat', bottoms: ['a', 'b'], tops: ['ab'], axis: 1 },
    ], { backend, phase: 'test' });
    const out = net.predict({ a: [1, 2, 3, 4, 5, 6], b: [7, 8, 9] }).get('ab') as Float32Array;
    assert.deepEqual([...out], [1, 2, 7, 3, 4, 8, 5, 6, 9]);
    assert.throws(() => net.predict({ a: [1, 2, 3, 4], b: [7, 8, 9] }), /input "b" takes samples of shape \[1\], 2 samples \(as "a"\), that is 2 values; found 3 values/);
  });

  it('a deploy LeNet sharing a train net\'s weights predicts the probabilities of the train net\'s forward', () => {
    const data = syntheticMnist(16, 3);
    const train = new Net(lenet({ batchSize: 8, train: data, shuffle: false }), { backend, seed: 5 });
    train.forward();
    const scores = train.blob('ip2').read();
    const expected = new Float32Array(scores.length);
    for (let r = 0; r < 8; r++) {
      const row = scores.subarray(10 * r, 10 * r + 10);
      const m = Math.max(...row);
      const e = [...row].map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (expected[10 * r + c] = v / s));
    }
    const deploy = new Net([
      { type: 'Input', name: 'input', tops: ['data'], shapes: [[5, 1, 28, 28]] },
      ...lenetBody().filter((l) => l.type !== 'SoftmaxLoss' && l.type !== 'Accuracy'),
      { type: 'Softmax', name: 'prob', bottoms: ['ip2'], tops: ['prob'] },
    ], { backend, phase: 'test', shareParamsWith: train, name: 'deploy' });
    assert.equal(deploy.params.length, train.params.length);
    const prob = deploy.predict({ data: data.images.subarray(0, 8 * 784) }).get('prob') as Float32Array;
    close(prob, expected, 1e-5, 'prob');
  });
});
