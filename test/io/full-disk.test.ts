/**
 * Full disk: every writer, on a small tmpfs that fills up, fails with a DataError naming its file
 * and "no space left on device", leaves no .tmp, and leaves under the final name either nothing or
 * the previous, intact version. Needs `mount -t tmpfs` (root); skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import sharp from 'sharp';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { DataError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { convertMnist } from '../../src/node/cli/convert.js';
import { convertImages } from '../../src/node/cli/convert-images.js';
import { plotCommand } from '../../src/node/cli/plot.js';
import { hdf5 } from '../../src/node/io/hdf5.js';
import { writeListFile } from '../../src/node/io/hdf5-writer.js';
import { loadWeights, readSnapshot, saveWeights, writeSnapshot, type ArrayEntry } from '../../src/node/io/snapshot.js';
import { statisticsFile } from '../../src/node/statistics-file.js';
import { train } from '../../src/node/train.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-full-disk-'));
const mounts: string[] = [];
let cannotMount: string | undefined;

before(async () => {
  await hdf5();
  try {
    const probe = join(root, 'probe');
    mkdirSync(probe);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
  } catch (e) {
    cannotMount = `cannot mount a small tmpfs here (needs root and mount): ${String((e as Error).message).split('\n')[0]}`;
  }
});

after(() => {
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    } catch {
      // already unmounted by its test
    }
  }
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh tmpfs of `size` (e.g. '1m') for one test, or undefined when the test was skipped. */
function disk(t: TestContext, size: string): string | undefined {
  if (cannotMount) {
    t.skip(cannotMount);
    return undefined;
  }
  const dir = join(root, `disk${n++}`);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

/** Fills the disk holding `dir` with a filler file until nothing more fits. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    for (const block of [65536, 4096, 512, 1]) {
      const zeros = Buffer.alloc(block);
      try {
        for (;;) writeSync(fd, zeros);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Names in `dir` (recursively) ending in .tmp. */
function tmps(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
}

/** The DataError of a full disk, naming `file`. */
function fullDisk(file: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof DataError, `expected a DataError, found ${String(e)}`);
    assert.ok(e.message.includes(`"${file}"`) || e.message.includes(` ${file}`), `the message should name ${file}: ${e.message}`);
    assert.match(e.message, /no space left on device \(ENOSPC\)/);
    return true;
  };
}

function big(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + seed));
}

