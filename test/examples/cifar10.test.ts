/**
 * The CIFAR-10 definitions (examples/cifar10/quick.json and full.json) build from their files with
 * data in CIFAR-10's binary format read through their `cifar10:` sources, have Caffe's shapes and
 * recipes, and train: a few solver steps on JsBackend lower the loss. The data is synthetic (the
 * data set cannot be downloaded here) and the batch smaller than the recipe's 100, to keep it short.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { readDefinition, resolveSources } from '../../src/node/definition.js';
import { parseSolverConfig, Solver } from '../../src/solver/solver.js';
import type { Raw } from '../../src/core/config.js';

const examples = resolve(fileURLToPath(import.meta.url), '../../../../examples/cifar10');
const dir = mkdtempSync(join(tmpdir(), 'cortado-cifar10-example-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `count` records in CIFAR-10's format whose class shows in the image: label c lights up plane
 * c mod 3 and the band of rows c*3..c*3+5, on noise.
 */
function syntheticBatch(count: number, seed: number): Buffer {
  const rng = new Random(seed);
  const bytes = Buffer.alloc(count * 3073);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    const at = i * 3073;
    bytes[at] = label;
    for (let k = 0; k < 3072; k++) {
      const plane = Math.floor(k / 1024);
      const row = Math.floor((k % 1024) / 32);
      const lit = plane === label % 3 && row >= label * 3 && row < label * 3 + 5;
      bytes[at + 1 + k] = lit ? 200 + rng.int(56) : rng.int(80);
    }
  }
  return bytes;
}

writeFileSync(join(dir, 'data_batch_1.bin'), syntheticBatch(10, 1));
writeFileSync(join(dir, 'data_batch_2.bin'), syntheticBatch(10, 2));
writeFileSync(join(dir, 'test_batch.bin'), syntheticBatch(10, 3));

/** The file's layers with its sources pointed at the synthetic files and batches of `batch`. */
function layersOf(file: string, batch: number): LayerConfig[] {
  const def = readDefinition(join(examples, file));
  const layers = def.layers.map((l) => l.type !== 'MemoryData' ? l : {
    ...l,
    batchSize: batch,
    shuffle: false,
    source: l.include?.phase === 'test' ? `cifar10:${dir}/test_batch.bin` : `cifar10:${dir}/data_batch_1.bin,data_batch_2.bin`,
  });
  return resolveSources(layers);
}

function losses(file: string, steps: number): number[] {
  const net = new Net(layersOf(file, 20), { backend: new JsBackend(), phase: 'train', seed: 7 });
  const def = readDefinition(join(examples, file));
  const solver = new Solver(net, { ...def.solver!, maxIter: steps } as Raw);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    solver.step();
    out.push(net.loss());
  }
  net.destroy();
  return out;
}

test('quick.json: Caffe\'s cifar10_quick net and solver', () => {
  const def = readDefinition(join(examples, 'quick.json'));
  const s = parseSolverConfig(def.solver!);
  assert.deepEqual([s.baseLr, s.momentum, s.weightDecay, s.maxIter], [0.001, 0.9, 0.004, 5000]);
  assert.deepEqual(s.lrPolicy, { type: 'multistep', gamma: 0.1, stepvalues: [4000] });
  const train = new Net(layersOf('quick.json', 4), { backend: new JsBackend(), phase: 'train', seed: 1 }).toString();
  assert.match(train, /center +Power +data -> centered\[4, 3, 32, 32\]/);
  assert.match(train, /pool1 +Pooling +conv1 -> pool1\[4, 32, 16, 16\]/);
  assert.match(train, /pool3 +Pooling +relu3 -> pool3\[4, 64, 4, 4\]/);
  assert.match(train, /ip2 +InnerProduct +ip1 -> ip2\[4, 10\]/);
  const test = new Net(layersOf('quick.json', 4), { backend: new JsBackend(), phase: 'test', seed: 1 });
  assert.match(test.toString(), /accuracy +Accuracy/);
  test.forward();
  const acc = test.blob('accuracy').read()[0];
  assert.ok(acc >= 0 && acc <= 1, `accuracy ${acc}`);
  test.destroy();
});

test('full.json: Caffe\'s cifar10_full net (LRN within channel) and solver', () => {
  const def = readDefinition(join(examples, 'full.json'));
  const s = parseSolverConfig(def.solver!);
  assert.deepEqual([s.baseLr, s.momentum, s.weightDecay, s.maxIter], [0.001, 0.9, 0.004, 70000]);
  assert.deepEqual(s.lrPolicy, { type: 'multistep', gamma: 0.1, stepvalues: [60000, 65000] });
  const net = new Net(layersOf('full.json', 4), { backend: new JsBackend(), phase: 'train', seed: 1 });
  assert.match(net.toString(), /norm2 +LRN +pool2 -> norm2\[4, 32, 8, 8\]/);
  assert.match(net.toString(), /ip1 +InnerProduct +pool3 -> ip1\[4, 10\]/);
  assert.deepEqual(net.params.filter((p) => p.key.startsWith('ip1')).map((p) => p.decayMult), [250, 0]);
  net.destroy();
});

for (const file of ['quick.json', 'full.json']) {
  test(`${file}: a few solver steps with its recipe lower the loss (JsBackend, synthetic data)`, () => {
    const l = losses(file, 6);
    assert.ok(l.every(Number.isFinite), `losses ${l}`);
      const shown = l.map((x) => x.toFixed(5)).join(', ');
    // The same 20 images every step (batch 20, no shuffle), so each step should lower the loss.
    for (let i = 1; i < l.length; i++) assert.ok(l[i] < l[i - 1], `loss rose at step ${i + 1}: ${shown}`);
    assert.ok(l[l.length - 1] < l[0] - 1e-3, `loss barely moved: ${shown}`);
  });
}
