/**
 * `cortado train` processes sharing a folder and stopped by signals:
 * - a second run on a folder in use fails at once naming the lock file and the first run's pid;
 *   SIGTERM then stops the first one with a snapshot and status 143;
 * - SIGINT stops a run after the iteration under way with a snapshot, the command that resumes
 *   and status 130; that command finishes the run with exactly the weights and solver state of an
 *   uninterrupted one.
 * The children are signalled once their first progress line is out, so start-up is not what is
 * interrupted; a run that finishes before its signal arrives fails the test with a message saying so.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSnapshot, snapshotName, type ArrayEntry } from '../../src/node/io/snapshot.js';

const cli = resolve(fileURLToPath(import.meta.url), '../../../src/node/cli/main.js');
const env = { ...process.env, CORTADO_NO_CUDA: '1' };
const root = mkdtempSync(join(tmpdir(), 'cortado-stop-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 30,000 iterations of a tiny net (a few seconds): long enough for a signal to land mid-run. */
const MAX_ITER = 30000;
const definition = join(root, 'net.json');
const n = 24;
writeFileSync(definition, JSON.stringify({
  seed: 11,
  solver: { baseLr: 0.05, momentum: 0.9, lrPolicy: { type: 'inv', gamma: 1e-3, power: 0.75 }, maxIter: MAX_ITER },
  coffeeBreaks: { summaryEvery: 100, validateEvery: 0, snapshotEvery: 10000 },
  layers: [
    { type: 'MemoryData', name: 'train', tops: ['data', 'label'], batchSize: 5, shuffle: true,
      data: [{ values: Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.7)), shape: [n, 3] }, { values: Array.from({ length: n }, (_, i) => i % 2), shape: [n] }] },
    { type: 'InnerProduct', name: 'ip1', bottoms: ['data'], tops: ['h'], numOutput: 6, neuron: 'ReLU' },
    { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 2 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ],
}));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cortado train` with `args`; once its first progress line is out, calls `whenTraining`
 * with the child (to signal it, or to start another run beside it).
 */
function cortadoTrain(args: string[], whenTraining?: (child: ReturnType<typeof spawn>) => void): Promise<Exit> {
  const child = spawn(process.execPath, [cli, 'train', ...args], { env });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (!started && /iter +\d+ \| loss/.test(stdout)) {
      started = true;
      whenTraining?.(child);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function sameEntries(a: Map<string, ArrayEntry>, b: Map<string, ArrayEntry>, what: string): void {
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, v] of a) {
    const w = b.get(k)!;
    assert.deepEqual(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength), Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength), `${what} ${k} differs`);
  }
}

test('a second cortado train on a folder in use fails naming the lock and the pid; SIGTERM stops the first with status 143', async () => {
  const out = join(root, 'shared');
  let second: ReturnType<typeof spawnSync> | undefined;
  let pid = 0;
  const first = await cortadoTrain([definition, '--backend', 'js', '--output', out, '--max-iter', '100000000'], (child) => {
    pid = child.pid!;
    second = spawnSync(process.execPath, [cli, 'train', definition, '--backend', 'js', '--output', out, '--seed', '5'], { env, encoding: 'utf8' });
    child.kill('SIGTERM');
  });
  assert.ok(second, `the first run never started training: ${first.stderr}`);
  assert.equal(second.status, 1, String(second.stderr));
  assert.match(String(second.stderr), /LockError: output folder .* is in use by another run: pid (\d+) on host/);
  assert.ok(String(second.stderr).includes(`pid ${pid} `) && String(second.stderr).includes(join(out, 'cortado.lock')), String(second.stderr));
  assert.equal(first.code, 143, first.stderr);
  const k = Number(/stopped by SIGTERM at iteration (\d+)/.exec(first.stderr)?.[1]);
  assert.ok(existsSync(join(out, 'snapshots', snapshotName(k))), `a snapshot at iteration ${k}: ${first.stderr}`);
  assert.ok(!existsSync(join(out, 'cortado.lock')), 'the lock is released');
});

test('SIGINT during cortado train: a snapshot, the resume command, status 130; resuming gives the uninterrupted weights', async () => {
  const out = join(root, 'interrupted');
  const args = [definition, '--backend', 'js', '--output', out];
  const stopped = await cortadoTrain([...args, '--fresh'], (child) => child.kill('SIGINT'));
  assert.notEqual(stopped.code, 0, `the run finished before SIGINT reached it (too fast a machine for ${MAX_ITER} iterations?)`);
  assert.equal(stopped.code, 130, stopped.stderr);
  const k = Number(/stopped by SIGINT at iteration (\d+) of 30000; its newest snapshot is (\S+)/.exec(stopped.stderr)?.[1]);
  assert.ok(k > 0 && k < MAX_ITER, stopped.stderr);
  assert.ok(existsSync(join(out, 'snapshots', snapshotName(k))), `snapshot at iteration ${k}`);
  assert.ok(stopped.stderr.includes(`to resume, run cortado train ${args.join(' ')}\n`), stopped.stderr);
  assert.ok(!existsSync(join(out, 'cortado.lock')), 'the lock is released');

  const resumed = await cortadoTrain(args);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resuming from .*${snapshotName(k)} at iteration ${k}`));
  assert.match(resumed.stdout, /done: 30000 iterations/);
  assert.doesNotMatch(resumed.stderr, /other settings/);

  const straightOut = join(root, 'straight');
  const straight = await cortadoTrain([definition, '--backend', 'js', '--output', straightOut]);
  assert.equal(straight.code, 0, straight.stderr);
  const a = await readSnapshot(join(straightOut, 'snapshots', snapshotName(MAX_ITER)));
  const b = await readSnapshot(join(out, 'snapshots', snapshotName(MAX_ITER)));
  sameEntries(a.params, b.params, 'weight');
  sameEntries(a.solverState, b.solverState, 'solver state');
});
