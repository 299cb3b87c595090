/**
 * The GoogLeNet of examples/imagenet: the files are what googlenet.ts writes; the deploy net has
 * the paper's shapes (Table 1's output sizes), 6,998,552 parameters and Caffe's bvlc_googlenet names;
 * the train net with its two auxiliary heads runs forward and backward on every available backend
 * (batch 1, 224×224, the only size at which the 7×7 average pooling fits), and the deploy net gives
 * the same probabilities on every backend.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { readDefinition } from '../../src/node/definition.js';
import { availableBackends, type BackendEntry } from '../harness/backends.js';
import { definitionFiles, formatDefinition } from '../../examples/imagenet/definitions.js';
import { googlenetDeploy, googlenetTrain, TABLE_1 } from '../../examples/imagenet/googlenet.js';

const folder = resolve(fileURLToPath(import.meta.url), '../../../../examples/imagenet');
const backends = await availableBackends();

/** A train net fed by MemoryData: `n` random images in 0..255 minus 128, labels below 1000. */
function trainLayers(n: number): LayerConfig[] {
  const rng = new Random(7);
  const images = Float32Array.from({ length: n * 3 * 224 * 224 }, () => rng.uniform() * 255 - 128);
  const labels = Float32Array.from({ length: n }, (_, i) => (i * 389) % 1000);
  return googlenetTrain([{
    type: 'MemoryData', name: 'data', tops: ['data', 'label'], batchSize: n,
    data: [{ values: images, shape: [n, 3, 224, 224] }, { values: labels, shape: [n] }],
  }]);
}

describe('GoogLeNet (examples/imagenet)', () => {
  it('the definition files are what definitions.ts writes, and read as definitions', () => {
    for (const [file, def] of definitionFiles()) {
      assert.equal(readFileSync(resolve(folder, file), 'utf8'), formatDefinition(def), `${file} differs from googlenet.ts: run node dist/examples/imagenet/definitions.js`);
      assert.ok(readDefinition(resolve(folder, file)).layers.length > 80);
    }
  });

  it('the deploy net has the paper\'s output sizes, 6998552 parameters and Caffe\'s names', () => {
    const net = new Net(googlenetDeploy(1), { backend: backends[0].create(), phase: 'test' });
    const shape = (b: string) => [...net.blob(b).shape].join('x');
    assert.equal(shape('conv1/7x7_s2'), '1x64x112x112');
    assert.equal(shape('pool1/3x3_s2'), '1x64x56x56');
    assert.equal(shape('conv2/3x3'), '1x192x56x56');
    assert.equal(shape('pool2/3x3_s2'), '1x192x28x28');
    // Table 1's output column: the concat of the four branches
    const outputs: Record<string, string> = {
      '3a': '256x28x28', '3b': '480x28x28', '4a': '512x14x14', '4b': '512x14x14', '4c': '512x14x14',
      '4d': '528x14x14', '4e': '832x14x14', '5a': '832x7x7', '5b': '1024x7x7',
    };
    for (const m of TABLE_1) {
      assert.equal(shape(`inception_${m.name}/output`), `1x${outputs[m.name]}`, m.name);
      assert.equal(m.n1x1 + m.n3x3 + m.n5x5 + m.poolProj, Number(outputs[m.name].split('x')[0]));
    }
    assert.equal(shape('pool5/7x7_s1'), '1x1024x1x1');
    assert.equal(shape('prob'), '1x1000');
    assert.equal(net.params.reduce((a, p) => a + p.blob.count, 0), 6998552);
    const convs = net.layers.filter((l) => l.params.length).map((l) => l.name);
    assert.equal(convs.length, 58);
    const caffeName = /^(conv1\/7x7_s2|conv2\/3x3(_reduce)?|inception_[345][a-e]\/(1x1|3x3_reduce|3x3|5x5_reduce|5x5|pool_proj)|loss3\/classifier)$/;
    assert.deepEqual(convs.filter((n) => !caffeName.test(n)), []);
    assert.deepEqual(net.layer('inception_4e/5x5').params.map((p) => p.key), ['inception_4e/5x5___weight', 'inception_4e/5x5___bias']);
    net.destroy();
  });

  for (const entry of backends) {
    it(`the train net runs forward and backward with its three losses on ${entry.name}`, { skip: entry.skip }, () => {
      const net = new Net(trainLayers(1), { backend: entry.create(), phase: 'train', seed: 3 });
      net.forward();
      const losses = net.outputs();
      assert.deepEqual([...losses.keys()].sort(), ['loss1/loss', 'loss2/loss', 'loss3/loss3']);
      for (const [k, v] of losses) assert.ok(Number.isFinite(v) && v > 0, `${k} = ${v}`);
      assert.ok(Math.abs(net.loss() - (losses.get('loss3/loss3')! + 0.3 * losses.get('loss1/loss')! + 0.3 * losses.get('loss2/loss')!)) < 1e-3);
      net.clearParamDiffs();
      net.backward();
      for (const name of ['conv1/7x7_s2', 'inception_4a/1x1', 'loss1/classifier', 'loss2/conv', 'loss3/classifier']) {
        const diff = net.layer(name).params[0].blob.readDiff();
        assert.ok(diff.some((v) => v !== 0) && diff.every(Number.isFinite), `${name} has a finite, non-zero weight gradient`);
      }
      net.destroy();
    });
  }

  describe('the deploy net on every backend', () => {
    let reference: Float32Array;
    const image = (() => {
      const rng = new Random(11);
      return Float32Array.from({ length: 3 * 224 * 224 }, () => rng.uniform() * 255 - 128);
    })();
    const probs = (entry: BackendEntry) => {
      const net = new Net(googlenetDeploy(1), { backend: entry.create(), phase: 'test', seed: 5 });
      const p = net.predict({ data: image }).get('prob')!;
      net.destroy();
      return p;
    };
    before(() => { reference = probs(backends[0]); });
    for (const entry of backends.slice(1)) {
      it(`gives the TypeScript backend's probabilities on ${entry.name}`, { skip: entry.skip }, () => {
        const p = probs(entry);
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
        for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - reference[i]) < 1e-5 + 1e-3 * reference[i], `class ${i}: ${p[i]} vs ${reference[i]}`);
      });
    }
  });
});
