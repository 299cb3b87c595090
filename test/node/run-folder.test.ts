/**
 * A run's output folder, in one process: the lock (a second train() on the folder, a stale lock, a
 * lock from another host), a fresh start moving the earlier run aside, a resume with other
 * settings, the final snapshot, --init-from an empty folder, and the signal handlers' life cycle.
 * The same across processes (and signals) is in stop.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { DataError } from '../../src/core/errors.js';
import { Solver } from '../../src/solver/solver.js';
import { snapshotName } from '../../src/node/io/snapshot.js';
import { LOCK_NAME, LockError, lockFolder } from '../../src/node/run-folder.js';
import { saveSnapshot } from '../../src/node/snapshot.js';
import { StopOnSignal } from '../../src/node/stop-on-signal.js';
import { train, type TrainOptions } from '../../src/node/train.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

function layers(numOutput = 3): LayerConfig[] {
  const n = 40;
  const x = new Float32Array(n * 4).map((_, i) => Math.sin(i * 0.61));
  const y = new Float32Array(n).map((_, i) => i % 3);
  return [
    { type: 'MemoryData', name: 'train', tops: ['x', 'label'], batchSize: 8, shuffle: true, data: [{ values: x, shape: [n, 4] }, { values: y, shape: [n] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['score'], numOutput },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
}

/** train() on `dir` with quiet logs; warnings collected into `warnings` when given. */
function run(dir: string, over: Partial<TrainOptions> & { maxIter?: number } = {}, warnings: string[] = []) {
  const { maxIter = 20, ...rest } = over;
  return train({
    backend: new JsBackend(), layers: layers(), solver: { baseLr: 0.1, maxIter }, seed: 3,
    coffeeBreaks: { summaryEvery: 0, validateEvery: 0, snapshotEvery: 10 }, outputDir: dir,
    log: () => {}, warn: (l) => warnings.push(l), ...rest,
  });
}

