/** ImageClassifier: decoding, layout and values fed to the net, known answers, batches, errors. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { ImageClassifier, RASTER_FORMATS, readClassNames } from '../../src/node/classifier.js';
import { convertImages } from '../../src/node/cli/convert-images.js';
import { hdf5 } from '../../src/node/io/hdf5.js';
import { mkdirSync } from 'node:fs';

const backend = new JsBackend('float32');
let dir = '';

/** A PNG (or JPEG) of `w`×`h` pixels of one colour. */
async function solid(w: number, h: number, rgb: [number, number, number], format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const img = sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

/** Raw pixels (interleaved, `channels` per pixel) as a PNG. */
function png(w: number, h: number, channels: 1 | 3 | 4, pixels: number[]): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: w, height: h, channels } }).png().toBuffer();
}

/** A net that returns its input as is (identity weights), to see what the classifier feeds. */
function echoNet(shape: number[], batch = 1): Net {
  const n = shape.reduce((a, b) => a * b, 1);
  const net = new Net([
    { type: 'Input', name: 'in', tops: ['data'], shapes: [[batch, ...shape]] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['echo'], numOutput: n, bias: false },
  ], { backend, phase: 'test' });
  net.layer('ip').params[0].blob.write(Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)));
  return net;
}

/** Colour classes: score of class k = mean of channel k, scaled by the Input's transformer to [0, 16]. */
function colourNet(batch: number): Net {
  const net = new Net([
    { type: 'Input', name: 'in', tops: ['image'], shapes: [[batch, 3, 4, 4]], transformers: [{ type: 'Scale', scale: 1 / 255 }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['image'], tops: ['scores'], numOutput: 3, bias: false },
    { type: 'Softmax', name: 'softmax', bottoms: ['scores'], tops: ['prob'] },
  ], { backend, phase: 'test' });
  net.layer('ip').params[0].blob.write(Float32Array.from({ length: 3 * 48 }, (_, i) => (Math.floor((i % 48) / 16) === Math.floor(i / 48) ? 1 : 0)));
  return net;
}

describe('ImageClassifier', () => {
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cortado-classifier-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('feeds grey images as 1×H×W raw values 0..255, row-major, alpha flattened onto black', async () => {
    const c = new ImageClassifier(echoNet([1, 2, 3]));
    const r = await c.classify(await png(3, 2, 1, [0, 10, 20, 30, 40, 255]));
    assert.deepEqual([...r.probs], [0, 10, 20, 30, 40, 255]);
    // two pixels, the second half transparent: grey 200 at alpha 255, and 200 at alpha 0 → 0
    const two = new ImageClassifier(echoNet([1, 1, 2]));
    const rgba = await png(2, 1, 4, [200, 200, 200, 255, 200, 200, 200, 0]);
    assert.deepEqual([...(await two.classify(rgba)).probs], [200, 0]);
  });

  it('lays colour images out C×H×W in RGB order by default, BGR on request; grey images become three equal planes', async () => {
    const img = await png(2, 1, 3, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...(await new ImageClassifier(echoNet([3, 1, 2])).classify(img)).probs], [1, 4, 2, 5, 3, 6]);
    assert.deepEqual([...(await new ImageClassifier(echoNet([3, 1, 2]), { channelOrder: 'BGR' }).classify(img)).probs], [3, 6, 2, 5, 1, 4]);
    const grey = await png(2, 1, 1, [7, 9]);
    assert.deepEqual([...(await new ImageClassifier(echoNet([3, 1, 2])).classify(grey)).probs], [7, 9, 7, 9, 7, 9]);
  });

  it('resizes to the Input\'s H×W and names the most probable classes, from files and bytes, PNG and JPEG', async () => {
    const c = new ImageClassifier(colourNet(1), { classes: ['red', 'green', 'blue'], topK: 2 });
    assert.deepEqual([c.channels, c.height, c.width, c.input, c.probs], [3, 4, 4, 'image', 'prob']);
    const file = join(dir, 'green.png');
    writeFileSync(file, await solid(20, 12, [0, 255, 0]));
    const r = await c.classify(file);
    assert.deepEqual(r.top.map((t) => t.name), ['green', 'red']);
    assert.ok(r.top[0].prob > 0.999, `p(green) ${r.top[0].prob}`);
    assert.ok(Math.abs(r.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    const jpeg = await c.classify(await solid(9, 9, [250, 10, 0], 'jpeg'));
    assert.equal(jpeg.top[0].name, 'red');
  });

  it('classifies a batch of several images, across net batches, in order', async () => {
    const c = new ImageClassifier(colourNet(2), { classes: ['red', 'green', 'blue'] });
    const colours: [number, number, number][] = [[0, 0, 255], [255, 0, 0], [0, 200, 0], [0, 0, 180], [90, 0, 0]];
    const files = await Promise.all(colours.map(async (rgb, i) => {
      const f = join(dir, `c${i}.png`);
      writeFileSync(f, await solid(5, 7, rgb));
      return i === 2 ? await solid(5, 7, rgb) : f;
    }));
    const results = await c.classifyAll(files);
    assert.deepEqual(results.map((r) => r.top[0].name), ['blue', 'red', 'green', 'blue', 'red']);
    assert.equal(results[0].top.length, 3);
    assert.deepEqual(await c.classifyAll([]), []);
  });

  it('reads raster formats only, unless told: an SVG referring to a local file is refused', async () => {
    const red = join(dir, 'red.png');
    writeFileSync(red, await solid(4, 4, [255, 0, 0]));
    const svg = join(dir, 'ref.svg');
    writeFileSync(svg, `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><image href="file://${red}" width="4" height="4"/></svg>`);
    const c = new ImageClassifier(colourNet(1));
    await assert.rejects(c.classify(svg), (e: Error) => e instanceof DataError && e.message.includes(`image ${svg} cannot be decoded: not a PNG, JPEG, WebP, GIF, TIFF or AVIF/HEIF image; the classifier accepts png, jpeg, webp, gif, tiff, heif`));
    await assert.rejects(c.classify(readFileSync(svg)), (e: Error) => e instanceof DataError && /image \(\d+ bytes\) cannot be decoded: not a PNG/.test(e.message));
    for (const format of ['jpeg', 'webp', 'gif', 'tiff'] as const) {
      const img = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 0, g: 0, b: 255 } } }).toFormat(format).toBuffer();
      assert.equal((await c.classify(img)).top[0].index, 2, format);
    }
    const withSvg = new ImageClassifier(colourNet(1), { formats: [...RASTER_FORMATS, 'svg'] });
    assert.equal((await withSvg.classify(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="#00ff00"/></svg>'))).top[0].index, 1);
  });

  it('takes its class names from the HDF5 file that cortado convert images wrote (attribute "classes")', async () => {
    const images = join(dir, 'colours');
    for (const [name, rgb] of [['red', [250, 0, 0]], ['green', [0, 250, 0]], ['blue', [0, 0, 250]]] as const) {
      mkdirSync(join(images, name), { recursive: true });
      writeFileSync(join(images, name, 'a.png'), await solid(4, 4, [...rgb]));
    }
    const file = join(dir, 'colours.h5');
    await convertImages({ folder: images, out: file, size: [4, 4], warn: () => {} });
    assert.deepEqual(await readClassNames(file), ['blue', 'green', 'red']);
    const c = new ImageClassifier(colourNet(1), { classesFile: file });
    assert.deepEqual(c.classes, ['blue', 'green', 'red']);
    assert.throws(() => new ImageClassifier(colourNet(1), { classesFile: file, classes: ['a', 'b', 'c'] }), /give one of the options "classes", "synsetWords" and "classesFile"/);
    const h5 = await hdf5();
    const bare = join(dir, 'bare.h5');
    const f = new h5.File(bare, 'w');
    f.create_dataset({ name: 'label', data: new Float32Array(2), shape: [2], dtype: '<f' });
    f.close();
    assert.throws(() => new ImageClassifier(colourNet(1), { classesFile: bare }), (e: Error) => e instanceof DataError && e.message.includes(bare) && /no attribute "classes"/.test(e.message));
  });

  it('fails clearly on an unreadable image and on a net it cannot use', async () => {
    const c = new ImageClassifier(colourNet(1));
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not an image');
    await assert.rejects(c.classify(bad), (e: Error) => e instanceof DataError && e.message.includes(`image ${bad} cannot be decoded`));
    await assert.rejects(c.classify(join(dir, 'missing.png')), (e: Error) => e instanceof DataError && /missing\.png: cannot read it \(no such file or folder \(ENOENT\)\)/.test(e.message));
    const netOf = (layers: LayerConfig[]) => new Net(layers, { backend, phase: 'test' });
    assert.throws(() => new ImageClassifier(colourNet(1), { classes: ['a', 'b'] }), (e: Error) => e instanceof ConfigError && /2 class names given, but blob "prob" \[1, 3\] holds 3 values per sample/.test(e.message));
    assert.throws(() => new ImageClassifier(netOf([{ type: 'Input', name: 'in', tops: ['x'], shapes: [[1, 2, 4, 4]] }, { type: 'Power', name: 'p', bottoms: ['x'], tops: ['y'] }])), /with 1 or 3 channels, found samples of shape \[2, 4, 4\]/);
    assert.throws(() => new ImageClassifier(colourNet(1), { input: 'prob' }), /"prob" is not the top of an Input layer; Input tops are "image"/);
    assert.throws(() => new ImageClassifier(netOf([{ type: 'MemoryData', name: 'd', tops: ['x'], batchSize: 1, data: [{ values: [1], shape: [1, 1] }] }, { type: 'Power', name: 'p', bottoms: ['x'], tops: ['y'] }])), /the net has no Input layer/);
  });
});
