/**
 * Data-parallel equivalence, through the command line under mpirun: N ranks of batch b reach the
 * weights (and validation figures) of one process of batch N·b on the same samples, within float32
 * summation order, while one process of batch b lands far from them (so the comparison can fail).
 * On js, native (with AsyncHDF5Data) and the CUDA backend on its CPU emulator: two ranks sharing
 * one emulated GPU (the host-staged path), and two ranks with an emulated GPU each reducing through
 * the NCCL path, with a stand-in NCCL (fake_nccl.cc: shared memory) since real NCCL needs two GPUs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../../src/node/backend/cuda/addon.js';
import { latestSnapshot, readSnapshot } from '../../../src/node/io/snapshot.js';
import { loadNativeAddon } from '../../../src/node/backend/native/load.js';
import { buildEmulator, ensureAddon } from '../../backend/cuda/emulator.js';
import { CLI, mpiSkip, run, writeDefinition, writeTask, type Run, type TaskOptions } from './mpirun.js';

const skip = mpiSkip();
const dir = mkdtempSync(join(tmpdir(), 'cortado-dp-'));
before(async () => {
  if (!skip) await writeTask(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** Trains `o` with `np` ranks (0: one plain process) and returns the final snapshot's weights and the run. */
async function train(np: number, o: TaskOptions, backend: string, env: Record<string, string> = {}): Promise<{ weights: Map<string, Float32Array>; stats: Record<string, [number, number][]>; run: Run }> {
  const name = `run${runs++}`;
  const def = writeDefinition(dir, name, o);
  const out = join(dir, `${name}-out`);
  const args = [CLI, 'train', def, '--backend', backend, '--output', out, ...(np > 0 ? ['--distributed'] : [])];
  const r = await run(np, args, env);
  assert.equal(r.code, 0, `${np} rank(s) on ${backend} failed:\n${r.stdout}\n${r.stderr}`);
  const snap = await readSnapshot((await latestSnapshot(join(out, 'snapshots')))!);
  assert.equal(snap.iter, o.maxIter);
  const weights = new Map([...snap.params].map(([k, v]) => [k, Float32Array.from(v.values)]));
  const stats = JSON.parse(readFileSync(join(out, 'statistics.json'), 'utf8')) as Record<string, [number, number][]>;
  return { weights, stats, run: r };
}

/** The largest |a - b| over all weights, relative to the largest |b|. */
function distance(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let diff = 0;
  let scale = 0;
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    for (let i = 0; i < va.length; i++) {
      diff = Math.max(diff, Math.abs(va[i]! - vb[i]!));
      scale = Math.max(scale, Math.abs(vb[i]!));
    }
  }
  return diff / scale;
}

const TOLERANCE = 2e-5;

