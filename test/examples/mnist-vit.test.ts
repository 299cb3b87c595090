import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver } from '../../src/solver/solver.js';
import type { Dataset } from '../../examples/mnist/lenet.js';
import { syntheticMnist } from '../../examples/mnist/lenet.js';
import { vit, vitSolver } from '../../examples/mnist-vit/net.js';

/** Images a small net can learn: class c is a fixed random pattern plus noise. */
function prototypes(count: number, seed = 4): Dataset {
  const rng = new Random(seed);
  const protos = new Float32Array(10 * 784);
  rng.fillUniform(protos);
  const images = new Float32Array(count * 784);
  rng.fillUniform(images, -0.3, 0.3);
  const labels = Float32Array.from({ length: count }, (_, i) => i % 10);
  for (let i = 0; i < count; i++) for (let j = 0; j < 784; j++) images[i * 784 + j] += protos[(i % 10) * 784 + j];
  return { images, labels, count };
}

test('the vision transformer builds at full size: 17 tokens of 64, 4 heads of 17 x 17 attention weights, the class token learned once', () => {
  const data = syntheticMnist(200);
  const net = new Net(vit({ train: data, test: data }), { backend: new JsBackend(), phase: 'train', seed: 1 });
  const s = net.toString();
  assert.match(s, /tokens +Permute +patch-rows -> tokens\[100, 16, 64\]/);
  assert.match(s, /sequence +Concat +class-tokens, tokens -> sequence\[100, 17, 64\]/);
  assert.match(s, /b1-scores +MatMul +b1-q-heads, b1-k-heads -> b1-scores\[100, 4, 17, 17\]/);
  assert.match(s, /b2-gelu +GELU +b2-fc1 -> b2-gelu\[100, 17, 128\]/);
  assert.match(s, /head +InnerProduct +class-vector -> out\[100, 10\]/);
  assert.deepEqual(net.params.find((p) => p.key === 'class-token___value')!.blob.shape, [1, 1, 64]);
  assert.deepEqual(net.params.find((p) => p.key === 'position___bias')!.blob.shape, [17, 64]);
  net.destroy();
  assert.throws(() => vit({ train: data, test: data, testBatchSize: 50 }), /one batch size/);
});

test('a few Adam steps of a narrowed transformer lower the test loss and learn the class token', () => {
  const backend = new JsBackend();
  const data = prototypes(60);
  const layers = vit({ train: data, test: data, batchSize: 20, testBatchSize: 20, width: 16, heads: 2, blocks: 1 });
  const train = new Net(layers, { backend, phase: 'train', seed: 7 });
  const evalNet = new Net(layers, { backend, phase: 'test', shareParamsWith: train });
  evalNet.forward();
  const before = evalNet.outputs().get('loss')!;
  const token = train.params.find((p) => p.key === 'class-token___value')!;
  const token0 = Float32Array.from(token.blob.read());
  const solver = new Solver(train, { ...vitSolver(200), baseLr: 3e-3 });
  for (let i = 0; i < 200; i++) solver.step();
  let after = 0;
  for (let i = 0; i < 3; i++) {
    evalNet.forward();
    after += evalNet.outputs().get('loss')! / 3;
  }
  assert.ok(after < 0.5 * before, `test loss ${before} -> ${after}`);
  assert.ok(token.blob.read().some((v, i) => Math.abs(v - token0[i]) > 1e-4), 'the class token did not change');
  train.destroy();
  evalNet.destroy();
});
