import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { readDefinition } from '../../src/node/definition.js';
import { parseSolverConfig } from '../../src/solver/solver.js';
import { lenet, syntheticMnist } from '../../examples/mnist/lenet.js';

const jsonPath = resolve(fileURLToPath(import.meta.url), '../../../../examples/mnist/lenet.json');

test('the LeNet definition file and the LeNet code describe the same net and recipe', () => {
  const def = readDefinition(jsonPath);
  const data = syntheticMnist(128);
  // The file's data layers name MNIST as their source; give both versions the same arrays.
  const fromFile = def.layers.map(({ source: _s, ...l }) => l.type === 'MemoryData'
    ? { ...l, data: [{ values: data.images, shape: [data.count, 1, 28, 28] }, { values: data.labels, shape: [data.count] }] }
    : l);
  const fromCode = lenet({ train: data, test: data });
  for (const phase of ['train', 'test'] as const) {
    const a = new Net(fromFile, { backend: new JsBackend(), phase, seed: 1 });
    const b = new Net(fromCode, { backend: new JsBackend(), phase, seed: 1 });
    assert.equal(a.toString(), b.toString());
    assert.deepEqual(a.params.map((p) => [p.key, p.lrMult, p.decayMult]), b.params.map((p) => [p.key, p.lrMult, p.decayMult]));
    a.params.forEach((p, i) => assert.deepEqual(p.blob.read(), b.params[i].blob.read()));
  }
  const s = parseSolverConfig(def.solver!);
  assert.deepEqual([s.baseLr, s.momentum, s.weightDecay, s.maxIter], [0.01, 0.9, 0.0005, 10000]);
  assert.deepEqual(s.lrPolicy, { type: 'inv', gamma: 0.0001, power: 0.75 });
  const train = new Net(fromCode, { backend: new JsBackend(), seed: 1 });
  assert.match(train.toString(), /pool2 +Pooling +conv2 -> pool2\[64, 50, 4, 4\]/);
  assert.match(train.toString(), /ip2 +InnerProduct +ip1 -> ip2\[64, 10\]/);
});
