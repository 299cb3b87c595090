import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError, NumericError, ShapeError } from '../../src/core/errors.js';
import { dataErrorNaming } from '../harness/errors.js';
import type { HostArray } from '../../src/backend/backend.js';
import { hdf5 } from '../../src/node/io/hdf5.js';
import {
  latestSnapshot,
  listSnapshots,
  loadWeights,
  readParamsFile,
  readSnapshot,
  saveWeights,
  snapshotName,
  writeSnapshot,
  type ArrayEntry,
  type SnapshotData,
} from '../../src/node/io/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-io-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => join(root, `d${dirCount++}`);

/**
 * Values from raw bit patterns: -0, subnormals and the extremes must survive. Patterns that are
 * NaN or infinite get their top exponent bit cleared: non-finite values are refused (tested apart).
 */
function bitsF32(n: number, seed: number): Float32Array {
  const u = new Uint32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    u[i] = (x & 0x7f800000) === 0x7f800000 ? x ^ 0x40000000 : x;
  }
  const special = [0x7f7fffff, 0xff7fffff, 0x807fffff, 0x00800000, 0x80000000, 0x00000001];
  special.forEach((v, i) => { if (i < n) u[i] = v; });
  return new Float32Array(u.buffer);
}

function bitsF64(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  const u = new Uint32Array(a.buffer);
  u.set(new Uint32Array(bitsF32(2 * n, seed).buffer));
  for (let i = 1; i < u.length; i += 2) if ((u[i]! & 0x7ff00000) === 0x7ff00000) u[i] ^= 0x40000000;
  return a;
}

/** The file's bytes without its seal: damage then reaches the checks inside the HDF5 file. */
function unsealed(file: string): Buffer {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(bytes.length - 20, bytes.length - 12).toString('latin1'), 'CRTDSEAL');
  return bytes.subarray(0, bytes.length - 20);
}

function sameBits(a: HostArray, b: HostArray, what: string): void {
  assert.equal(a.constructor, b.constructor, `${what}: array type`);
  assert.deepEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength), `${what}: bytes`);
}

function sameEntries(got: Map<string, ArrayEntry>, want: Map<string, ArrayEntry>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.deepEqual(g.shape, w.shape, `shape of "${k}"`);
    sameBits(g.values, w.values, `"${k}"`);
  }
}

function sample(iter: number): SnapshotData {
  const params = new Map<string, ArrayEntry>();
  for (let i = 0; i < 40; i++) {
    const f64 = i % 3 === 0;
    const shape = [i % 4 + 1, 3, (i % 2) + 1];
    const n = shape.reduce((a, b) => a * b, 1);
    params.set(`layer${i}___${i % 2 ? 'weight' : 'bias'}`, { shape, values: f64 ? bitsF64(n, i + 1) : bitsF32(n, i + 1) });
  }
  params.set('odd/name%2F.with/slashes', { shape: [2, 2], values: bitsF32(4, 99) });
  params.set('.', { shape: [1], values: new Float64Array([Math.PI]) });
  params.set('%2E', { shape: [1], values: new Float32Array([2]) });
  params.set('héllo 日本', { shape: [], values: new Float32Array([-0]) });
  params.set('empty', { shape: [3, 0], values: new Float64Array(0) });
  const solverState = new Map<string, ArrayEntry>();
  solverState.set('momentum/layer1___weight', { shape: [18], values: bitsF32(18, 7) });
  solverState.set('momentum/layer0___bias', { shape: [3, 1], values: bitsF64(3, 8) });
  solverState.set('adam/m/layer0___bias', { shape: [3], values: bitsF64(3, 9) });
  const meta = { rng: [1, 2, 3, 4294967295], data: { 'train-data': { pos: 128, epoch: 2 } }, method: 'sgd', lr: 0.1, note: 'ünïcode' };
  return { iter, params, solverState, meta };
}

