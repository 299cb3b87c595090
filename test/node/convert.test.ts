/** cortado convert mnist and cortado convert images: layouts, values, list files, errors. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import sharp from 'sharp';
import { convertCommand } from '../../src/node/cli/convert.js';
import { convertImages } from '../../src/node/cli/convert-images.js';
import { DataError } from '../../src/core/errors.js';
import { mnistDataDir, readIdx } from '../../src/node/data/mnist.js';
import { hdf5, type H5Wasm } from '../../src/node/io/hdf5.js';
import { cortado } from '../harness/cli.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-convert-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `cortado convert ...args` in this process, capturing what it prints. */
async function inProcess(t: TestContext, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = t.mock.method(console, 'log', (...a: unknown[]) => { out += `${a.join(' ')}\n`; });
  const error = t.mock.method(console, 'error', (...a: unknown[]) => { err += `${a.join(' ')}\n`; });
  try {
    return { code: await convertCommand(args), out, err };
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
}

let h5: H5Wasm;
before(async () => {
  h5 = await hdf5();
});

interface Stored {
  datasets: Record<string, { value: ArrayLike<number>; shape: number[]; dtype: unknown }>;
  attrs: Record<string, unknown>;
}

function readFile(path: string): Stored {
  const f = new h5.File(path, 'r');
  assert.ok(f.file_id >= 0n, `cannot open ${path}`);
  try {
    const datasets: Stored['datasets'] = {};
    for (const name of f.keys()) {
      const ds = f.get(name) as InstanceType<H5Wasm['Dataset']>;
      datasets[name] = { value: ds.value as ArrayLike<number>, shape: ds.shape ?? [], dtype: ds.dtype };
    }
    const attrs = Object.fromEntries(Object.keys(f.attrs).map((k) => [k, f.get_attribute(k, false)]));
    return { datasets, attrs };
  } finally {
    f.close();
  }
}

describe('cortado convert mnist', () => {
  test('writes train.h5 and test.h5 (uint8 data, float32 labels) equal to the IDX files, and list files', () => {
    const out = join(root, 'mnist');
    const r = cortado(['convert', 'mnist', '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /train\.h5 \(60000 samples/);
    const idx = mnistDataDir();
    for (const [split, prefix, count] of [['train', 'train', 60000], ['test', 't10k', 10000]] as const) {
      const file = join(out, `${split}.h5`);
      assert.equal(readFileSync(join(out, `${split}.txt`), 'utf8'), `${split}.h5\n`);
      const { datasets } = readFile(file);
      assert.deepEqual(datasets.data!.shape, [count, 1, 28, 28]);
      assert.equal(datasets.data!.dtype, '<B');
      assert.deepEqual(datasets.label!.shape, [count]);
      assert.equal(datasets.label!.dtype, '<f');
      const images = new Uint8Array(readIdx(join(idx, `${prefix}-images-idx3-ubyte`)).data);
      const labels = readIdx(join(idx, `${prefix}-labels-idx1-ubyte`)).data;
      const data = datasets.data!.value as Uint8Array;
      for (const i of [0, 1, 12345 % count, count - 1]) {
        assert.deepEqual(data.subarray(i * 784, (i + 1) * 784), images.subarray(i * 784, (i + 1) * 784), `${split} image ${i}`);
        assert.equal(datasets.label!.value[i], labels[i], `${split} label ${i}`);
      }
      assert.ok(Buffer.from(data).equals(Buffer.from(images)), `${split}: every pixel`);
      assert.ok(!existsSync(`${file}.tmp`));
    }
    const again = cortado(['convert', 'mnist', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.err, /train\.h5" already exists; pass --overwrite to replace it/);
    assert.equal(cortado(['convert', 'mnist', '--out', out, '--force']).code, 0, '--force is --overwrite');
  });

  test('--help, and bad arguments are usage errors', async (t) => {
    const { code, out, err } = await inProcess(t, ['mnist', '--help']);
    assert.equal(code, 0, err);
    assert.match(out, /usage: cortado convert mnist/);
    assert.match(out, /--out DIR/);
    assert.match((await inProcess(t, ['--help'])).out, /mnist \[--out DIR\]/);
    const bad = await inProcess(t, ['mnist', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /Unknown option '--bogus'/);
    const unknown = await inProcess(t, ['cifar']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown data set "cifar"/);
  });
});

/** Solid colours per class, so that resized pixels are known exactly. */
const COLOURS = { ant: [200, 10, 30], bee: [0, 120, 250], cow: [90, 90, 90] } as const;

async function image(path: string, width: number, height: number, rgb: readonly number[], format: 'png' | 'jpeg'): Promise<void> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0]!, g: rgb[1]!, b: rgb[2]! } } });
  writeFileSync(path, await (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer());
}

/** ant: 2 PNGs, bee: 1 PNG + 1 JPEG, cow: 1 JPEG; all of different sizes; plus a stray text file. */
async function imageFolder(name: string): Promise<string> {
  const dir = join(root, name);
  for (const c of Object.keys(COLOURS)) mkdirSync(join(dir, c), { recursive: true });
  await image(join(dir, 'ant', 'a1.png'), 10, 7, COLOURS.ant, 'png');
  await image(join(dir, 'ant', 'a2.PNG'), 5, 9, COLOURS.ant, 'png');
  await image(join(dir, 'bee', 'b1.png'), 16, 16, COLOURS.bee, 'png');
  await image(join(dir, 'bee', 'b2.jpg'), 12, 20, COLOURS.bee, 'jpeg');
  await image(join(dir, 'cow', 'c1.jpeg'), 33, 11, COLOURS.cow, 'jpeg');
  writeFileSync(join(dir, 'cow', 'notes.txt'), 'not an image');
  return dir;
}

/** Checks each sample of [N, 3, H, W] data is its class's colour (JPEG within a few levels). */
function checkColours(data: ArrayLike<number>, labels: ArrayLike<number>, hw: number): void {
  const colours = Object.values(COLOURS);
  for (let i = 0; i < labels.length; i++) {
    const rgb = colours[labels[i]!]!;
    for (let c = 0; c < 3; c++) {
      for (const p of [0, hw - 1]) {
        const v = data[(i * 3 + c) * hw + p]!;
        assert.ok(Math.abs(v - rgb[c]!) <= 3, `sample ${i} (label ${labels[i]}), channel ${c}: ${v}, expected about ${rgb[c]}`);
      }
    }
  }
}

describe('cortado convert images', () => {
  test('sub-folders are classes in sorted order; images resized to --size, stored [N, C, H, W] uint8 with labels and class names', async () => {
    const dir = await imageFolder('imgs');
    const out = join(root, 'out', 'imgs.h5');
    const warnings: string[] = [];
    const r = await convertImages({ folder: dir, out, size: [8, 6], warn: (m) => warnings.push(m) });
    assert.equal(r.count, 5);
    assert.deepEqual(r.sampleShape, [3, 6, 8]);
    assert.deepEqual(r.classes, [{ name: 'ant', count: 2 }, { name: 'bee', count: 2 }, { name: 'cow', count: 1 }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /ignoring 1 entry of ".*cow" that is not a PNG or JPEG file/);
    const { datasets, attrs } = readFile(out);
    assert.deepEqual(datasets.data!.shape, [5, 3, 6, 8]);
    assert.equal(datasets.data!.dtype, '<B');
    assert.deepEqual(datasets.label!.shape, [5]);
    assert.deepEqual(Array.from(datasets.label!.value), [0, 0, 1, 1, 2]);
    assert.deepEqual(JSON.parse(attrs.classes as string), ['ant', 'bee', 'cow']);
    checkColours(datasets.data!.value, datasets.label!.value, 48);
    // PNG pixels are exact: the first ant image is (200, 10, 30) in every pixel of each plane.
    const data = datasets.data!.value;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 48; p++) assert.equal(data[c * 48 + p], COLOURS.ant[c]);
  });

  test('--channels 1, --shuffle keep each image with its label; without --size differing sizes are an error', async () => {
    const dir = await imageFolder('imgs2');
    const grey = await convertImages({ folder: dir, out: join(root, 'grey.h5'), size: [4, 4], channels: 1, shuffle: true, seed: 3, warn: () => {} });
    assert.deepEqual(grey.sampleShape, [1, 4, 4]);
    const { datasets } = readFile(grey.file);
    const labels = Array.from(datasets.label!.value);
    assert.deepEqual([...labels].sort(), [0, 0, 1, 1, 2]);
    assert.notDeepEqual(labels, [0, 0, 1, 1, 2], 'seed 3 changes the order');
    // Grey is the luminance Y (Rec. 709 weights) of the linear-light colour, encoded back to sRGB.
    const toLinear = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    const toSrgb = (y: number) => 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);
    const luminance = (rgb: readonly number[]) => toSrgb(0.2126 * toLinear(rgb[0]!) + 0.7152 * toLinear(rgb[1]!) + 0.0722 * toLinear(rgb[2]!));
    labels.forEach((l, i) => {
      const v = datasets.data!.value[i * 16]!;
      assert.ok(Math.abs(v - luminance(Object.values(COLOURS)[l]!)) <= 4, `sample ${i} label ${l}: grey ${v}, expected about ${luminance(Object.values(COLOURS)[l]!).toFixed(1)}`);
    });
    await assert.rejects(convertImages({ folder: dir, out: join(root, 'nosize.h5'), warn: () => {} }), (e: Error) => e instanceof DataError && /is 5x9 but the first image .*a1\.png" is 10x7; pass --size/.test(e.message));
    assert.ok(!existsSync(join(root, 'nosize.h5')) && !existsSync(join(root, 'nosize.h5.tmp')), 'a failed conversion leaves no file');
  });

  test('an undecodable image is an error naming it, or skipped with --skip-bad; an empty class folder is an error', async () => {
    const dir = await imageFolder('imgs3');
    const bad = join(dir, 'bee', 'broken.png');
    writeFileSync(bad, 'this is not a PNG');
    await assert.rejects(convertImages({ folder: dir, out: join(root, 'bad.h5'), size: [4, 4], warn: () => {} }), (e: Error) => e instanceof DataError && e.message.includes(bad) && /cannot decode it .*--skip-bad/.test(e.message));
    assert.ok(!existsSync(join(root, 'bad.h5')));
    const warnings: string[] = [];
    const r = await convertImages({ folder: dir, out: join(root, 'skip.h5'), size: [4, 4], skipBad: true, warn: (m) => warnings.push(m) });
    assert.equal(r.count, 5);
    assert.deepEqual(r.skipped.map((s) => s.file), [bad]);
    assert.ok(warnings.some((w) => w.includes(`skipping "${bad}"`)));

    mkdirSync(join(dir, 'dog'));
    await assert.rejects(convertImages({ folder: dir, out: join(root, 'empty.h5'), size: [4, 4], skipBad: true, warn: () => {} }), /class folder ".*dog" \(class 3\) has no PNG or JPEG files/);
  });

  test('the command line: --list, printed classes, refusal to overwrite', async () => {
    const dir = await imageFolder('imgs4');
    const out = join(root, 'cli', 'set.h5');
    const list = join(root, 'cli', 'lists', 'set.txt');
    const r = cortado(['convert', 'images', dir, '--out', out, '--size', '6x5', '--list', list]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /5 images, data \[5, 3, 5, 6\] uint8/);
    assert.match(r.out, /0 ant \(2 images\)\n {2}1 bee \(2 images\)\n {2}2 cow \(1 images\)/);
    assert.match(r.err, /ignoring 1 entry/);
    assert.equal(readFileSync(list, 'utf8'), '../set.h5\n');
    assert.deepEqual(readFile(out).datasets.data!.shape, [5, 3, 5, 6]);
    const again = cortado(['convert', 'images', dir, '--out', out, '--size', '6x5']);
    assert.equal(again.code, 1);
    assert.match(again.err, /set\.h5" already exists; pass --overwrite/);
    assert.equal(cortado(['convert', 'images', dir, '--out', out, '--size', '6x5', '--overwrite']).code, 0);
    // --force, as draw, plot, import and export say it, is the same.
    assert.equal(cortado(['convert', 'images', dir, '--out', out, '--size', '6x5', '--force']).code, 0);
  });

  test('usage errors and --help', async (t) => {
    const dir = join(root, 'imgs4');
    const out = join(root, 'cli', 'set.h5');
    assert.match((await inProcess(t, ['images', dir])).err, /--out FILE\.h5 is required/);
    const channels = await inProcess(t, ['images', dir, '--out', out, '--channels', '2']);
    assert.equal(channels.code, 2);
    assert.match(channels.err, /--channels must be 1 or 3, found "2"/);
    await assert.rejects(convertCommand(['images', dir, '--out', out, '--size', '0x3', '--overwrite']), /--size must be W or WxH with sizes 1 to 65535, found "0x3"/);
    assert.match((await inProcess(t, ['images', '--help'])).out, /--skip-bad/);
  });
});