describe('a full disk', () => {
  test('HDF5Output: the forward pass that meets it fails, and the damaged file is removed', (t) => {
    const dir = disk(t, '1m');
    if (!dir) return;
    const file = join(dir, 'out.h5');
    const samples = 64;
    const layers: LayerConfig[] = [
      { type: 'MemoryData', name: 'mem', tops: ['data'], batchSize: 16, data: [{ values: big(samples * 1024, 1), shape: [samples, 1024] }] },
      { type: 'HDF5Output', name: 'save', bottoms: ['data'], filename: file },
    ];
    const net = new Net(layers, { backend: new JsBackend('float32') });
    try {
      // 64 KiB a batch: 1 MiB is full before batch 16.
      let failure: unknown;
      for (let b = 0; b < 40 && failure === undefined; b++) {
        try {
          net.forward();
        } catch (e) {
          failure = e;
        }
      }
      assert.ok(failure !== undefined, 'forty batches of 64 KiB were written to a 1 MiB disk without an error');
      fullDisk(file)(failure);
      assert.match((failure as Error).message, /layer "save"|HDF5Output file/);
      assert.throws(() => net.forward(), /failed before/);
    } finally {
      net.destroy();
    }
    assert.ok(!existsSync(file), 'the damaged file is removed');
    assert.deepEqual(tmps(dir), []);
  });

  test('snapshots: the write fails, the previous snapshot stays whole and newest', async (t) => {
    const dir = disk(t, '1m');
    if (!dir) return;
    const small = new Map<string, ArrayEntry>([['ip___weight', { shape: [100], values: big(100, 2) }]]);
    const first = await writeSnapshot(dir, { iter: 1, params: small, solverState: new Map(), meta: { rng: [1] } });
    const large = new Map<string, ArrayEntry>([['ip___weight', { shape: [400, 1024], values: big(400 * 1024, 3) }]]);
    const second = join(dir, 'snapshot-00000002.h5');
    await assert.rejects(writeSnapshot(dir, { iter: 2, params: large, solverState: new Map(), meta: { rng: [1] } }), fullDisk(second));
    assert.ok(!existsSync(second));
    assert.deepEqual(tmps(dir), []);
    assert.deepEqual((await readSnapshot(first)).params.get('ip___weight')!.values, small.get('ip___weight')!.values);
  });

  test('training: a snapshot that does not fit stops the run, naming the file and the newest snapshot', async (t) => {
    const dir = disk(t, '1536k');
    if (!dir) return;
    // 128 × 1000 weights with their momentum: about 1 MiB a snapshot; the second one does not fit.
    const layers: LayerConfig[] = [
      { type: 'MemoryData', name: 'mem', tops: ['data', 'label'], batchSize: 4, data: [{ values: big(8 * 128, 4), shape: [8, 128] }, { values: Float32Array.from({ length: 8 }, (_, i) => i % 10), shape: [8] }] },
      { type: 'InnerProduct', name: 'ip', bottoms: ['data'], tops: ['ip'], numOutput: 1000 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['ip', 'label'], tops: ['loss'] },
    ];
    const run = train({
      backend: new JsBackend('float32'), layers, solver: { baseLr: 0.01, momentum: 0.9, maxIter: 4 }, seed: 1,
      coffeeBreaks: { summaryEvery: 0, validateEvery: 0, snapshotEvery: 1 }, outputDir: dir, log: () => {},
    });
    const snapshots = join(dir, 'snapshots');
    await assert.rejects(run, (e: unknown) => {
      fullDisk(join(snapshots, 'snapshot-00000002.h5'))(e);
      assert.match((e as Error).message, /training stopped at iteration 2: .*the newest snapshot is still ".*snapshot-00000001\.h5" \(iteration 1\); free some space and run again/);
      return true;
    });
    assert.deepEqual(readdirSync(snapshots), ['snapshot-00000001.h5']);
    assert.equal((await readSnapshot(join(snapshots, 'snapshot-00000001.h5'))).iter, 1);
  });

  test('weights files: the write fails and the old weights file stays whole', async (t) => {
    const dir = disk(t, '1m');
    if (!dir) return;
    const file = join(dir, 'weights.h5');
    const old = new Map<string, ArrayEntry>([['ip___weight', { shape: [10], values: big(10, 5) }]]);
    await saveWeights(file, old);
    const large = new Map<string, ArrayEntry>([['ip___weight', { shape: [400, 1024], values: big(400 * 1024, 6) }]]);
    await assert.rejects(saveWeights(file, large), fullDisk(file));
    assert.deepEqual(tmps(dir), []);
    assert.deepEqual((await loadWeights(file)).get('ip___weight')!.values, old.get('ip___weight')!.values);
  });

  test('the statistics file: saving fails and the previous file stays whole', (t) => {
    const dir = disk(t, '256k');
    if (!dir) return;
    const file = join(dir, 'statistics.json');
    const store = statisticsFile(file);
    store.save({ loss: [[1, 0.5]] });
    fill(dir);
    assert.throws(() => store.save({ loss: Array.from({ length: 2000 }, (_, i) => [i, 1 / (i + 1)] as [number, number]) }), fullDisk(file));
    assert.deepEqual(tmps(dir), []);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { loss: [[1, 0.5]] });
  });

  test('list files: the write fails and nothing is left', (t) => {
    const dir = disk(t, '64k');
    if (!dir) return;
    fill(dir);
    const list = join(dir, 'train.txt');
    assert.throws(() => writeListFile(list, Array.from({ length: 200 }, (_, i) => join(dir, `part-${i}.h5`))), fullDisk(list));
    assert.ok(!existsSync(list));
    assert.deepEqual(tmps(dir), []);
  });

  test('cortado convert mnist: the conversion fails and leaves no file', async (t) => {
    const dir = disk(t, '1m');
    if (!dir) return;
    const out = join(dir, 'mnist');
    await assert.rejects(convertMnist({ out }), fullDisk(join(out, 'train.h5')));
    assert.deepEqual(readdirSync(out), []);
  });

  test('cortado convert images: the conversion fails and leaves no file', async (t) => {
    const dir = disk(t, '1m');
    if (!dir) return;
    const folder = join(root, `images${n}`);
    for (const [c, colour] of [['a', 40], ['b', 200]] as const) {
      mkdirSync(join(folder, c), { recursive: true });
      for (let i = 0; i < 4; i++) {
        // noise, so that the images do not compress away: 256×256×3 bytes each, 1.5 MiB in all
        const pixels = Buffer.from(Array.from({ length: 256 * 256 * 3 }, (_, k) => (colour + ((k * 7919 + i * 104729) % 53)) & 255));
        writeFileSync(join(folder, c, `${i}.png`), await sharp(pixels, { raw: { width: 256, height: 256, channels: 3 } }).png().toBuffer());
      }
    }
    const out = join(dir, 'images.h5');
    await assert.rejects(convertImages({ folder, out, list: join(dir, 'images.txt'), warn: () => {} }), fullDisk(out));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('cortado plot: writing the images fails and leaves neither image', async (t) => {
    const dir = disk(t, '256k');
    if (!dir) return;
    const stats = join(root, `statistics${n}.json`);
    writeFileSync(stats, JSON.stringify({ loss: Array.from({ length: 50 }, (_, i) => [i, 1 / (i + 1)]) }));
    fill(dir);
    const prefix = join(dir, 'curves');
    const log = console.log;
    console.log = () => {};
    try {
      await assert.rejects(plotCommand([stats, '--out', prefix]), fullDisk(`${prefix}.svg`));
    } finally {
      console.log = log;
    }
    assert.deepEqual(readdirSync(dir), ['filler']);
  });
});
