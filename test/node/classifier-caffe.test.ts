/**
 * ImageClassifier's options for Caffe models: resizeTo + centre crop, per-channel mean, mean
 * image (given, and from a Caffe .binaryproto), scale, BGR order with all of them, and the synset
 * words file; each checked against values computed by hand from the image's pixels.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { Net } from '../../src/node/net.js';
import { encodeBinary } from '../../src/io/caffe/codec.js';
import { ImageClassifier } from '../../src/node/classifier.js';
import { parseSynsetWords } from '../../src/node/synset-words.js';

const backend = new JsBackend('float32');
let dir = '';

/** The pixel value of channel c (R, G, B) at (y, x) in the test images: distinct and below 256. */
const P = (y: number, x: number, c: number) => 10 + 40 * y + 6 * x + 2 * c;

/** A 3-channel PNG of h×w pixels with values P. */
function image(h: number, w: number): Promise<Buffer> {
  const px = Array.from({ length: h * w * 3 }, (_, i) => P(Math.floor(i / 3 / w), Math.floor(i / 3) % w, i % 3));
  return sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/** A net that returns its input (3×h×w) unchanged, to see what the classifier feeds. */
function echoNet(h: number, w: number): Net {
  const n = 3 * h * w;
  const net = new Net([
    { type: 'Input', name: 'in', tops: ['data'], shapes: [[1, 3, h, w]] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['echo'], numOutput: n, bias: false },
  ], { backend, phase: 'test' });
  net.layer('ip').params[0].blob.write(Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)));
  return net;
}

/** out[c, y, x] = f(c, y, x) for a 3×h×w sample, as a plain list. */
const expected = (h: number, w: number, f: (c: number, y: number, x: number) => number) =>
  Array.from({ length: 3 * h * w }, (_, i) => f(Math.floor(i / (h * w)), Math.floor(i / w) % h, i % w));

describe('ImageClassifier for Caffe models', () => {
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cortado-classifier-caffe-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resizeTo, then the centre H×W: offsets floor((Hr - H) / 2) and floor((Wr - W) / 2)', async () => {
    // a 5×6 image kept at 5×6 (no resampling), cropped to 2×3 at (1, 1)
    const c = new ImageClassifier(echoNet(2, 3), { resizeTo: [5, 6] });
    assert.deepEqual([...(await c.classify(await image(5, 6))).probs], expected(2, 3, (ch, y, x) => P(y + 1, x + 1, ch)));
    const square = new ImageClassifier(echoNet(2, 2), { resizeTo: 4 });
    assert.deepEqual([...(await square.classify(await image(4, 4))).probs], expected(2, 2, (ch, y, x) => P(y + 1, x + 1, ch)));
  });

  it('per-channel mean in the net\'s channel order, then scale, with BGR', async () => {
    const c = new ImageClassifier(echoNet(2, 2), { channelOrder: 'BGR', mean: [104, 117, 123], scale: 0.5 });
    const mean = [104, 117, 123];
    const want = expected(2, 2, (ch, y, x) => (P(y, x, 2 - ch) - mean[ch]) * 0.5);
    assert.deepEqual([...(await c.classify(await image(2, 2))).probs], want);
  });

  it('a mean image of the Input\'s size is subtracted as is; one of the resizeTo size is cropped with the image', async () => {
    const M = (ch: number, y: number, x: number) => 100 * ch + 10 * y + x;
    const small = { shape: [3, 2, 2], values: expected(2, 2, M) };
    const c = new ImageClassifier(echoNet(2, 2), { mean: small, resizeTo: 4 });
    assert.deepEqual([...(await c.classify(await image(4, 4))).probs], expected(2, 2, (ch, y, x) => P(y + 1, x + 1, ch) - M(ch, y, x)));
    const big = { shape: [1, 3, 4, 4], values: expected(4, 4, M) };
    const d = new ImageClassifier(echoNet(2, 2), { mean: big, resizeTo: 4, channelOrder: 'BGR' });
    assert.deepEqual([...(await d.classify(await image(4, 4))).probs], expected(2, 2, (ch, y, x) => P(y + 1, x + 1, 2 - ch) - M(ch, y + 1, x + 1)));
  });

  it('reads the mean image from a Caffe mean file (.binaryproto)', async () => {
    const M = (ch: number, y: number, x: number) => 0.5 + 50 * ch + 7 * y + 3 * x;
    const file = join(dir, 'mean.binaryproto');
    writeFileSync(file, encodeBinary('BlobProto', { shape: { dim: [1, 3, 4, 4] }, data: expected(4, 4, M) }));
    const c = new ImageClassifier(echoNet(2, 2), { meanFile: file, resizeTo: 4, scale: 2 });
    assert.deepEqual([...(await c.classify(await image(4, 4))).probs], expected(2, 2, (ch, y, x) => (P(y + 1, x + 1, ch) - M(ch, y + 1, x + 1)) * 2));
  });

  it('names classes by a synset words file, with their ids', async () => {
    const file = join(dir, 'synset_words.txt');
    writeFileSync(file, 'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n\n');
    const net = new Net([
      { type: 'Input', name: 'in', tops: ['data'], shapes: [[1, 3, 1, 1]] },
      { type: 'Softmax', name: 'prob', bottoms: ['data'], tops: ['prob'], axis: 1 },
    ], { backend, phase: 'test' });
    const c = new ImageClassifier(net, { synsetWords: file, topK: 2 });
    const r = await c.classify(await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 0, g: 9, b: 5 } } }).png().toBuffer());
    assert.deepEqual(r.top.map((t) => [t.index, t.id, t.name]), [[1, 'n01443537', 'goldfish, Carassius auratus'], [2, 'n01484850', 'great white shark']]);
    writeFileSync(file, 'n01440764 tench\n');
    assert.throws(() => new ImageClassifier(net, { synsetWords: file }), (e: Error) => e instanceof ConfigError && e.message.includes(`the synset words file ${file} has 1 class, but blob "prob" [1, 3, 1, 1] holds 3 values per sample`));
    assert.throws(() => parseSynsetWords('n01 tench\nbroken\n', 'w.txt'), (e: Error) => e instanceof DataError && e.message.includes('w.txt, line 2: expected "<id> <words>"'));
  });

  it('refuses options that cannot fit the Input, naming what is expected', () => {
    const net = echoNet(2, 2);
    assert.throws(() => new ImageClassifier(net, { resizeTo: 1 }), /option "resizeTo" must be a whole number or \[height, width\] at least the Input's 2×2/);
    assert.throws(() => new ImageClassifier(net, { mean: [1, 2] }), /option "mean" must hold one number per channel \(3/);
    assert.throws(() => new ImageClassifier(net, { mean: { shape: [3, 3, 3], values: new Float32Array(27) }, resizeTo: 4 }), /the mean image must have shape \[3, 2, 2\] or \[3, 4, 4\] \(the resizeTo size\), with or without a leading 1, found \[3, 3, 3\]/);
    assert.throws(() => new ImageClassifier(net, { mean: [1, 2, 3], meanFile: 'm.binaryproto' }), /give options "mean" or "meanFile", not both/);
    assert.throws(() => new ImageClassifier(net, { scale: Number.NaN }), /option "scale" must be a finite number/);
  });
});