describe('snapshots', () => {
  test('round-trip is bit-exact for float32 and float64, keys, order, shapes, iter and meta', async () => {
    const dir = freshDir();
    const data = sample(1234);
    const file = await writeSnapshot(dir, data);
    assert.equal(file, join(dir, 'snapshot-00001234.h5'));
    const back = await readSnapshot(file);
    assert.equal(back.iter, 1234);
    assert.deepEqual(back.meta, data.meta);
    sameEntries(back.params, data.params);
    sameEntries(back.solverState, data.solverState);
  });

  test('the file is HDF5 with the documented layout and format marker', async () => {
    const file = await writeSnapshot(freshDir(), sample(7));
    const h5 = await hdf5();
    const f = new h5.File(file, 'r');
    try {
      assert.equal(f.get_attribute('format', false), 'cortado-snapshot');
      assert.equal(f.get_attribute('version', false), 1);
      assert.equal(f.get_attribute('iter', false), 7);
      assert.deepEqual(JSON.parse(f.get_attribute('meta', false) as string), sample(7).meta);
      assert.deepEqual(f.keys(), ['params', 'solver']);
      assert.ok(f.get('solver/momentum%2Flayer1___weight') instanceof h5.Dataset);
      const ds = f.get('params/layer1___weight') as InstanceType<typeof h5.Dataset>;
      assert.deepEqual(ds.shape, [2, 3, 2]);
      assert.equal(ds.dtype, '<f');
      assert.equal((f.get('params/layer0___bias') as InstanceType<typeof h5.Dataset>).dtype, '<d');
    } finally {
      f.close();
    }
  });

  test('writes atomically: no .tmp left, rewrite replaces, a failed write leaves nothing', async () => {
    const dir = freshDir();
    const file = await writeSnapshot(dir, sample(5));
    assert.deepEqual(readdirSync(dir), ['snapshot-00000005.h5']);
    // A stale .tmp of the same name (an interrupted earlier run) is overwritten, then renamed away.
    writeFileSync(`${file}.tmp`, 'half a file');
    const again = sample(5);
    again.meta = { second: true };
    await writeSnapshot(dir, again);
    assert.deepEqual(readdirSync(dir), ['snapshot-00000005.h5']);
    assert.deepEqual((await readSnapshot(file)).meta, { second: true });

    const bad = sample(6);
    bad.params.set('broken', { shape: [2, 2], values: new Float32Array(3) });
    await assert.rejects(writeSnapshot(dir, bad), (e: unknown) => e instanceof ShapeError && /broken/.test(e.message) && /\[2, 2\]/.test(e.message));
    assert.deepEqual(readdirSync(dir), ['snapshot-00000005.h5']);
    await assert.rejects(writeSnapshot(dir, { ...sample(8), meta: { big: 1n } }), DataError);
    await assert.rejects(writeSnapshot(dir, { ...sample(8), iter: -1 }), DataError);
    assert.deepEqual(readdirSync(dir), ['snapshot-00000005.h5']);
  });

  test('latestSnapshot picks the highest iteration and ignores .tmp leftovers and other names', async () => {
    const dir = freshDir();
    assert.equal(await latestSnapshot(dir), null);
    for (const iter of [5, 100, 20]) await writeSnapshot(dir, sample(iter));
    writeFileSync(join(dir, `${snapshotName(900)}.tmp`), 'interrupted');
    writeFileSync(join(dir, 'snapshot-abc.h5'), '');
    writeFileSync(join(dir, 'snapshot-99999.h5'), '');
    writeFileSync(join(dir, 'other-00009999.h5'), '');
    assert.equal(await latestSnapshot(dir), join(dir, 'snapshot-00000100.h5'));
    await writeSnapshot(dir, { ...sample(123456789), params: new Map(), solverState: new Map() });
    assert.equal(await latestSnapshot(dir), join(dir, 'snapshot-123456789.h5'));
  });

  test('listSnapshots: newest first, unfinished .tmp writes apart, other names ignored', async () => {
    const dir = freshDir();
    assert.deepEqual(await listSnapshots(dir), { files: [], unfinished: [] });
    for (const iter of [40, 100, 20]) await writeSnapshot(dir, sample(iter));
    writeFileSync(join(dir, `${snapshotName(120)}.tmp`), 'interrupted');
    writeFileSync(join(dir, 'statistics.json.tmp'), '{');
    writeFileSync(join(dir, 'snapshot-12.h5'), '');
    const l = await listSnapshots(dir);
    assert.deepEqual(l.files, [100, 40, 20].map((iter) => ({ iter, path: join(dir, snapshotName(iter)) })));
    assert.deepEqual(l.unfinished, [join(dir, `${snapshotName(120)}.tmp`)]);
  });

  test('readParamsFile tells snapshots, Cortado weights files and foreign weights files apart', async () => {
    const dir = freshDir();
    const snap = await readParamsFile(await writeSnapshot(dir, sample(3)));
    assert.equal(snap.kind, 'snapshot');
    if (snap.kind === 'snapshot') assert.equal(snap.snapshot.iter, 3);
    const w = join(dir, 'w.h5');
    await saveWeights(w, sample(1).params);
    const weights = await readParamsFile(w);
    assert.ok(weights.kind === 'weights' && !weights.foreign);
    if (weights.kind === 'weights') sameEntries(weights.params, sample(1).params);
    const h5 = await hdf5();
    const plain = join(dir, 'plain.h5');
    const f = new h5.File(plain, 'w');
    f.create_dataset({ name: 'ip___bias', data: new Float32Array([1, 2]) });
    f.close();
    const foreign = await readParamsFile(plain);
    assert.ok(foreign.kind === 'weights' && foreign.foreign && foreign.params.has('ip___bias'));
    const odd = join(dir, 'odd.h5');
    const g = new h5.File(odd, 'w');
    g.create_attribute('format', 'something-else');
    g.close();
    await assert.rejects(readParamsFile(odd), (e: unknown) => e instanceof DataError && e.message.includes(odd) && /found format "something-else"/.test(e.message));
  });

  describe('bad files give a DataError naming the file', () => {
        test('missing', async () => {
      const file = join(root, 'nope', 'snapshot-00000001.h5');
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /cannot read|ENOENT/));
    });

    test('truncated at many lengths', async () => {
      const dir = freshDir();
      const good = await writeSnapshot(dir, sample(3));
      const bytes = readFileSync(good);
      // The last 20 bytes are the seal: a cut inside it leaves the HDF5 data whole (see below).
      for (const len of [0, 4, 40, 100, bytes.length >> 1, bytes.length - 21]) {
        const cut = join(dir, `cut-${len}.h5`);
        writeFileSync(cut, bytes.subarray(0, len));
        await assert.rejects(readSnapshot(cut), dataErrorNaming(cut, len === 0 ? /empty/ : /truncated/));
      }
      truncateSync(good, bytes.length - 1000);
      await assert.rejects(readSnapshot(good), dataErrorNaming(good, /truncated/));
    });

    test('a flipped bit anywhere fails the seal before HDF5 reads the file', async () => {
      const dir = freshDir();
      const good = readFileSync(await writeSnapshot(dir, sample(4)));
      assert.equal(good.subarray(good.length - 20, good.length - 12).toString('latin1'), 'CRTDSEAL');
      const file = join(dir, 'flipped.h5');
      let x = 7;
      for (let k = 0; k < 40; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        const at = 8 + (x % (good.length - 28)); // outside the signature and the seal's magic
        const bytes = Buffer.from(good);
        bytes[at]! ^= 1 << (k % 8);
        writeFileSync(file, bytes);
        await assert.rejects(readSnapshot(file), dataErrorNaming(file, /file checksum mismatch|seal counts/), `flip at byte ${at}`);
      }
      // A seal cut short: the HDF5 data is whole, and its own checksums still vouch for it.
      writeFileSync(file, good.subarray(0, good.length - 5));
      assert.equal((await readSnapshot(file)).iter, 4);
    });

    test('a seal whose marker is damaged is still checked: damage elsewhere is found, an intact file still reads', async () => {
      const dir = freshDir();
      const good = readFileSync(await writeSnapshot(dir, sample(5)));
      const marker = good.length - 20;
      const file = join(dir, 'marker.h5');
      const damaged = (flips: number[], body: boolean) => {
        const bytes = Buffer.from(good);
        for (const i of flips) bytes[i]! ^= 0x5a;
        if (body) bytes[marker >> 1]! ^= 1;
        writeFileSync(file, bytes);
      };
      // Up to four of the marker's 8 bytes, with the count of bytes before the seal intact or not.
      for (const flips of [[marker + 4], [marker, marker + 7], [marker, marker + 1, marker + 2, marker + 3], [marker + 2, marker + 12]]) {
        damaged(flips, true);
        await assert.rejects(readSnapshot(file), dataErrorNaming(file, /file checksum mismatch|seal counts/), `marker bytes ${flips.map((i) => i - marker)} and a body byte`);
      }
      // The whole marker, the count intact: the checksum still finds the body's damage.
      damaged([0, 1, 2, 3, 4, 5, 6, 7].map((i) => marker + i), true);
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /file checksum mismatch/));
      // Damage to the marker alone leaves a file whose body the checksum vouches for.
      damaged([marker + 4], false);
      assert.equal((await readSnapshot(file)).iter, 5);
      // The marker and its count both gone: no seal (another tool's file may end anyhow), so HDF5's own checks decide.
      damaged([marker, marker + 1, marker + 2, marker + 3, marker + 4, marker + 12], false);
      assert.equal((await readSnapshot(file)).iter, 5);
    });

    test('garbage and a directory', async () => {
      const file = join(root, 'garbage.h5');
      writeFileSync(file, Buffer.from(bitsF32(4096, 5).buffer));
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /not an HDF5 file/));
      const dir = freshDir();
      await writeSnapshot(dir, sample(1));
      await assert.rejects(readSnapshot(dir), dataErrorNaming(dir, /not a regular file/));
    });

    test('HDF5 but not a Cortado snapshot', async () => {
      const file = join(root, 'weights-not-snapshot.h5');
      await saveWeights(file, sample(1).params);
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /not a Cortado snapshot/));
      const h5 = await hdf5();
      const plain = join(root, 'plain.h5');
      const f = new h5.File(plain, 'w');
      f.create_dataset({ name: 'x', data: new Float32Array([1, 2]) });
      f.close();
      await assert.rejects(readSnapshot(plain), dataErrorNaming(plain, /no "format" attribute/));
    });

    test('corrupted values fail the checksum', async () => {
      const dir = freshDir();
      const data = { iter: 1, params: new Map<string, ArrayEntry>(), solverState: new Map<string, ArrayEntry>(), meta: {} };
      const marker = new Float64Array(64).map((_, i) => 1e100 + i * 1e90);
      data.params.set('fc___weight', { shape: [8, 8], values: marker });
      const file = await writeSnapshot(dir, data);
      const bytes = unsealed(file);
      const at = bytes.indexOf(Buffer.from(marker.buffer));
      assert.ok(at > 0, 'the values are stored contiguously');
      bytes[at + 100]! ^= 0x10;
      writeFileSync(file, bytes);
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /checksum mismatch.*corrupt/));
    });

    test('a damaged attribute fails the manifest checksum', async () => {
      const dir = freshDir();
      const data = sample(11);
      data.meta = { seedMarker: 'abcdefghijklmnop' };
      const file = await writeSnapshot(dir, data);
      const bytes = unsealed(file);
      const at = bytes.indexOf('abcdefghijklmnop');
      assert.ok(at > 0, 'meta is stored as text');
      bytes[at] = 'x'.charCodeAt(0);
      writeFileSync(file, bytes);
      await assert.rejects(readSnapshot(file), dataErrorNaming(file, /checksum mismatch.*attribute or a name/));

    });
  });
});

