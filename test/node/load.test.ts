import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { HostArray } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { DataError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver } from '../../src/solver/solver.js';
import { hdf5 } from '../../src/node/io/hdf5.js';
import { readSnapshot, snapshotName } from '../../src/node/io/snapshot.js';
import { loadFrom, saveSnapshot } from '../../src/node/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-load-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => join(root, `d${dirs++}`);

function layers(): LayerConfig[] {
  const n = 40;
  const x = new Float32Array(n * 6).map((_, i) => Math.cos(i * 0.71) + (i % 5) * 0.2);
  const y = new Float32Array(n).map((_, i) => (i * 5) % 3);
  return [
    { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 8, shuffle: true, data: [{ values: x, shape: [n, 6] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 8, neuron: 'ReLU' },
    { type: 'Dropout', name: 'drop', bottoms: ['h'], tops: ['hd'] },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['hd'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

function solver(seed: number, defs = layers()): Solver<Net> {
  return new Solver(new Net(defs, { backend: new JsBackend(), seed }), { baseLr: 0.1, momentum: 0.9, maxIter: 100 });
}

function bytes(a: HostArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function weightsOf(net: Net): Map<string, Buffer> {
  return new Map(net.params.map((p) => [p.key, bytes(p.blob.read())]));
}

/** A directory with snapshots at iterations 10 and 20 of one run; returns their paths. */
async function twoSnapshots(): Promise<{ dir: string; s10: string; s20: string }> {
  const dir = fresh();
  const s = solver(3);
  s.lounge.update('loss', 5, 1.25);
  await s.run(10);
  const s10 = await saveSnapshot(s, dir);
  await s.run(10);
  s.lounge.update('loss', 15, 0.5);
  const s20 = await saveSnapshot(s, dir);
  return { dir, s10, s20 };
}

function listing(dir: string): string[] {
  return readdirSync(dir).map((f) => `${f}:${statSync(join(dir, f)).size}`).sort();
}

type Damage = (file: string) => RegExp;
const damages: Record<string, Damage> = {
  truncated: (f) => {
    truncateSync(f, statSync(f).size >> 1);
    return /truncated/;
  },
  'a flipped byte': (f) => {
    const b = readFileSync(f);
    b[b.length >> 1]! ^= 0x40;
    writeFileSync(f, b);
    return /checksum mismatch/;
  },
  emptied: (f) => {
    truncateSync(f, 0);
    return /empty/;
  },
};

for (const [kind, damage] of Object.entries(damages)) {
  test(`resuming from a directory whose newest snapshot is ${kind} takes the previous one and says why`, async () => {
    const { dir, s10, s20 } = await twoSnapshots();
    const reason = damage(s20);
    const before = listing(dir);
    const s = solver(77);
    const lines: string[] = [];
    assert.equal(await loadFrom(s, dir, { log: (l) => lines.push(l) }), s10);
    assert.equal(s.iter, 10);
    const want = await readSnapshot(s10);
    for (const p of s.net.params) assert.deepEqual(bytes(p.blob.read()), bytes(want.params.get(p.key)!.values), p.key);
    assert.deepEqual(s.lounge.get('loss'), [[5, 1.25]], 'statistics up to the snapshot, from the snapshot');
    const skipped = lines.find((l) => l.includes(s20));
    assert.ok(skipped && reason.test(skipped), `a warning names ${s20} and the reason: ${lines.join(' / ')}`);
    assert.ok(lines.some((l) => l.includes(s10) && /older snapshot/.test(l)), lines.join(' / '));
    assert.deepEqual(listing(dir), before, 'nothing deleted or changed');
  });
}

test('an unfinished .tmp write is ignored, with a note naming it', async () => {
  const { dir, s20 } = await twoSnapshots();
  const tmp = join(dir, `${snapshotName(30)}.tmp`);
  writeFileSync(tmp, readFileSync(s20).subarray(0, 700));
  const s = solver(5);
  const lines: string[] = [];
  assert.equal(await loadFrom(s, dir, { log: (l) => lines.push(l) }), s20);
  assert.equal(s.iter, 20);
  assert.deepEqual(s.lounge.get('loss'), [[5, 1.25], [15, 0.5]]);
  assert.ok(lines.some((l) => l.includes(tmp) && /never finished/.test(l)), lines.join(' / '));
  assert.ok(readdirSync(dir).includes(`${snapshotName(30)}.tmp`));
});

test('when every snapshot is damaged, resuming is an error listing each one, and nothing is deleted', async () => {
  const { dir, s10, s20 } = await twoSnapshots();
  damages.truncated!(s20);
  damages['a flipped byte']!(s10);
  writeFileSync(join(dir, `${snapshotName(30)}.tmp`), 'half');
  const before = listing(dir);
  const s = solver(5);
  await assert.rejects(loadFrom(s, dir, { log: () => {} }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /no usable snapshot/);
    assert.match(e.message, new RegExp(`${s20}.*truncated`));
    assert.match(e.message, new RegExp(`${s10}.*checksum mismatch`));
    assert.match(e.message, /Nothing was deleted/);
    return true;
  });
  assert.equal(s.iter, 0);
  assert.deepEqual(listing(dir), before);
});

test('a directory without snapshots (only an unfinished write) is a fresh start; a damaged file named directly is an error', async () => {
  const dir = fresh();
  mkdirSync(dir);
  assert.equal(await loadFrom(solver(1), dir, { log: () => {} }), null);
  writeFileSync(join(dir, `${snapshotName(10)}.tmp`), 'x');
  const lines: string[] = [];
  assert.equal(await loadFrom(solver(1), dir, { log: (l) => lines.push(l) }), null);
  assert.equal(lines.length, 1);
  const { s20 } = await twoSnapshots();
  damages.truncated!(s20);
  await assert.rejects(loadFrom(solver(1), s20), (e: unknown) => e instanceof DataError && e.message.includes(s20) && /truncated/.test(e.message));
});

test('net.saveWeights / net.loadWeights round-trip bit for bit; a weights file leaves the iteration and solver state alone', async () => {
  const s = solver(3);
  await s.run(12);
  const file = join(fresh(), 'w.h5');
  assert.equal(await s.net.saveWeights(file), file);
  const other = solver(99);
  await other.run(7);
  const state = other.getState();
  const lines: string[] = [];
  assert.equal(await loadFrom(other, file, { log: (l) => lines.push(l) }), file);
  assert.deepEqual(weightsOf(other.net), weightsOf(s.net));
  assert.deepEqual(lines, []);
  const after = other.getState();
  assert.equal(after.iter, 7);
  assert.deepEqual(after.rng, state.rng);
  assert.deepEqual(after.data, state.data);
  for (const [k, v] of state.history) assert.deepEqual(bytes(after.history.get(k)!), bytes(v), k);

  const net = new Net(layers(), { backend: new JsBackend(), seed: 1, phase: 'test' });
  assert.equal(await net.loadWeights(file), file);
  assert.deepEqual(weightsOf(net), weightsOf(s.net));
});

test('a foreign weights file: found parameters load (singleton dimensions aside), missing and unknown keys are warned about', async () => {
  const h5 = await hdf5();
  const file = join(fresh(), 'foreign.h5');
  mkdirSync(join(file, '..'), { recursive: true });
  const w1 = new Float32Array(48).map((_, i) => i / 8 - 3);
  const b2 = new Float64Array([0.5, -0.25, 2]);
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'ip1___weight', data: w1, shape: [8, 6], dtype: '<f' });
  f.create_dataset({ name: 'ip2___bias', data: b2, shape: [3, 1], dtype: '<d' });
  f.create_dataset({ name: 'conv0___weight', data: new Float32Array(4), shape: [4], dtype: '<f' });
  f.close();
  const net = new Net(layers(), { backend: new JsBackend(), seed: 4 });
  const before = weightsOf(net);
  const lines: string[] = [];
  assert.equal(await loadFrom(net, file, { log: (l) => lines.push(l) }), file);
  assert.deepEqual(bytes(net.params.find((p) => p.key === 'ip1___weight')!.blob.read()), bytes(w1));
  assert.deepEqual(Array.from(net.params.find((p) => p.key === 'ip2___bias')!.blob.read()), [0.5, -0.25, 2]);
  for (const key of ['ip1___bias', 'ip2___weight']) assert.deepEqual(weightsOf(net).get(key), before.get(key), `${key} keeps its initial value`);
  const missing = lines.find((l) => /no value for/.test(l));
  assert.ok(missing?.includes('"ip1___bias"') && missing.includes('"ip2___weight"') && missing.includes(file) && /no Cortado format marker/.test(missing), lines.join(' / '));
  const unknown = lines.find((l) => /does not have/.test(l));
  assert.ok(unknown?.includes('"conv0___weight"') && !unknown.includes('ip1'), lines.join(' / '));
});

test('a shape mismatch is a ShapeError naming the parameter and both shapes, and loads nothing', async () => {
  const h5 = await hdf5();
  const file = join(fresh(), 'wrong.h5');
  mkdirSync(join(file, '..'), { recursive: true });
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'ip2___bias', data: new Float32Array(3), shape: [3], dtype: '<f' });
  f.create_dataset({ name: 'ip1___weight', data: new Float32Array(48), shape: [6, 8], dtype: '<f' });
  f.close();
  const net = new Net(layers(), { backend: new JsBackend(), seed: 4 });
  const before = weightsOf(net);
  await assert.rejects(net.loadWeights(file, { log: () => {} }), (e: unknown) =>
    e instanceof ShapeError && e.message.includes(file) && /"ip1___weight" has shape \[6, 8\], the net's is \[8, 6\]/.test(e.message));
  assert.deepEqual(weightsOf(net), before);
});

test('a snapshot into a solver must hold every parameter; into a net it loads the weights only', async () => {
  const { s20 } = await twoSnapshots();
  const wider = layers();
  wider.splice(4, 0, { type: 'InnerProduct', name: 'ip3', bottoms: ['score'], tops: ['score3'], numOutput: 3 });
  (wider[5] as { bottoms: string[] }).bottoms = ['score3', 'label'];
  await assert.rejects(loadFrom(solver(2, wider), s20, { log: () => {} }), (e: unknown) =>
    e instanceof DataError && e.message.includes(s20) && /"ip3___weight", "ip3___bias".*another net/.test(e.message));
  const adam = new Solver(new Net(layers(), { backend: new JsBackend(), seed: 2 }), { method: 'Adam', baseLr: 0.01, maxIter: 100 });
  const lines: string[] = [];
  await assert.rejects(loadFrom(adam, s20, { log: (l) => lines.push(l) }), (e: unknown) =>
    e instanceof DataError && e.message.includes(s20) && /solver state has no/.test(e.message));
  assert.ok(lines.some((l) => /made by method SGD; this solver uses Adam/.test(l)), lines.join(' / '));
  const net = new Net(layers(), { backend: new JsBackend(), seed: 8 });
  assert.equal(await net.loadWeights(s20), s20);
  const want = await readSnapshot(s20);
  for (const p of net.params) assert.deepEqual(bytes(p.blob.read()), bytes(want.params.get(p.key)!.values));
  // A copy elsewhere, given as a file, resumes a solver fully.
  const copy = join(fresh(), 'copy.h5');
  mkdirSync(join(copy, '..'));
  copyFileSync(s20, copy);
  const s = solver(11);
  assert.equal(await loadFrom(s, copy), copy);
  assert.equal(s.iter, 20);
});

test('train({ initFrom }) starts from a weights file when there is nothing to resume, and ignores it, with a warning, when resuming', async () => {
  const { train } = await import('../../src/node/train.js');
  const s = solver(3);
  await s.run(5);
  const file = join(fresh(), 'init.h5');
  await s.net.saveWeights(file);
  const out = fresh();
  const lines: string[] = [];
  const run = (maxIter: number) => train({
    backend: new JsBackend(), layers: layers(), solver: { baseLr: 0.1, maxIter }, seed: 42, initFrom: file,
    coffeeBreaks: { summaryEvery: 0, snapshotEvery: 2 }, outputDir: out, log: (l) => lines.push(l),
  });
  const first = await run(0);
  assert.equal(first.solver.iter, 0, 'the weights file does not set the iteration');
  assert.deepEqual(weightsOf(first.trainNet), weightsOf(s.net));
  await run(2);
  lines.length = 0;
  const resumed = await run(4);
  assert.match(resumed.resumedFrom ?? '', /snapshot-00000002\.h5$/);
  assert.ok(lines.some((l) => l.includes(file) && /not used/.test(l)), lines.join(' / '));
});

test("Mocha's convolution filters (<layer>___filter) load into <layer>___weight", async () => {
  const h5 = await hdf5();
  const file = join(fresh(), 'mocha.h5');
  mkdirSync(join(file, '..'), { recursive: true });
  const w = new Float32Array(48).map((_, i) => 1 - i / 16);
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'ip1___filter', data: w, shape: [8, 6], dtype: '<f' });
  f.close();
  const net = new Net(layers(), { backend: new JsBackend(), seed: 4 });
  const lines: string[] = [];
  await loadFrom(net, file, { log: (l) => lines.push(l) });
  assert.deepEqual(bytes(net.params.find((p) => p.key === 'ip1___weight')!.blob.read()), bytes(w));
  assert.ok(!lines.some((l) => /does not have/.test(l)), `the filter is not reported unused: ${lines.join(' / ')}`);
});