/** A pid that no process has: a child's, after it exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a second train() on a folder in use is refused, naming the lock file and the pid; the lock goes when the run ends', async () => {
  const dir = join(root, 'busy');
  const first = run(dir, { maxIter: 200 });
  await assert.rejects(run(dir), (e: unknown) => {
    assert.ok(e instanceof LockError, String(e));
    assert.match(e.message, new RegExp(`in use by this process: pid ${process.pid} on host `));
    assert.ok(e.message.includes(join(dir, LOCK_NAME)), e.message);
    return true;
  });
  assert.equal((await first).solver.iter, 200);
  assert.ok(!existsSync(join(dir, LOCK_NAME)), 'released at the end');
  await assert.rejects(run(dir, { maxIter: 300, solver: { baseLr: -1, maxIter: 300 } }));
  assert.ok(!existsSync(join(dir, LOCK_NAME)), 'released after a failure too');
});

test('a stale lock (its pid gone) is taken over with a warning; a lock from another host is refused', async () => {
  const dir = join(root, 'stale');
  mkdirSync(dir, { recursive: true });
  const pid = deadPid();
  writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid, host: hostname(), started: '2020-01-01T00:00:00.000Z', command: 'cortado train old.json', token: 'x' }));
  const warnings: string[] = [];
  const r = await run(dir, {}, warnings);
  assert.equal(r.solver.iter, 20);
  assert.ok(warnings.some((w) => w.includes('stale lock') && w.includes(`pid ${pid}`) && w.includes(join(dir, LOCK_NAME))), warnings.join(' / '));
  assert.ok(!existsSync(join(dir, LOCK_NAME)));

  writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid, host: 'elsewhere.example', started: '2020-01-01T00:00:00.000Z', command: '', token: 'y' }));
  assert.throws(() => lockFolder(dir), (e: unknown) => e instanceof LockError && /pid \d+ on host elsewhere\.example/.test(e.message) && /delete the lock file/.test(e.message));
  writeFileSync(join(dir, LOCK_NAME), '');
  assert.throws(() => lockFolder(dir), (e: unknown) => e instanceof LockError && /unreadable/.test(e.message));
  assert.equal(readFileSync(join(dir, LOCK_NAME), 'utf8'), '', 'a lock it cannot read is left alone');
});

test('a fresh start moves the earlier run to previous-<time>/ without losing a file', async () => {
  const dir = join(root, 'fresh');
  await run(dir, { maxIter: 25 });
  const before = readdirSync(join(dir, 'snapshots')).map((f) => [f, readFileSync(join(dir, 'snapshots', f))] as const);
  const stats = readFileSync(join(dir, 'statistics.json'));
  assert.deepEqual(before.map(([f]) => f), [snapshotName(10), snapshotName(20), snapshotName(25)]);
  const fresh = await run(dir, { maxIter: 10, resume: false });
  assert.equal(fresh.resumedFrom, null);
  assert.ok(fresh.movedAside && /previous-[\dT-]+Z$/.test(fresh.movedAside), String(fresh.movedAside));
  for (const [f, bytes] of before) assert.deepEqual(readFileSync(join(fresh.movedAside, 'snapshots', f)), bytes, `${f} kept`);
  assert.deepEqual(readFileSync(join(fresh.movedAside, 'statistics.json')), stats);
  assert.deepEqual(readdirSync(join(dir, 'snapshots')), [snapshotName(10)], 'the new run has its own folder');
  const again = await run(dir, { maxIter: 10, resume: false });
  assert.notEqual(again.movedAside, fresh.movedAside);
});

test('resuming with another seed, solver or layer warns naming each; the same settings (a longer maxIter) do not', async () => {
  const dir = join(root, 'settings');
  await run(dir, { maxIter: 10 });
  const same: string[] = [];
  await run(dir, { maxIter: 15 }, same);
  assert.deepEqual(same.filter((w) => w.includes('other settings')), []);
  const warnings: string[] = [];
  const r = await run(dir, { maxIter: 30, seed: 4, solver: { baseLr: 0.2, maxIter: 30 } }, warnings);
  assert.ok(r.resumedFrom?.endsWith(snapshotName(15)));
  const w = warnings.find((l) => l.includes('other settings')) ?? '';
  assert.match(w, /seed 3 in the snapshot, 4 now/);
  assert.match(w, /solver "baseLr" 0\.1 in the snapshot, 0\.2 now/);
  const changed: string[] = [];
  await run(dir, { maxIter: 40, seed: 4, solver: { baseLr: 0.2, maxIter: 40 }, layers: [...layers().slice(0, 2), { ...layers()[2]!, lossWeight: 2 }] }, changed);
  assert.match(changed.join('\n'), /layer "loss" changed/);
});

test('a snapshot without the run settings (an older Cortado) resumes without a comparison', async () => {
  const dir = join(root, 'old');
  const solver = new Solver(new Net(layers(), { backend: new JsBackend(), seed: 3 }), { baseLr: 0.1, maxIter: 10 });
  await solver.solve();
  await saveSnapshot(solver, join(dir, 'snapshots'));
  const warnings: string[] = [];
  const r = await run(dir, { seed: 99 }, warnings);
  assert.equal(r.iterationsRun, 10);
  assert.deepEqual(warnings, []);
});

test('a run writes a final snapshot at its last iteration unless one is there already', async () => {
  const dir = join(root, 'final');
  const r = await run(dir, { maxIter: 23 });
  assert.equal(r.finalSnapshot, join(dir, 'snapshots', snapshotName(23)));
  assert.deepEqual(readdirSync(join(dir, 'snapshots')), [snapshotName(10), snapshotName(20), snapshotName(23)]);
  const even = await run(join(root, 'final-even'), { maxIter: 20 });
  assert.equal(even.finalSnapshot, null);
  const off = await run(join(root, 'final-off'), { maxIter: 7, coffeeBreaks: { summaryEvery: 0, validateEvery: 0, snapshotEvery: 0 } });
  assert.equal(off.finalSnapshot, join(root, 'final-off', 'snapshots', snapshotName(7)));
  const nothing = await run(dir, { maxIter: 23 });
  assert.equal(nothing.iterationsRun, 0);
  assert.equal(nothing.finalSnapshot, null);
});

test('initFrom a folder without a snapshot is an error naming the folder', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await assert.rejects(run(join(root, 'init'), { initFrom: empty }), (e: unknown) => e instanceof DataError && e.message.includes(`"${empty}" holds no snapshot`));
});

test('StopOnSignal: the first signal asks the solver to stop and removes the handlers, so a second one acts at once', async () => {
  // SIGUSR2 rather than SIGTERM: process.emit reaches every listener, and the test runner may have its own.
  const before = process.listenerCount('SIGUSR2');
  const lines: string[] = [];
  const stop = new StopOnSignal((l) => lines.push(l), ['SIGUSR2']);
  assert.equal(process.listenerCount('SIGUSR2'), before + 1);
  const solver = new Solver(new Net(layers(), { backend: new JsBackend(), seed: 3 }), { baseLr: 0.1, maxIter: 50 });
  solver.addCoffeeBreak(stop, { everyIter: 1 });
  solver.addCoffeeBreak({ enjoy: (s) => void (s.iter === 12 && process.emit('SIGUSR2', 'SIGUSR2')) }, { everyIter: 1 });
  await solver.solve();
  assert.equal(solver.iter, 12);
  assert.equal(stop.received, 'SIGUSR2');
  assert.equal(process.listenerCount('SIGUSR2'), before, 'handlers removed: a second signal has its default effect');
  assert.match(lines.join('\n'), /SIGUSR2 received: stopping at iteration 12/);
});