/** Builds fake_nccl.cc (next to this test's sources) into build/nccl-emu/libnccl.so.2. */
function buildFakeNccl(): { path?: string; skip?: string } {
  const src = join(packageRoot(), 'test', 'node', 'distributed', 'fake_nccl.cc');
  const out = join(packageRoot(), 'build', 'nccl-emu', 'libnccl.so.2');
  mkdirSync(dirname(out), { recursive: true });
  const r = spawnSync('g++', ['-std=c++17', '-O1', '-shared', '-fPIC', '-o', out, src, '-lrt'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { skip: `the stand-in NCCL does not build: ${r.error?.message ?? r.stderr}` };
  return { path: out };
}

describe('data-parallel training under mpirun', { skip }, () => {
  const base = { testBatch: 8, maxIter: 20, validateEvery: 10 };

  it('2 ranks of batch 8 (js) give the weights of one process of batch 16; validation is split and reduced', async () => {
    const split = await train(2, { ...base, batch: 8 }, 'js');
    const whole = await train(0, { ...base, batch: 16, testBatch: 16 }, 'js');
    const small = await train(0, { ...base, batch: 8 }, 'js');
    const d = distance(split.weights, whole.weights);
    assert.ok(d < TOLERANCE, `2 ranks vs one process of batch 16: relative distance ${d}`);
    const far = distance(small.weights, whole.weights);
    assert.ok(far > 100 * TOLERANCE, `one process of batch 8 should differ: ${far}`);
    // Rank 0 alone logs, and its losses and validation figures are the whole batch's.
    assert.match(split.run.stdout, /distributed: 2 ranks, batch 8 each \(16 in all\)/);
    assert.equal(split.run.stdout.match(/^done:/gm)?.length, 1);
    for (const key of ['validation/loss', 'validation/accuracy', 'loss']) {
      const a = split.stats[key]!;
      const b = whole.stats[key]!;
      assert.deepEqual(a.map(([i]) => i), b.map(([i]) => i), key);
      a.forEach(([, v], i) => assert.ok(Math.abs(v - b[i]![1]) < 1e-4 * Math.max(1, Math.abs(v)), `${key} at ${a[i]![0]}: ${v} vs ${b[i]![1]}`));
    }
  });

  it('3 ranks of batch 4 with Adam give the weights of one process of batch 12', async () => {
    const split = await train(3, { ...base, batch: 4, testBatch: 4, method: 'Adam', maxIter: 12 }, 'js');
    const whole = await train(0, { ...base, batch: 12, testBatch: 12, method: 'Adam', maxIter: 12 }, 'js');
    const d = distance(split.weights, whole.weights);
    assert.ok(d < TOLERANCE, `relative distance ${d}`);
  });

  it('2 ranks on the native backend reading AsyncHDF5Data agree with one js process of batch 16', { skip: loadNativeAddon() ? undefined : 'native addon not built' }, async () => {
    const split = await train(2, { ...base, batch: 8, dataType: 'AsyncHDF5Data' }, 'native');
    const whole = await train(0, { ...base, batch: 16, testBatch: 16 }, 'js');
    const d = distance(split.weights, whole.weights);
    assert.ok(d < 1e-4, `relative distance ${d}`);
  });

  const emu = buildEmulator();
  const emuSkip = emu.skip ?? (emu.dir ? ensureAddon() : null) ?? undefined;
  it('2 ranks sharing one (emulated) GPU reduce through MPI with host staging and agree with js', { skip: emuSkip }, async () => {
    const env: Record<string, string> = { CORTADO_CUDA_LIB_DIR: emu.dir!, CORTADO_CUDNN: '0', CORTADO_CACHE_DIR: join(dir, 'cuda-cache') };
    if (process.env.CORTADO_CUDA_ADDON) env.CORTADO_CUDA_ADDON = process.env.CORTADO_CUDA_ADDON;
    // One process first: it compiles the kernels into the cache, which the emulator's compiler
    // could not do for two processes at once.
    const whole = await train(0, { ...base, batch: 16, testBatch: 16, maxIter: 10 }, 'cuda', env);
    const split = await train(2, { ...base, batch: 8, maxIter: 10 }, 'cuda', env);
    assert.match(split.run.stdout, /gradients: MPI with host staging \(NCCL not used: 2 ranks on this machine share 1 GPU\)/);
    const js = await train(0, { ...base, batch: 16, testBatch: 16, maxIter: 10 }, 'js');
    assert.ok(distance(split.weights, whole.weights) < 1e-4, `relative distance to one emulated-GPU process ${distance(split.weights, whole.weights)}`);
    assert.ok(distance(split.weights, js.weights) < 1e-4, `relative distance to one js process ${distance(split.weights, js.weights)}`);
  });

  const fakeNccl = emuSkip ? { skip: emuSkip } : buildFakeNccl();
  it('2 ranks with a GPU each reduce through the NCCL path (a stand-in NCCL over shared memory, emulated GPUs)', { skip: fakeNccl.skip }, async () => {
    const env: Record<string, string> = {
      CORTADO_CUDA_LIB_DIR: emu.dir!, CORTADO_CUDNN: '0', CORTADO_CACHE_DIR: join(dir, 'cuda-cache'),
      CORTADO_EMU_DEVICES: '2', CORTADO_NCCL_LIB: fakeNccl.path!,
    };
    if (process.env.CORTADO_CUDA_ADDON) env.CORTADO_CUDA_ADDON = process.env.CORTADO_CUDA_ADDON;
    const whole = await train(0, { ...base, batch: 16, testBatch: 16, maxIter: 10 }, 'cuda', env);
    const split = await train(2, { ...base, batch: 8, maxIter: 10 }, 'cuda', env);
    assert.match(split.run.stdout, /gradients: NCCL 22399 across 2 GPUs/);
    assert.ok(distance(split.weights, whole.weights) < 1e-4, `relative distance to one emulated-GPU process ${distance(split.weights, whole.weights)}`);
  });
});
