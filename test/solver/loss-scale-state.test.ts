/**
 * Loss scaling's state and settings: dynamic scaling resumes bit for bit (getState/setState and
 * snapshot files, older snapshots without it included); the settings are checked, default by the
 * backend's precision, and are recorded by TrainingSummary and the run settings.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { Net } from '../../src/node/net.js';
import { readSnapshot, writeSnapshot } from '../../src/node/io/snapshot.js';
import { loadFrom, saveSnapshot } from '../../src/node/snapshot.js';
import { runSettings } from '../../src/node/run-settings.js';
import { TrainingSummary } from '../../src/solver/coffee/training-summary.js';
import { Solver, parseSolverConfig, type SolverConfig } from '../../src/solver/solver.js';
import { assertSame, convNet, snapshotOf, solverOf } from './loss-scale-runs.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-loss-scale-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('dynamic scaling resumes bit for bit, through getState/setState and through a snapshot file', async () => {
  const cfg: Partial<SolverConfig> = { baseLr: 5e-5, momentum: 0.9, lossScale: { init: 2 ** 121, growthInterval: 3 } };
  const make = () => solverOf(cfg, { gain: 1024 });
  const straight = make();
  const scales: number[] = [];
  for (let i = 0; i < 16; i++) {
    straight.step();
    scales.push(straight.lossScale);
  }
  const grows = scales.some((v, i) => i > 0 && v > scales[i - 1]!);
  assert.ok(straight.skippedSteps >= 2 && grows, `the run should both back off and grow: scales 2^${scales.map(Math.log2).join(', 2^')}`);

  const first = make();
  for (let i = 0; i < 8; i++) first.step();
  const state = first.getState();
  assert.ok(state.lossScale && (state.lossScale.goodSteps > 0 || state.lossScale.skippedSteps > 0), 'the state has something to restore');
  assert.equal(state.lossScale.scale, scales[7]);

  const resumed = make();
  for (const [i, p] of resumed.net.params.entries()) p.blob.write(first.net.params[i]!.blob.read());
  resumed.setState(state);
  assert.deepEqual([resumed.lossScale, resumed.skippedSteps], [first.lossScale, first.skippedSteps]);
  const dir = join(root, 'resume');
  await saveSnapshot(first, dir);
  const loaded = make();
  await loadFrom(loaded, dir, { log: () => {} });
  for (const s of [resumed, loaded]) {
    for (let i = 8; i < 16; i++) {
      s.step();
      assert.equal(s.lossScale, scales[i], `scale after iteration ${i + 1}`);
    }
    assertSame(snapshotOf(straight), snapshotOf(s), s === loaded ? 'from the snapshot' : 'from getState');
    assert.equal(s.skippedSteps, straight.skippedSteps);
  }
});

test('a snapshot without the loss scale (older) loads with the initial scale; a damaged one is a DataError naming the file', async () => {
  const s = solverOf({ lossScale: { init: 256, growthInterval: 2 } });
  for (let i = 0; i < 5; i++) s.step();
  assert.equal(s.lossScale, 1024);
  const good = await saveSnapshot(s, join(root, 'old'));
  const data = await readSnapshot(good);
  assert.deepEqual(data.meta.lossScale, { scale: 1024, goodSteps: 1, skippedSteps: 0 });
  delete data.meta.lossScale;
  const old = await writeSnapshot(join(root, 'old2'), data);
  const fresh = solverOf({ lossScale: { init: 256, growthInterval: 2 } });
  await loadFrom(fresh, old, { log: () => {} });
  assert.deepEqual([fresh.iter, fresh.lossScale, fresh.skippedSteps], [5, 256, 0]);
  for (const [i, bad] of [{ scale: 0, goodSteps: 0, skippedSteps: 0 }, { scale: 8, goodSteps: -1, skippedSteps: 0 }, 'x'].entries()) {
    data.meta.lossScale = bad;
    const file = await writeSnapshot(join(root, `bad${i}`), data);
    const other = solverOf({ lossScale: 'dynamic' });
    await assert.rejects(loadFrom(other, file, { log: () => {} }), (e: unknown) => e instanceof DataError && e.message.includes(file) && /"lossScale"/.test(e.message));
    assert.deepEqual([other.iter, other.lossScale], [0, 65536], 'the solver keeps its own state');
  }
});

test('lossScale settings are checked, each error naming the field', () => {
  const base = { baseLr: 0.1, maxIter: 10 };
  const bad: [unknown, RegExp][] = [
    [0, /field "lossScale".*found 0/],
    [-2, /field "lossScale".*found -2/],
    [NaN, /field "lossScale".*found NaN/],
    [Infinity, /field "lossScale".*found Infinity/],
    [2 ** 128, /field "lossScale".*\[2\^-126, 2\^127\]/],
    ['static', /field "lossScale".*'dynamic'.*found "static"/],
    [null, /field "lossScale".*found null/],
    [{ init: 1024, growthIntervl: 3 }, /field "lossScale": unknown field "growthIntervl" \(did you mean "growthInterval"\?\)/],
    [{ backoffFactor: 1 }, /field "lossScale": field "backoffFactor" must be below 1/],
    [{ backoffFactor: 0 }, /field "backoffFactor" must be > 0/],
    [{ growthFactor: 1 }, /field "growthFactor" must be > 1/],
    [{ growthFactor: 0.5 }, /field "growthFactor" must be > 1/],
    [{ growthInterval: 2.5 }, /field "growthInterval" must be an integer, found 2.5/],
    [{ growthInterval: 0 }, /field "growthInterval" must be >= 1/],
    [{ init: 0 }, /field "init" must be > 0/],
    [{ init: Infinity }, /field "init" must be a finite number/],
    [{ minScale: 2 ** -140 }, /field "minScale" must be in \[2\^-126, 2\^127\]/],
    [{ init: 2 ** -30 }, /field "init" must be at least minScale/],
  ];
  for (const [lossScale, message] of bad) {
    assert.throws(() => parseSolverConfig({ ...base, lossScale } as never), (e: unknown) => e instanceof ConfigError && message.test(e.message), `lossScale ${String(lossScale)}`);
  }
  // From a JSON file (Untyped), the same reader.
  assert.throws(() => parseSolverConfig(JSON.parse('{"baseLr":0.1,"maxIter":1,"lossScale":{"growthInterval":2.5}}')), /field "lossScale": field "growthInterval"/);
  assert.equal(parseSolverConfig(base).lossScale, null);
  assert.deepEqual(parseSolverConfig({ ...base, lossScale: 512 }).lossScale, { type: 'static', scale: 512 });
  const dynamic = { type: 'dynamic', init: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, minScale: 2 ** -24 };
  assert.deepEqual(parseSolverConfig({ ...base, lossScale: 'dynamic' }).lossScale, dynamic);
  assert.deepEqual(parseSolverConfig({ ...base, lossScale: { growthInterval: 5 } }).lossScale, { ...dynamic, growthInterval: 5 });
});

test('without the setting, a float16 backend scales dynamically and others do not', () => {
  class Half extends JsBackend {
    constructor(readonly precision: 'float16' | 'bfloat16') {
      super('float32');
    }
  }
  const make = (backend: JsBackend, lossScale?: SolverConfig['lossScale']) =>
    new Solver(new Net(convNet(), { backend }), { baseLr: 0.1, maxIter: 1, ...(lossScale !== undefined && { lossScale }) });
  assert.deepEqual([make(new Half('float16')).lossScaling.type, make(new Half('float16')).lossScale], ['dynamic', 65536]);
  assert.deepEqual(make(new Half('bfloat16')).lossScaling, { type: 'static', scale: 1 });
  assert.deepEqual(make(new JsBackend()).lossScaling, { type: 'static', scale: 1 });
  assert.deepEqual(make(new Half('float16'), 1).lossScaling, { type: 'static', scale: 1 }, 'the setting wins');
});

test('the dynamic scale is recorded by TrainingSummary and in the run settings only when set', async () => {
  const s = solverOf({ lossScale: { init: 64, growthInterval: 2 } });
  const lines: string[] = [];
  s.addCoffeeBreak(new TrainingSummary({ log: (l) => lines.push(l) }), { everyIter: 2 });
  await s.run(4);
  assert.deepEqual(s.lounge.get('lossScale'), [[2, 128], [4, 256]]);
  assert.match(lines.at(-1)!, /\| loss scale 2\^8, 0 skipped$/);
  const plain = solverOf({});
  assert.ok(!('lossScale' in runSettings(1, [], plain.settings).solver), 'an unset lossScale is not recorded (older snapshots lack it)');
  assert.deepEqual(runSettings(1, [], s.settings).solver.lossScale, s.settings.lossScale);
});
