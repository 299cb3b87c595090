/**
 * The whole path of examples/imagenet/README.md on a caffemodel written by the exporter with
 * random weights (the released bvlc_googlenet weights are not downloaded here): the GoogLeNet
 * deploy net with random weights → exportCaffe → `cortado import caffe` → the README's classify
 * command on a PNG, with Caffe's preprocessing and a synset words file. Its top classes and
 * probabilities must be those of the original net on the same pixels, and the imported weights
 * must carry the original's parameter keys (Caffe's bvlc_googlenet names).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { exportCaffe } from '../../src/io/caffe/index.js';
import { loadWeights, type ArrayEntry } from '../../src/node/io/snapshot.js';
import { ImageClassifier } from '../../src/node/classifier.js';
import { availableBackends } from '../harness/backends.js';
import { googlenetDeploy } from '../../examples/imagenet/googlenet.js';

const dist = resolve(fileURLToPath(import.meta.url), '../../..');
const node = (script: string, ...args: string[]) => execFileSync(process.execPath, [join(dist, script), ...args], { encoding: 'utf8', stdio: 'pipe' });
const dir = mkdtempSync(join(tmpdir(), 'cortado-imagenet-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// The native backend where it is built (GoogLeNet is slow on the TypeScript one), else js.
const entry = (await availableBackends()).find((b) => b.name === 'native' && !b.skip) ?? (await availableBackends())[0];

describe('examples/imagenet: a Caffe GoogLeNet through import and the classifier', () => {
  it('classifies a PNG as the original net does, with synset words', async () => {
    const original = new Net(googlenetDeploy(1), { backend: entry.create(), phase: 'test', seed: 9 });
    // Small classifier weights, so the probabilities spread over many classes.
    const rng = new Random(1);
    const fc = original.layer('loss3/classifier').params[0].blob;
    fc.write(Float32Array.from({ length: fc.count }, () => (rng.uniform() - 0.5) * 0.02));
    const weights = new Map<string, ArrayEntry>(original.params.map((p) => [p.key, { shape: [...p.blob.shape], values: Float32Array.from(p.blob.read()) }]));
    const { prototxt, caffemodel } = exportCaffe({ name: 'GoogleNet', layers: googlenetDeploy(10) }, weights);
    writeFileSync(join(dir, 'deploy.prototxt'), prototxt);
    writeFileSync(join(dir, 'bvlc_googlenet.caffemodel'), caffemodel);
    writeFileSync(join(dir, 'synset_words.txt'), Array.from({ length: 1000 }, (_, k) => `n${String(k).padStart(8, '0')} class ${k}, words\n`).join(''));
    const gradient = Buffer.from(Array.from({ length: 200 * 300 * 3 }, (_, i) => (i % 3 === 0 ? (i / 3) % 300 : i % 3 === 1 ? Math.floor(i / 900) : 128) & 255));
    await sharp(gradient, { raw: { width: 300, height: 200, channels: 3 } }).png().toFile(join(dir, 'cat.png'));

    node('src/node/cli/main.js', 'import', 'caffe', join(dir, 'deploy.prototxt'), join(dir, 'bvlc_googlenet.caffemodel'), '--out', join(dir, 'model'));
    const imported = await loadWeights(join(dir, 'model', 'deploy.h5'));
    assert.deepEqual([...imported.keys()].sort(), [...weights.keys()].sort());
    for (const [k, v] of weights) assert.deepEqual(imported.get(k)!.values, v.values, k);

    const out = node('examples/imagenet/classify.js', join(dir, 'model', 'deploy.json'), join(dir, 'model', 'deploy.h5'), join(dir, 'cat.png'),
      '--synset-words', join(dir, 'synset_words.txt'), '--backend', entry.name, '--scale', '0.0078125');
    const lines = out.trim().split('\n');
    assert.equal(lines[0], join(dir, 'cat.png'));
    const shown = lines.slice(1).map((l) => /^ {2}(\d\.\d{4}) {2}(n\d{8}) (class (\d+), words)$/.exec(l)!);
    assert.equal(shown.length, 5, out);

    const expected = new ImageClassifier(original, { channelOrder: 'BGR', mean: [104, 117, 123], resizeTo: 256, scale: 1 / 128 });
    const want = (await expected.classify(join(dir, 'cat.png'))).top;
    assert.ok(want[0].prob < 0.5 && want[4].prob > 1e-4, `spread probabilities: ${want.map((t) => t.prob)}`);
    shown.forEach((m, i) => {
      assert.equal(Number(m[4]), want[i].index, out);
      assert.equal(m[2], `n${String(want[i].index).padStart(8, '0')}`);
      assert.ok(Math.abs(Number(m[1]) - want[i].prob) <= 6e-5, `${m[0]} vs ${want[i].prob}`);
    });
    original.destroy();
  });
});
