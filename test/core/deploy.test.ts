/** deployDefinition: the inference net of a training definition, on examples/mnist/lenet.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { deployDefinition } from '../../src/core/deploy.js';
import { ConfigError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const lenet = (JSON.parse(readFileSync(resolve(root, 'examples/mnist/lenet.json'), 'utf8')) as { layers: LayerConfig[] }).layers;

test('the deploy net of LeNet: an Input of [batch, 1, 28, 28] in place of the data layers, no loss, no accuracy', () => {
  const deploy = deployDefinition(lenet, { batchSize: 5 });
  assert.deepEqual(deploy.map((l) => l.name), ['input', 'conv1', 'pool1', 'conv2', 'pool2', 'ip1', 'ip2']);
  assert.deepEqual(deploy[0], { type: 'Input', name: 'input', tops: ['data'], shapes: [[5, 1, 28, 28]] });
  assert.ok(deploy.every((l) => l.include === undefined && l.exclude === undefined));
  assert.deepEqual(deployDefinition(lenet, { inputShape: [1, 32, 32] })[0]!.shapes, [[1, 1, 32, 32]]);
});

test("the deploy net's predict equals the training net's forward on the same weights", () => {
  const backend = new JsBackend();
  const n = 20;
  const images = new Float32Array(n * 784).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const labels = new Float32Array(n).map((_, i) => i % 10);
  // The training definition with its MNIST sources replaced by 20 inline images.
  const withData = lenet.map((l) => (l.type === 'MemoryData' ? { ...l, source: undefined, batchSize: n, shuffle: false, data: [{ values: images, shape: [n, 1, 28, 28] }, { values: labels, shape: [n] }] } : l));
  const trainNet = new Net(withData, { backend, seed: 7, phase: 'test', name: 'test' });
  trainNet.forward();
  const expected = trainNet.blob('ip2').read();
  const deployNet = new Net(deployDefinition(lenet, { batchSize: 8 }), { backend, phase: 'test', shareParamsWith: trainNet, name: 'deploy' });
  const got = deployNet.predict({ data: images }).get('ip2')!;
  assert.equal(got.length, n * 10);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - expected[i]!) <= 1e-5 * (1 + Math.abs(expected[i]!)), `score ${i}: ${got[i]} vs ${expected[i]}`);
});

test('a data layer whose shape the definition does not hold needs inputShape, and the message says so', () => {
  const hdf5: LayerConfig[] = [
    { type: 'HDF5Data', name: 'train', tops: ['x', 'y'], source: 'train.txt', batchSize: 4 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['z'], numOutput: 2 },
    { type: 'EuclideanLoss', name: 'loss', bottoms: ['z', 'y'], tops: ['loss'] },
  ];
  assert.throws(() => deployDefinition(hdf5), (e: Error) => e instanceof ConfigError && /layer "train" \(HDF5Data\)/.test(e.message) && /top "x"/.test(e.message) && /inputShape/.test(e.message));
  assert.deepEqual(deployDefinition(hdf5, { inputShape: [6] }).map((l) => l.name), ['input', 'ip']);
  assert.deepEqual(deployDefinition(hdf5, { inputShape: { x: [6] } })[0]!.shapes, [[1, 6]]);
});
