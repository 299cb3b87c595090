/**
 * Running Cortado under Open MPI's mpirun in tests: whether it can run here (a visible skip reason
 * when not), the environment that makes it work as root and in containers, and a runner with a
 * time limit. Also the small classification task the distributed tests train on, written as HDF5
 * files and a definition file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hdf5 } from '../../../src/node/io/hdf5.js';
import { packageRoot } from '../../../src/node/backend/cuda/addon.js';

export const CLI = fileURLToPath(new URL('../../../src/node/cli/main.js', import.meta.url));

/**
 * Open MPI settings for tests: run as root (CI containers), shared-memory transport without the
 * single-copy (CMA) mechanism that containers often forbid, and no attempt at high-speed networks.
 */
export const MPI_ENV: Record<string, string> = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_btl: 'self,vader,tcp',
  OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
  OMPI_MCA_hwloc_base_binding_policy: 'none',
};

/** Why mpirun tests cannot run here, or undefined when they can. */
export function mpiSkip(): string | undefined {
  const r = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (r.error) return 'mpirun not found (install Open MPI: apt-get install openmpi-bin libopenmpi-dev)';
  if (!/Open MPI|OpenRTE/i.test(`${r.stdout}${r.stderr}`)) return `these tests drive Open MPI's mpirun; found another: ${r.stdout.split('\n')[0]}`;
  const addon = process.env.CORTADO_MPI_ADDON ?? join(packageRoot(), 'build', 'Release', 'cortado_mpi.node');
  if (!existsSync(addon)) return `the MPI addon ${addon} is not built (node scripts/install-native.mjs)`;
  return undefined;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `mpirun -np <np> node <args>` (np 0: plain `node <args>`, no MPI) with MPI_ENV and `env`;
 * killed after `limitMs`. `onStdout` sees the output as it comes (to time a kill).
 */
export function run(np: number, args: string[], env: Record<string, string> = {}, limitMs = 240_000, onStdout?: (all: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = np > 0 ? ['mpirun', ['-np', String(np), process.execPath, ...args]] : [process.execPath, args];
    const child = spawn(cmd, argv, { env: { ...process.env, ...MPI_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const start = performance.now();
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - start });
    });
  });
}

/** The i-th sample of a 4-class task: 16 features, the class's four raised, plus a fixed noise. */
function sample(i: number, salt: number): { x: number[]; y: number } {
  const c = (i * 7 + salt) % 4;
  const x = Array.from({ length: 16 }, (_, j) => Math.fround((j % 4 === c ? 1 : 0) + 0.6 * Math.sin(i * 12.9898 + j * 78.233 + salt)));
  return { x, y: c };
}

async function writeSet(path: string, n: number, salt: number): Promise<void> {
  const h5 = await hdf5();
  const s = Array.from({ length: n }, (_, i) => sample(i, salt));
  const f = new h5.File(path, 'w');
  f.create_dataset({ name: 'data', data: new Float32Array(s.flatMap((v) => v.x)), shape: [n, 16], dtype: '<f' });
  f.create_dataset({ name: 'label', data: new Float32Array(s.map((v) => v.y)), shape: [n], dtype: '<f' });
  f.close();
}

/** Writes train.h5 (two files: 60 and 36 samples), test.h5 (32) and their lists into `dir`. */
export async function writeTask(dir: string): Promise<void> {
  await writeSet(join(dir, 'train-a.h5'), 60, 0);
  await writeSet(join(dir, 'train-b.h5'), 36, 5);
  await writeSet(join(dir, 'test.h5'), 32, 11);
  writeFileSync(join(dir, 'train.txt'), 'train-a.h5\ntrain-b.h5\n');
  writeFileSync(join(dir, 'test.txt'), 'test.h5\n');
}

export interface TaskOptions {
  batch: number;
  testBatch: number;
  maxIter: number;
  dataType?: 'HDF5Data' | 'AsyncHDF5Data';
  snapshotEvery?: number;
  validateEvery?: number;
  method?: 'SGD' | 'Adam';
}

/** Writes `<name>.json` into `dir` (next to the data) and returns its path. */
export function writeDefinition(dir: string, name: string, o: TaskOptions): string {
  const type = o.dataType ?? 'HDF5Data';
  const solver = o.method === 'Adam'
    ? { method: 'Adam', baseLr: 0.01, maxIter: o.maxIter }
    : { baseLr: 0.05, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-3, power: 0.75 }, maxIter: o.maxIter };
  const def = {
    seed: 3,
    solver,
    coffeeBreaks: { summaryEvery: 5, validateEvery: o.validateEvery ?? 10, snapshotEvery: o.snapshotEvery ?? 0 },
    layers: [
      { type, name: 'train-data', tops: ['data', 'label'], source: 'train.txt', batchSize: o.batch, shuffle: true, chunkSize: 20, include: { phase: 'train' } },
      { type: 'HDF5Data', name: 'test-data', tops: ['data', 'label'], source: 'test.txt', batchSize: o.testBatch, include: { phase: 'test' } },
      { type: 'InnerProduct', name: 'ip1', bottoms: ['data'], tops: ['h1'], numOutput: 24, neuron: 'ReLU' },
      { type: 'InnerProduct', name: 'ip2', bottoms: ['h1'], tops: ['h2'], numOutput: 16, neuron: 'ReLU' },
      { type: 'InnerProduct', name: 'ip3', bottoms: ['h2'], tops: ['score'], numOutput: 4 },
      { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
      { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
    ],
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(def, null, 1));
  return path;
}
