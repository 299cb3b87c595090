import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver, parseSolverConfig } from '../../src/solver/solver.js';
import { YieldBudget, yieldToEventLoop } from '../../src/solver/yield.js';
import type { YieldEvery } from '../../src/solver/yield.js';
import { smallMlp } from '../harness/small-mlp.js';

const defs = (): LayerConfig[] => smallMlp({ dropout: 0.2 });

/** Trains `iterations` with `yieldEvery` while a 0 ms interval timer counts its callbacks; each iteration also busy-waits `spinMs`. */
async function trainCounting(yieldEvery: YieldEvery, iterations: number, spinMs = 0) {
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 5 });
  const solver = new Solver(net, { baseLr: 0.1, momentum: 0.9, maxIter: iterations, yieldEvery });
  let fired = 0;
  const seen: number[] = [];
  solver.addCoffeeBreak({
    enjoy: () => {
      const until = performance.now() + spinMs;
      while (performance.now() < until);
      seen.push(fired);
    },
  }, { everyIter: 1 });
  const timer = setInterval(() => fired++, 0);
  try {
    await solver.solve();
  } finally {
    clearInterval(timer);
  }
  return { seen, weights: net.params.map((p) => Array.from(p.blob.read())), iter: solver.iter };
}

test('a timer scheduled before solve() fires while training runs, yielding every 10 iterations', async () => {
  const { seen, iter } = await trainCounting({ iterations: 10 }, 200);
  assert.equal(iter, 200);
  // The timer fires at the yields (after iterations 10, 20, ...): seen by the coffee breaks that follow.
  assert.equal(seen[9], 0, 'no callback before the first yield');
  assert.ok(seen[199] >= 10, `timer callbacks seen during 200 iterations: ${seen[199]} (expected one per yield, 19 or so)`);
});

test('by default the solver yields every ~16 ms of work', async () => {
  // 60 iterations of >= 2 ms each: >= 120 ms of work, so >= 6 yields.
  const { seen } = await trainCounting(undefined as unknown as YieldEvery, 60, 2);
  assert.ok(seen[59] >= 4, `timer callbacks during ~120 ms of training: ${seen[59]}`);
  assert.ok(seen[59] <= 30, `the default yields by time, not every iteration: ${seen[59]} callbacks`);
});

test('yieldEvery false never yields: the timer waits until solve() ends', async () => {
  const { seen } = await trainCounting(false, 50, 0.2);
  assert.equal(seen[49], 0);
});

test('yielding changes nothing computed: the same weights with and without yields', async () => {
  const a = await trainCounting(false, 60);
  const b = await trainCounting({ iterations: 1 }, 60);
  const c = await trainCounting({ ms: 0 }, 60);
  assert.deepEqual(b.weights, a.weights);
  assert.deepEqual(c.weights, a.weights);
});

test('requestStop() from a timer stops a run at its next yield', async () => {
  const net = new Net(defs(), { backend: new JsBackend('float32'), seed: 5 });
  const solver = new Solver(net, { baseLr: 0.1, maxIter: 100000, yieldEvery: { iterations: 5 } });
  setTimeout(() => solver.requestStop(), 0);
  await solver.solve();
  assert.ok(solver.iter > 0 && solver.iter < 100000 && solver.iter % 5 === 0, `stopped at iteration ${solver.iter}`);
});

test('yieldEvery is checked, naming the field and the forms it takes', () => {
  assert.deepEqual(parseSolverConfig({ baseLr: 1, maxIter: 1 }).yieldEvery, { ms: 16 });
  assert.deepEqual(parseSolverConfig({ baseLr: 1, maxIter: 1, yieldEvery: { iterations: 3 } }).yieldEvery, { iterations: 3 });
  for (const bad of [{ iterations: 0 }, { ms: -1 }, { ms: 1, iterations: 1 }, true, 16]) {
    assert.throws(() => parseSolverConfig({ baseLr: 1, maxIter: 1, yieldEvery: bad } as never), /solver, field "yieldEvery": expected \{ ms: N \}/);
  }
});

test('yieldToEventLoop lets a timer run; YieldBudget counts by iterations', async () => {
  let ran = false;
  setTimeout(() => (ran = true), 0);
  // Node's setTimeout(0) waits 1 ms, so a few quick turns can all come before it is due: yield
  // for up to a second. A yield that never reached the timers phase (a microtask) would spin here.
  const start = Date.now();
  let turns = 0;
  while (!ran && Date.now() - start < 1000) {
    await yieldToEventLoop();
    turns++;
  }
  assert.ok(ran, `the timer did not run in ${turns} yields`);
  const b = new YieldBudget({ iterations: 3 });
  for (let i = 0; i < 7; i++) await b.tick();
  assert.equal(b.yields, 2);
});