describe('weights files', () => {
  test('round-trip at the root in Mocha naming, atomically, directory created', async () => {
    const dir = freshDir();
    const file = join(dir, 'sub', 'lenet.h5');
    const params = sample(1).params;
    assert.equal(await saveWeights(file, params), file);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['lenet.h5']);
    sameEntries(await loadWeights(file), params);
    const h5 = await hdf5();
    const f = new h5.File(file, 'r');
    assert.ok(f.get('layer1___weight') instanceof h5.Dataset);
    assert.equal(f.get_attribute('format', false), 'cortado-weights');
    f.close();
  });

  test('a weights file from another tool (no marker, no checksums) loads', async () => {
    const h5 = await hdf5();
    const file = join(root, 'foreign.h5');
    // Oldest file format (superblock version 0), as h5py and HDF5.jl write by default.
    const f = new h5.File(file, 'w', { libver: ['earliest', 'latest'] });
    f.create_dataset({ name: 'conv1___weight', data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: '<f' });
    f.create_dataset({ name: 'conv1___bias', data: new Float64Array([0.5, -0.5]), shape: [2], dtype: '<d' });
    f.close();
    const w = await loadWeights(file);
    assert.deepEqual(w.get('conv1___weight'), { shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(w.get('conv1___bias'), { shape: [2], values: new Float64Array([0.5, -0.5]) });
    assert.equal(readFileSync(file)[8], 0, 'superblock version 0');
    truncateSync(file, statSync(file).size - 8);
    await assert.rejects(loadWeights(file), (e: unknown) => e instanceof DataError && e.message.includes(file) && /truncated/.test(e.message));
  });

  test('errors: a snapshot given as weights, integer data, a cut file', async () => {
    const snap = await writeSnapshot(freshDir(), sample(2));
    await assert.rejects(loadWeights(snap), (e: unknown) => e instanceof DataError && e.message.includes(snap) && /readSnapshot/.test(e.message));
    const h5 = await hdf5();
    const ints = join(root, 'ints.h5');
    const f = new h5.File(ints, 'w');
    f.create_dataset({ name: 'a___b', data: new Int32Array([1, 2]) });
    f.close();
    await assert.rejects(loadWeights(ints), (e: unknown) => e instanceof DataError && e.message.includes(ints) && /"\/a___b".*float32 or float64/.test(e.message));
    const w = join(root, 'w.h5');
    await saveWeights(w, sample(1).params);
    truncateSync(w, statSync(w).size - 21);
    await assert.rejects(loadWeights(w), (e: unknown) => e instanceof DataError && e.message.includes(w) && /truncated/.test(e.message));
  });
});

describe('non-finite values', () => {
  test('saveWeights and writeSnapshot refuse NaN and infinities with a NumericError naming the file and array; nothing is written', async () => {
    const dir = freshDir();
    const params = sample(1).params;
    params.get('layer1___weight')!.values[4] = NaN;
    const file = join(dir, 'w.h5');
    await assert.rejects(saveWeights(file, params), (e: unknown) => e instanceof NumericError && e.message.includes(file) && /parameter "layer1___weight" \(shape \[2, 3, 2\]\) holds NaN at index 4/.test(e.message));
    const data = sample(3);
    data.solverState.get('adam/m/layer0___bias')!.values[2] = -Infinity;
    await assert.rejects(writeSnapshot(dir, data), (e: unknown) => e instanceof NumericError && e.message.includes(join(dir, 'snapshot-00000003.h5')) && /solver state "adam\/m\/layer0___bias".*holds -Infinity at index 2/.test(e.message));
    assert.throws(() => readdirSync(dir), /ENOENT/, 'not even the directory was made');
  });

  test('a weights file from another tool holding NaN or an infinity is refused, naming the file and parameter', async () => {
    const h5 = await hdf5();
    for (const [name, bad] of [['nan', NaN], ['inf', Infinity]] as const) {
      const file = join(root, `foreign-${name}.h5`);
      const f = new h5.File(file, 'w');
      f.create_dataset({ name: 'conv1___bias', data: new Float32Array([0.5, 1]), shape: [2], dtype: '<f' });
      f.create_dataset({ name: 'conv1___weight', data: new Float64Array([1, 2, bad, 4]), shape: [2, 2], dtype: '<d' });
      f.close();
      await assert.rejects(loadWeights(file), (e: unknown) => e instanceof DataError && e.message.includes(file) && new RegExp(`parameter "conv1___weight" \\(dataset "/conv1___weight", shape \\[2, 2\\]\\) holds ${bad} at index 2; Cortado loads finite values only`).test(e.message));
      await assert.rejects(readParamsFile(file), (e: unknown) => e instanceof DataError && e.message.includes(file) && /conv1___weight/.test(e.message));
    }
  });
});
