/**
 * Dynamic loss scaling: iterations whose gradients overflow update nothing and halve the scale,
 * after the ranks' reduction; good steps match an unscaled run and grow the scale; a NaN in the
 * data or gradients that no scale makes finite stop with a NumericError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { NumericError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { GradientSync } from '../../src/solver/gradient-sync.js';
import { Solver, type SolverConfig } from '../../src/solver/solver.js';
import { N, assertSame, convNet, snapshotOf, solverOf } from './loss-scale-runs.js';

test('dynamic: overflowing iterations update nothing and halve the scale; then training matches an unscaled run from that point', () => {
  // Inputs ~1000 make the gradients overflow float32 at scales above 2^118 (five halvings from 2^123).
  const cfg: Partial<SolverConfig> = { baseLr: 5e-5, momentum: 0.9, weightDecay: 1e-3 };
  const s = solverOf({ ...cfg, lossScale: { init: 2 ** 123, growthInterval: 1000 } }, { gain: 1024 });
  let skipped = 0;
  for (;;) {
    const before = snapshotOf(s);
    const scale = s.lossScale;
    s.step();
    if (s.skippedSteps === skipped) break;
    skipped++;
    assert.equal(s.skippedSteps, skipped);
    assert.equal(s.iter, skipped, 'a skipped iteration still counts');
    assert.equal(s.lossScale, scale / 2);
    assertSame(before, snapshotOf(s), `skipped iteration ${skipped}: weights and history unchanged`);
  }
  assert.ok(skipped >= 2, `expected several skipped iterations, found ${skipped}`);
  assert.equal(s.lossScale, 2 ** (123 - skipped));
  // Replay the good step from the same point without scaling, then go on side by side.
  const ref = solverOf(cfg, { gain: 1024 });
  const fresh = solverOf({ ...cfg, lossScale: { init: 2 ** 123, growthInterval: 1000 } }, { gain: 1024 });
  for (let i = 0; i < skipped; i++) fresh.step();
  ref.setState(fresh.getState());
  assertSame(snapshotOf(fresh), snapshotOf(ref), 'the starting point');
  ref.step();
  assertSame(snapshotOf(s), snapshotOf(ref), 'the first good step');
  for (let i = 0; i < 8; i++) {
    s.step();
    ref.step();
    assert.equal(s.skippedSteps, skipped, 'no overflow at the backed-off scale');
    assertSame(snapshotOf(s), snapshotOf(ref), `good step ${i + 2}`);
  }
  assert.equal(s.iter, ref.iter);
});

test('dynamic with Adam: a skipped iteration does not advance Adam\'s step count (GradScaler skips the optimizer\'s step), so the updates match an unscaled run\'s, also after a resume', () => {
  const cfg: Partial<SolverConfig> = { method: 'Adam', baseLr: 1e-3, weightDecay: 1e-3 };
  const dynamic: Partial<SolverConfig> = { ...cfg, lossScale: { init: 2 ** 123, growthInterval: 1000 } };
  const s = solverOf(dynamic, { gain: 1024 });
  const ref = solverOf(cfg, { gain: 1024 });
  let skipped = 0;
  for (;;) {
    s.step();
    if (s.skippedSteps === skipped) break;
    skipped++;
    ref.net.forward(); // the batch the skipped iteration used, so both runs see the same data next
  }
  assert.ok(skipped >= 2, `expected several skipped iterations, found ${skipped}`);
  // Adam's first update moves each weight by about lr whatever the gradient's size (t = 1); with
  // t counted from the iterations, the skips would have shrunk it to about half.
  ref.step();
  assertSame(snapshotOf(s), snapshotOf(ref), 'the first applied update (t = 1)');
  for (let i = 0; i < 3; i++) {
    s.step();
    ref.step();
    assertSame(snapshotOf(s), snapshotOf(ref), `applied update ${i + 2}`);
  }
  assert.equal(s.iter, ref.iter + skipped, 'skipped iterations still count for the policies and snapshots');
  const resumed = solverOf(dynamic, { gain: 1024 });
  for (const [i, p] of resumed.net.params.entries()) p.blob.write(s.net.params[i]!.blob.read());
  resumed.setState(s.getState());
  for (let i = 0; i < 3; i++) {
    resumed.step();
    ref.step();
    assertSame(snapshotOf(resumed), snapshotOf(ref), `applied update ${i + 5}, after a resume`);
  }
});

test('dynamic: the scale grows after growthInterval good steps in a row, and stays exact', () => {
  const cfg: Partial<SolverConfig> = { method: 'Adam', baseLr: 0.01 };
  const s = solverOf({ ...cfg, lossScale: { init: 1024, growthInterval: 3, growthFactor: 4 } });
  const ref = solverOf(cfg);
  const scales: number[] = [];
  for (let i = 0; i < 7; i++) {
    s.step();
    ref.step();
    scales.push(s.lossScale);
    assertSame(snapshotOf(s), snapshotOf(ref), `step ${i + 1}`);
  }
  assert.deepEqual(scales, [1024, 1024, 4096, 4096, 4096, 16384, 16384]);
  assert.equal(s.skippedSteps, 0);
});

test('dynamic: the check comes after the gradient reduction (a rank\'s overflow skips every rank\'s update)', () => {
  const s = solverOf({ lossScale: 'dynamic' });
  let poison = false;
  const sync: GradientSync = {
    size: 1,
    reduce(params) {
      if (poison) s.net.backend.upload(params[1]!.blob.diff, [Infinity], 2);
    },
    sumScalars() {},
  };
  s.gradientSync = sync;
  s.step();
  poison = true;
  const before = snapshotOf(s);
  s.step();
  assertSame(before, snapshotOf(s), 'no update');
  assert.deepEqual([s.skippedSteps, s.lossScale, s.iter], [1, 32768, 2]);
});

test('a NaN in the data with dynamic scaling stops with the NaN guard\'s error, also with checkLossEvery 0', () => {
  for (const checkLossEvery of [1, 0]) {
    const defs = convNet();
    const data = (defs[0] as unknown as { data: { values: Float32Array }[] }).data[0]!.values;
    data.fill(NaN, 0, 36 * N);
    const net = new Net(defs, { backend: new JsBackend(), seed: 5 });
    const s = new Solver(net, { baseLr: 0.05, maxIter: 10, lossScale: 'dynamic', checkLossEvery });
    assert.throws(() => s.step(), (e: unknown) => e instanceof NumericError && /loss is NaN at iteration 1/.test(e.message) && /layer "d" \(MemoryData\)/.test(e.message));
    assert.equal(s.skippedSteps, 0);
  }
});

test('gradients that no scale makes finite stop at minScale with a NumericError, not an endless skip', () => {
  // Power 0.5 of an all-zero InnerProduct output: the loss is finite, the gradient of 0^0.5 is not.
  const defs: LayerConfig[] = [
    convNet()[0]!,
    { type: 'InnerProduct', name: 'ip0', bottoms: ['x'], tops: ['h'], numOutput: 4, weightInit: { type: 'Constant', value: 0 } },
    { type: 'Power', name: 'sqrt', bottoms: ['h'], tops: ['r'], power: 0.5 },
    { type: 'InnerProduct', name: 'ip', bottoms: ['r'], tops: ['s'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['s', 'label'], tops: ['loss'] },
  ];
  const s = new Solver(new Net(defs, { backend: new JsBackend(), seed: 1 }), { baseLr: 0.1, maxIter: 100, lossScale: { init: 8, minScale: 1 } });
  const before = snapshotOf(s);
  for (let i = 0; i < 3; i++) s.step();
  assert.deepEqual([s.skippedSteps, s.lossScale, s.iter], [3, 1, 3]);
  assert.throws(() => s.step(), (e: unknown) => e instanceof NumericError && /at iteration 4 at every loss scale down to 2\^0 \(minScale 2\^0/.test(e.message) && /no scale makes them finite/.test(e.message) && /"ip0"/.test(e.message));
  assertSame(before, snapshotOf(s), 'nothing was updated');
});
