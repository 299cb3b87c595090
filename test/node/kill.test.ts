/**
 * Kill test: a training process (fixtures/kill-train.ts) is killed with SIGKILL at random moments,
 * then run again until it completes; its final weights and statistics must equal those of an
 * uninterrupted run bit for bit. After every kill, each complete snapshot must read back and the
 * statistics file must parse (atomic writes); unfinished .tmp files are never read.
 *
 * The delays come from a seeded generator and are printed; set CORTADO_KILL_SEED=<n> to replay a
 * failing run's delays (the moments they hit still vary a little with the machine's load).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hdf5 } from '../../src/node/io/hdf5.js';
import { listSnapshots, loadWeights, readSnapshot } from '../../src/node/io/snapshot.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/kill-train.js', import.meta.url));
const SEED = Number(process.env.CORTADO_KILL_SEED ?? 20261126);
const KILLS = 6;
/** A child that has not finished after this long is stuck (not slow): it is killed and the test fails. */
const STUCK_MS = 120_000;

const root = mkdtempSync(join(tmpdir(), 'cortado-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** mulberry32: a small seeded generator for the kill delays. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Synthetic 4-class data: 16 features around a class centre; 192 training and 64 test samples. */
function samples(n: number, offset: number): { x: number[]; y: number[] } {
  const rnd = generator(7 + offset);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    y.push(c);
    for (let j = 0; j < 16; j++) x.push(Math.fround((j % 4 === c ? 1 : 0) + (rnd() - 0.5) * 1.2));
  }
  return { x, y };
}

const BATCH = 16;
const TRAIN_N = 192;
const TEST_N = 64;

/** The net definition: the data layers are the only part a variant changes. */
function definition(dataLayers: object[]): object {
  return {
    seed: 5,
    solver: { baseLr: 0.05, momentum: 0.9, weightDecay: 1e-4, lrPolicy: { type: 'inv', gamma: 1e-3, power: 0.75 }, maxIter: 300 },
    coffeeBreaks: { summaryEvery: 10, validateEvery: 100, snapshotEvery: 10 },
    layers: [
      ...dataLayers,
      { type: 'InnerProduct', name: 'ip1', bottoms: ['data'], tops: ['h1'], numOutput: 32, neuron: 'ReLU' },
      { type: 'Dropout', name: 'drop1', bottoms: ['h1'], tops: ['h1d'], ratio: 0.3 },
      { type: 'InnerProduct', name: 'ip2', bottoms: ['h1d'], tops: ['h2'], numOutput: 16, neuron: 'ReLU' },
      { type: 'InnerProduct', name: 'ip3', bottoms: ['h2'], tops: ['score'], numOutput: 4 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
      { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
    ],
  };
}

function memoryDataLayers(): object[] {
  const train = samples(TRAIN_N, 0);
  const testSet = samples(TEST_N, 1);
  return [
    { type: 'MemoryData', name: 'train-data', tops: ['data', 'label'], batchSize: BATCH, shuffle: true, include: { phase: 'train' },
      data: [{ values: train.x, shape: [TRAIN_N, 16] }, { values: train.y, shape: [TRAIN_N] }] },
    { type: 'MemoryData', name: 'test-data', tops: ['data', 'label'], batchSize: BATCH, include: { phase: 'test' },
      data: [{ values: testSet.x, shape: [TEST_N, 16] }, { values: testSet.y, shape: [TEST_N] }] },
  ];
}

/**
 * The AsyncHDF5Data variant: the same training samples in an HDF5 file read by an AsyncHDF5Data
 * layer (its `source` list file is relative to the definition file). The test phase keeps MemoryData: a second worker's start-up in every process (a few hundred ms
 * at the first validation) would otherwise leave the kills little else to hit.
 */
async function asyncHdf5DataLayers(dir: string): Promise<object[]> {
  const h5 = await hdf5();
  const train = samples(TRAIN_N, 0);
  const f = new h5.File(join(dir, 'train.h5'), 'w');
  f.create_dataset({ name: 'data', data: new Float32Array(train.x), shape: [TRAIN_N, 16], dtype: '<f' });
  f.create_dataset({ name: 'label', data: new Float32Array(train.y), shape: [TRAIN_N], dtype: '<f' });
  f.close();
  writeFileSync(join(dir, 'train.txt'), 'train.h5\n');
  return [
    { type: 'AsyncHDF5Data', name: 'train-data', tops: ['data', 'label'], source: 'train.txt', batchSize: BATCH, shuffle: true, chunkSize: 48, readAhead: 2, include: { phase: 'train' } },
    memoryDataLayers()[1]!,
  ];
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the first progress line (training under way) to exit. */
  ranMs: number;
}

/**
 * Runs the fixture; with `killAfterMs`, sends SIGKILL that long after its first progress line
 * ("iter ..."), so that start-up (loading Cortado, building the net, resuming, starting a data
 * worker) does not eat the delay.
 */
function runChild(defFile: string, out: string, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, defFile, out, process.env.CORTADO_KILL_BACKEND ?? 'js'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let startAt = 0;
    const stuck = setTimeout(() => child.kill('SIGKILL'), STUCK_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!startAt && /^iter /m.test(stdout)) {
        startAt = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(stuck);
      resolve({ code, signal, stdout, stderr, ranMs: startAt ? performance.now() - startAt : 0 });
    });
  });
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

/** Everything a kill may leave must be consistent: complete snapshots read back, statistics parse. */
async function checkAtomic(out: string, where: string): Promise<void> {
  const { files } = await listSnapshots(join(out, 'snapshots'));
  for (const { path } of files) await assert.doesNotReject(readSnapshot(path), `${where}: complete snapshot ${path} must read back`);
  const stats = join(out, 'statistics.json');
  if (existsSync(stats)) assert.doesNotThrow(() => JSON.parse(readFileSync(stats, 'utf8')), `${where}: statistics.json must parse`);
}

function statistics(out: string): Record<string, unknown> {
  const s = JSON.parse(readFileSync(join(out, 'statistics.json'), 'utf8')) as Record<string, unknown>;
  delete s['images/s']; // wall-clock rate: differs between any two runs
  return s;
}

async function killScenario(name: string, dataLayers: (dir: string) => object[] | Promise<object[]>): Promise<void> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const defFile = join(dir, 'net.json');
  writeFileSync(defFile, JSON.stringify(definition(await dataLayers(dir))));

  const straightOut = join(dir, 'straight');
  const straight = await runChild(defFile, straightOut);
  assert.equal(straight.code, 0, `uninterrupted run failed: ${straight.stderr}`);
  assert.match(straight.stdout, /done at iteration 300/);

  const out = join(dir, 'killed');
  const rnd = generator(SEED);
  const delays = Array.from({ length: KILLS }, () => Math.round(rnd() * 0.3 * straight.ranMs));
  console.log(`# kill test "${name}": seed ${SEED} (CORTADO_KILL_SEED), uninterrupted run ${Math.round(straight.ranMs)} ms after its first progress line, SIGKILL delays ${delays.join(', ')} ms`);
  let resumes = 0;
  let kills = 0;
  for (const [i, delay] of delays.entries()) {
    const r = await runChild(defFile, out, delay);
    if (/resuming from/.test(r.stdout)) resumes++;
    const leftovers = existsSync(join(out, 'snapshots')) ? readdirSync(join(out, 'snapshots')).filter((f) => f.endsWith('.tmp')) : [];
    if (r.signal === 'SIGKILL') kills++;
    else assert.equal(r.code, 0, `round ${i + 1} failed: ${r.stderr}`);
    console.log(`#   round ${i + 1}: ${r.signal === 'SIGKILL' ? `killed after ${delay} ms` : 'finished before the kill'} | last line: ${lastLine(r.stdout)}${leftovers.length ? ` | left ${leftovers.join(', ')}` : ''}`);
    assert.doesNotMatch(r.stderr, /damaged|no usable snapshot/, `round ${i + 1}: a kill must not damage a complete snapshot: ${r.stderr}`);
    await checkAtomic(out, `after round ${i + 1}`);
  }
  const last = await runChild(defFile, out);
  assert.equal(last.code, 0, `the final run failed: ${last.stderr}`);
  if (/resuming from/.test(last.stdout)) resumes++;
  console.log(`#   final run: ${lastLine(last.stdout)} (${kills} kills, ${resumes} resumes)`);
  assert.ok(kills >= 1 && resumes >= 1, `the scenario must kill and resume at least once (kills ${kills}, resumes ${resumes})`);

  const want = await loadWeights(join(straightOut, 'final.h5'));
  const got = await loadWeights(join(out, 'final.h5'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.deepEqual(g.shape, w.shape);
    assert.ok(Buffer.from(g.values.buffer, g.values.byteOffset, g.values.byteLength).equals(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)), `final weights of ${k} differ from the uninterrupted run`);
  }
  assert.deepEqual(statistics(out), statistics(straightOut));
}

test('SIGKILL at random moments, then resume: final weights and statistics equal the uninterrupted run (MemoryData)', async () => {
  await killScenario('memory-data', () => memoryDataLayers());
});

test('the same with AsyncHDF5Data layers', async () => {
  await killScenario('async-hdf5-data', asyncHdf5DataLayers);
});
