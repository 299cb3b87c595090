/**
 * The MPI binding: every collective under `mpirun -np 3` (values, scaling, float64, several
 * reductions in flight, broadcast of bytes and fixed arrays, barrier, local ranks), one process
 * without mpirun (a singleton of size 1), and the error that names a missing MPI library.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMpiAddon } from '../../../src/node/distributed/mpi-addon.js';
import { CLI, MPI_ENV, mpiSkip, run, writeDefinition, writeTask } from './mpirun.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/collectives.js', import.meta.url));
const skip = mpiSkip();

interface Report {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  description: string;
  f32: number[];
  f64: number[];
  many: number[][];
  bytes: string;
  fixed: number[];
}

function reports(stdout: string): Report[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Report).sort((a, b) => a.rank - b.rank);
}

describe('cortado_mpi', { skip }, () => {
  it('runs every collective on 3 ranks', async () => {
    const r = await run(3, [SCRIPT]);
    assert.equal(r.code, 0, r.stderr);
    const all = reports(r.stdout);
    assert.deepEqual(all.map((x) => x.rank), [0, 1, 2]);
    for (const x of all) {
      assert.equal(x.size, 3);
      assert.equal(x.localSize, 3);
      assert.equal(x.localRank, x.rank);
      assert.match(x.description, /^Open MPI v\d.*rank \d of 3/);
      // (1 + 2 + 3) i / 3
      assert.deepEqual(x.f32, [0, 2, 1998]);
      // float64 keeps what float32 would lose: 6 × 2^-40 + 3i
      assert.deepEqual(x.f64, [0, 1, 2, 3, 4].map((i) => 6 * 2 ** -40 + 3 * i));
      assert.deepEqual(x.many, [0, 1, 2, 3].map((k) => [2 * (3 + 3 * k), 2 * (3 + 3 * k), 100_000 + k]));
      assert.equal(x.bytes, 'from rank 1 of 3');
      assert.deepEqual(x.fixed, [0, 0, 0]);
    }
  });

  it('runs alone without mpirun, as one rank', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, ...MPI_ENV }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const [x] = reports(r.stdout);
    assert.equal(x!.size, 1);
    assert.deepEqual(x!.f32, [0, 1, 999]);
    assert.equal(x!.bytes, 'from rank 0 of 1');
  });

  it('names the libraries it tried when none is usable', () => {
    const { addon } = loadMpiAddon();
    const r = addon!.init(['/nonexistent/libmpi.so.40', 'libc.so.6']);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.code === 'nolib');
    assert.match(!r.ok ? r.message : '', /no usable MPI library \(\/nonexistent\/libmpi\.so\.40: .*; libc\.so\.6: libc\.so\.6 lacks MPI_Init_thread\)/);
  });

  it('refuses collectives before init, naming the call', () => {
    const { addon } = loadMpiAddon();
    assert.throws(() => addon!.allreduce(new Float32Array(2), 1, 1000), (e: Error & { code?: string }) => e.code === 'state' && /cortado_mpi\.allreduce: init\(\) has not succeeded/.test(e.message));
    assert.throws(() => addon!.ncclAllreduce([1], [1]), /ncclInit\(\) has not succeeded/);
  });
});

describe('cortado train --distributed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cortado-dp-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses --bucket-mib without --distributed', () => {
    const def = writeDefinition(dir, 'flags', { batch: 8, testBatch: 8, maxIter: 2 });
    const r = spawnSync(process.execPath, [CLI, 'train', def, '--bucket-mib', '2'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--bucket-mib sets the gradient buckets of a distributed run: add --distributed/);
  });

  it('without mpirun, warns and trains as a single rank', { skip }, async () => {
    await writeTask(dir);
    const def = writeDefinition(dir, 'alone', { batch: 8, testBatch: 8, maxIter: 4, validateEvery: 2 });
    const r = spawnSync(process.execPath, [CLI, 'train', def, '--distributed', '--backend', 'js', '--output', join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, ...MPI_ENV }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--distributed, but this process was not started by mpirun.*trains as a single rank/);
    assert.match(r.stdout, /distributed: 1 rank, batch 8 each \(8 in all\)/);
    assert.match(r.stdout, /^done: 4 iterations/m);
  });
});