test('a weights file that matches no parameter of the net is a DataError naming both key lists', async () => {
  const h5 = await hdf5();
  const file = join(fresh(), 'other-net.h5');
  mkdirSync(join(file, '..'), { recursive: true });
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'conv9___weight', data: new Float32Array(4), shape: [4], dtype: '<f' });
  f.close();
  const net = new Net(layers(), { backend: new JsBackend(), seed: 4 });
  const before = weightsOf(net);
  await assert.rejects(loadFrom(net, file, { log: () => {} }), (e: unknown) =>
    e instanceof DataError && e.message.includes(file) && /matches no parameter/.test(e.message) && e.message.includes('"conv9___weight"') && e.message.includes('"ip1___weight"'));
  assert.deepEqual(weightsOf(net), before);
});

test('loadFrom a run folder that does not exist yet returns null; a missing weights file is an error', async () => {
  const dir = fresh();
  assert.equal(await loadFrom(solver(1), dir, { log: () => {} }), null);
  assert.equal(await loadFrom(solver(1), join(dir, 'nested', 'run'), { log: () => {} }), null);
  await assert.rejects(loadFrom(solver(1), join(dir, 'w.h5'), { log: () => {} }), (e: unknown) => e instanceof DataError && e.message.includes('w.h5'));
});
