import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver, parseSolverConfig } from '../../src/solver/solver.js';
import { learningRate, momentumAt } from '../../src/solver/policies.js';
import type { Dataset } from '../../examples/mnist/lenet.js';
import { syntheticMnist } from '../../examples/mnist/lenet.js';
import { EPOCH, mlp, mlpSolver } from '../../examples/mnist-mlp/net.js';

/** Images a small net can learn: class c is a fixed random pattern plus noise. */
function prototypes(count: number, seed = 3): Dataset {
  const rng = new Random(seed);
  const protos = new Float32Array(10 * 784);
  rng.fillUniform(protos);
  const noise = new Float32Array(count * 784);
  rng.fillUniform(noise, -0.3, 0.3);
  const images = new Float32Array(count * 784);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    for (let j = 0; j < 784; j++) images[i * 784 + j] = protos[(i % 10) * 784 + j] + noise[i * 784 + j];
  }
  return { images, labels, count };
}

test('the MLP builds at full size, 784-1200-1200-10 with dropout and L2Cons, in both phases', () => {
  const data = syntheticMnist(200);
  const layers = mlp({ train: data, test: data });
  const backend = new JsBackend();
  const train = new Net(layers, { backend, phase: 'train', seed: 1 });
  const s = train.toString();
  assert.match(s, /drop-in +Dropout +data -> data-drop\[100, 784\]/);
  assert.match(s, /fc1 +InnerProduct +data-drop -> fc1\[100, 1200\]/);
  assert.match(s, /fc2 +InnerProduct +fc1-drop -> fc2\[100, 1200\]/);
  assert.match(s, /out +InnerProduct +fc2-drop -> out\[100, 10\]/);
  assert.doesNotMatch(s, /Accuracy/);
  const weights = train.params.filter((p) => p.key.endsWith('weight'));
  assert.equal(weights.length, 3);
  for (const p of weights) assert.equal(p.constraint?.type, 'L2Cons', p.key);
  assert.ok(train.params.find((p) => p.key.startsWith('out') && p.key.endsWith('weight'))!.blob.read().every((v) => v === 0));
  const testNet = new Net(layers, { backend, phase: 'test', shareParamsWith: train });
  assert.match(testNet.toString(), /accuracy +Accuracy +out, label -> accuracy/);
});

test("the MLP's solver is Mocha's schedule: lr 0.1 x 0.998 per epoch, momentum 0.5 rising 0.0008 per epoch to 0.9", () => {
  const s = parseSolverConfig(mlpSolver());
  assert.equal(s.maxIter, 1_200_000);
  assert.equal(s.weightDecay, 0);
  assert.equal(learningRate(s.lrPolicy, s.baseLr, EPOCH - 1, s.maxIter), 0.1);
  assert.ok(Math.abs(learningRate(s.lrPolicy, s.baseLr, 10 * EPOCH, s.maxIter) - 0.1 * 0.998 ** 10) < 1e-12);
  assert.equal(momentumAt(s.momentumPolicy, s.momentum, 0), 0.5);
  assert.ok(Math.abs(momentumAt(s.momentumPolicy, s.momentum, 100 * EPOCH) - 0.58) < 1e-12);
  assert.equal(momentumAt(s.momentumPolicy, s.momentum, 1000 * EPOCH), 0.9);
});

test('a few SGD steps of the (narrowed) MLP lower the test loss and keep every weight row within 4.5', () => {
  const backend = new JsBackend();
  const data = prototypes(100);
  const layers = mlp({ train: data, test: data, batchSize: 20, testBatchSize: 100, hidden: 256 });
  const train = new Net(layers, { backend, phase: 'train', seed: 5 });
  const evalNet = new Net(layers, { backend, phase: 'test', shareParamsWith: train });
  evalNet.forward();
  const before = evalNet.outputs();
  assert.ok(Math.abs(before.get('loss')! - Math.log(10)) < 1e-5, `zero output weights give ln 10, found ${before.get('loss')}`);
  const solver = new Solver(train, mlpSolver(150));
  for (let i = 0; i < 150; i++) solver.step();
  evalNet.forward();
  const after = evalNet.outputs();
  assert.ok(after.get('loss')! < 0.5 * before.get('loss')!, `test loss ${before.get('loss')} -> ${after.get('loss')}`);
  assert.ok(after.get('accuracy')! > 0.5, `accuracy ${after.get('accuracy')}`);
  for (const p of train.params.filter((q) => q.key.endsWith('weight'))) {
    const w = p.blob.read();
    const cols = p.blob.count / p.blob.shape[0];
    for (let r = 0; r < p.blob.shape[0]; r++) {
      let sq = 0;
      for (let c = 0; c < cols; c++) sq += w[r * cols + c] ** 2;
      assert.ok(Math.sqrt(sq) <= 4.5 * (1 + 1e-5), `${p.key} row ${r} norm ${Math.sqrt(sq)}`);
    }
  }
});
