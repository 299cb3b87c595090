import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import { startNodeTrainer } from '../../src/node/trainer-worker.js';
import type { TrainStats } from '../../src/worker/protocol.js';
import { smallMlp } from '../harness/small-mlp.js';

const defs = (): LayerConfig[] => smallMlp({ testData: true });
const solver = { baseLr: 0.1, momentum: 0.9, maxIter: 300 };

test('startNodeTrainer trains on a worker thread, streams stats, and returns the weights a main-thread run computes', async () => {
  const seen: TrainStats[] = [];
  const trainer = startNodeTrainer({ layers: defs(), solver, seed: 9, statsEvery: 20, validateEvery: 100 }).onStats((s) => seen.push(s));
  const result = await trainer.done;
  assert.equal(result.iter, 300);
  assert.equal(result.stopped, false);
  assert.deepEqual(seen.map((s) => s.iter), Array.from({ length: 15 }, (_, i) => 20 * (i + 1)));
  assert.ok(seen.every((s) => Number.isFinite(s.loss) && s.lr === 0.1 && s.imagesPerSecond > 0 && s.maxIter === 300));
  assert.ok(seen[14].loss < seen[0].loss, `loss ${seen[0].loss} -> ${seen[14].loss}`);
  assert.deepEqual(seen.filter((s) => s.validation).map((s) => s.iter), [100, 200, 300]);
  assert.ok(result.validation && result.validation.accuracy >= 0, JSON.stringify(result.validation));
  assert.deepEqual(trainer.layers?.map((l) => l.name), ['d', 'ip1', 'ip2', 'loss']);

  const net = new Net(defs(), { backend: new JsBackend('float32'), phase: 'train', rng: new Random(9), name: 'train' });
  await new Solver(net, solver).solve();
  assert.deepEqual([...result.weights.keys()], net.params.map((p) => p.key));
  for (const p of net.params) assert.deepEqual(result.weights.get(p.key)!.values, p.blob.read(), `parameter ${p.key} equals the main-thread run's`);
});

test('stop() ends a worker run after the iteration under way, with its weights', async () => {
  const trainer = startNodeTrainer({ layers: defs(), solver: { ...solver, maxIter: 10_000_000 }, statsEvery: 50 });
  trainer.onStats(() => trainer.stop());
  const result = await trainer.done;
  assert.equal(result.stopped, true);
  assert.ok(result.iter >= 50 && result.iter < 10_000_000, `stopped at ${result.iter}`);
  assert.equal(result.weights.get('ip1___weight')?.values.length, 64);
});

test('a bad job rejects done with the error, naming the field', async () => {
  const trainer = startNodeTrainer({ layers: defs(), solver: { baseLr: -1, maxIter: 3 } });
  await assert.rejects(trainer.done, /ConfigError: solver: field "baseLr" must be > 0/);
});

test('serveTrainer takes a backend factory that connects first (a promise), and refuses a second start meanwhile', async () => {
  const { serveTrainer } = await import('../../src/worker/trainer.js');
  const { webWorkerEndpoint } = await import('../../src/worker/trainer-worker.js');
  const { port1, port2 } = new MessageChannel();
  const asked: string[] = [];
  serveTrainer(webWorkerEndpoint(port2 as never), async (name) => {
    asked.push(name);
    await new Promise((r) => setTimeout(r, 50));
    return new JsBackend('float32');
  });
  port2.start();
  const job = { layers: defs(), solver: { ...solver, maxIter: 30 }, seed: 9, statsEvery: 10, backend: 'slow-to-connect' };
  const seen: { type: string; iter?: number; message?: string }[] = [];
  const done = new Promise<void>((resolve) => port1.on('message', (m: { type: string; iter?: number; message?: string }) => {
    seen.push(m);
    if (m.type === 'done') resolve();
  }));
  // The second start comes while the first job's backend is still connecting.
  port1.postMessage({ type: 'start', job });
  port1.postMessage({ type: 'start', job });
  await done;
  port1.close();
  port2.close();
  assert.deepEqual(asked, ['slow-to-connect']);
  const errors = seen.filter((m) => m.type === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0].message!, /a run is already under way/);
  assert.equal(seen.find((m) => m.type === 'done')!.iter, 30);
});
