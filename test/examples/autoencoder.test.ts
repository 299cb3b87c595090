import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { Backend } from '../../src/backend/backend.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver } from '../../src/solver/solver.js';
import { syntheticMnist } from '../../examples/mnist/lenet.js';
import {
  buildPretrainNet, classifierNet, corruption, frozenBelow, pretrainNet, pretrainSolver, type SdaeOptions,
} from '../../examples/autoencoder/net.js';

test('the builders make valid nets at full size: 784-1000-1000-1000 pre-training levels and the classifier', () => {
  const data = syntheticMnist(200);
  const o: SdaeOptions = { train: data, test: data };
  const backend = new JsBackend();
  const level3 = new Net(pretrainNet(o, 3), { backend, phase: 'train', seed: 1 }).toString();
  assert.match(level3, /enc1 +InnerProduct +data -> enc1\[100, 1000\]/);
  assert.match(level3, /enc2 +InnerProduct +enc1 -> enc2\[100, 1000\]/);
  assert.match(level3, /mask3 +RandomMask +enc2\S* -> enc2-noisy\[100, 1000\]/);
  assert.match(level3, /enc3 +InnerProduct +enc2-noisy -> enc3\[100, 1000\]/);
  assert.match(level3, /dec3 +TiedInnerProduct +enc3 -> dec3\[100, 1000\]/);
  assert.match(level3, /recon-loss +SquareLoss +dec3, enc2\S* -> recon-loss\[1\]/);
  const level1 = new Net(pretrainNet(o, 1), { backend, phase: 'train', seed: 1 }).toString();
  assert.match(level1, /dec1 +TiedInnerProduct +enc1 -> dec1\[100, 784\]/);
  assert.match(level1, /recon-loss +SquareLoss +dec1, data\S* -> recon-loss\[1\]/);
  for (const phase of ['train', 'test'] as const) {
    const s = new Net(classifierNet(o), { backend, phase, seed: 1 }).toString();
    assert.match(s, /enc3 +InnerProduct +enc2 -> enc3\[100, 1000\]/);
    assert.match(s, /out +InnerProduct +enc3 -> out\[100, 10\]/);
    assert.match(s, /loss +SoftmaxLoss +out\S*, label\S* -> loss\[1\]/);
    assert.equal(/accuracy +Accuracy/.test(s), phase === 'test');
  }
  assert.deepEqual(frozenBelow(3), ['enc1', 'enc2']);
  assert.deepEqual([1, 2, 3].map(corruption), [0.1, 0.2, 0.30000000000000004]);
  assert.throws(() => pretrainNet(o, 4), /level must be an integer from 1 to 3.*found 4/);
});

/** The reconstruction loss of `level` on the whole data set without masking (a test-phase net). */
function reconLoss(backend: Backend, o: SdaeOptions, level: number, store: Net): number {
  const net = new Net(pretrainNet(o, level), { backend, phase: 'test', shareParamsWith: store, rng: new Random(3) });
  net.forward();
  const loss = net.outputs().get('recon-loss')!;
  net.destroy();
  return loss;
}

test('pre-training lowers each level\'s reconstruction loss with the lower levels frozen; fine-tuning starts from those weights', () => {
  const backend = new JsBackend();
  const data = syntheticMnist(40, 5);
  const o: SdaeOptions = { train: data, test: data, hidden: [32, 16], batchSize: 20, testBatchSize: 40 };
  const download = (net: Net, layer: string) => Array.from(backend.download(net.layer(layer).params[0].blob.data));

  const level1 = buildPretrainNet(backend, o, 1, undefined, 7);
  const before1 = reconLoss(backend, o, 1, level1);
  const s1 = new Solver(level1, pretrainSolver(40));
  for (let i = 0; i < 40; i++) s1.step();
  const after1 = reconLoss(backend, o, 1, level1);
  assert.ok(after1 < 0.95 * before1, `level 1 reconstruction ${before1} -> ${after1}`);
  const enc1 = download(level1, 'enc1');

  const level2 = buildPretrainNet(backend, o, 2, level1, 7);
  assert.equal(level2.layer('enc1').frozen, true);
  assert.equal(level2.layer('enc2').frozen, false);
  // The decoder reads the encoder's own weight blob, transposed; enc1 is the level-1 net's.
  assert.equal(level2.layer('dec2').params[0], level2.layer('enc2').params[0]);
  assert.equal(level2.layer('enc1').params[0], level1.layer('enc1').params[0]);
  assert.ok(!level2.learnableParams.includes(level2.layer('enc1').params[0]));
  const enc2Start = download(level2, 'enc2');
  const before2 = reconLoss(backend, o, 2, level1);
  const s2 = new Solver(level2, pretrainSolver(40));
  for (let i = 0; i < 40; i++) s2.step();
  const after2 = reconLoss(backend, o, 2, level1);
  assert.ok(after2 < 0.95 * before2, `level 2 reconstruction ${before2} -> ${after2}`);
  assert.deepEqual(download(level2, 'enc1'), enc1, 'the frozen enc1 must not change while level 2 trains');
  assert.deepEqual(Array.from(backend.download(level2.layer('enc1').params[1].blob.data)), Array.from(backend.download(level1.layer('enc1').params[1].blob.data)));
  const enc2 = download(level2, 'enc2');
  assert.notDeepEqual(enc2, enc2Start, 'enc2 must learn');

  // Fine-tuning in the same store starts from the pre-trained encoder; a fresh net does not.
  const finetune = new Net(classifierNet(o), { backend, phase: 'train', shareParamsWith: level1 });
  assert.deepEqual(download(finetune, 'enc1'), enc1);
  assert.deepEqual(download(finetune, 'enc2'), enc2);
  assert.equal(finetune.layer('enc2').params[0], level2.layer('enc2').params[0]);
  const fresh = new Net(classifierNet(o), { backend, phase: 'train', seed: 7 });
  assert.notDeepEqual(download(fresh, 'enc2'), enc2);
  // And fine-tuning updates them (nothing is frozen there).
  const s3 = new Solver(finetune, { method: 'SGD', baseLr: 0.1, maxIter: 2 });
  s3.step();
  assert.notDeepEqual(download(finetune, 'enc1'), enc1);
});
