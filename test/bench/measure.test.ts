/** The measuring protocol: medians, how many steps and repetitions run, the time budget. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure, median, protocol, randomBatch } from '../../bench/measure.js';

test('median of odd and even counts, input left unsorted', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('a fast step runs the warm-up, then the planned repetitions of equal size', async () => {
  let calls = 0;
  const p = { warmup: 4, warmupMs: 10_000, reps: 5, minReps: 2, repMs: 2, budgetMs: 10_000 };
  const r = await measure(() => void calls++, 64, p);
  assert.equal(r.reps, 5);
  assert.equal(r.all.length, 5);
  assert.ok(r.steps >= 1);
  assert.equal(calls, 4 + 5 * r.steps);
  assert.equal(r.perSecond, median(r.all));
  assert.ok(r.all.every((x) => x > 0 && Number.isFinite(x)));
});

test('a step slower than the warm-up and budget allow gets two warm-up steps and minReps repetitions', async () => {
  let calls = 0;
  const slow = () => {
    calls++;
    const end = performance.now() + 15;
    while (performance.now() < end);
  };
  const r = await measure(slow, 1, { warmup: 10, warmupMs: 1, reps: 7, minReps: 2, repMs: 1, budgetMs: 1 });
  assert.equal(r.steps, 1);
  assert.equal(r.reps, 2);
  assert.equal(calls, 2 + 2);
  assert.ok(r.perSecond < 1000 / 15 + 1e-9);
});

test('a slow first step (autotuning, compiling) neither ends the warm-up nor sizes the repetitions', async () => {
  let calls = 0;
  const step = () => {
    const end = performance.now() + (calls++ === 0 ? 60 : 1);
    while (performance.now() < end);
  };
  // The first step alone outlasts warmupMs; the old rule stopped there and sized a repetition
  // from it (one step). The steps after it take 1 ms: a repetition of about 20 ms holds many.
  const r = await measure(step, 1, { warmup: 3, warmupMs: 30, reps: 3, minReps: 1, repMs: 20, budgetMs: 10_000 });
  assert.ok(r.steps >= 10, `a repetition of ${r.steps} steps: sized from the first step`);
  assert.equal(r.reps, 3);
  assert.equal(calls, 3 + 3 * r.steps, 'three warm-up steps');
  assert.ok(r.perSecond > 400, `${r.perSecond} steps/s: the 60 ms step was timed`);
});

test('a one-step warm-up (the smoke protocol) sizes from that step', async () => {
  let calls = 0;
  const r = await measure(() => void calls++, 1, { warmup: 1, warmupMs: 0, reps: 1, minReps: 1, repMs: 0, budgetMs: 0 });
  assert.equal(r.steps, 1);
  assert.equal(r.reps, 1);
  assert.equal(calls, 2);
});

test('sync runs after each warm-up step and once at the end of each repetition, inside its time', async () => {
  const events: string[] = [];
  const p = { warmup: 3, warmupMs: 10_000, reps: 4, minReps: 2, repMs: 2, budgetMs: 10_000 };
  // A sync that waits 5 ms: a repetition's rate must include it.
  const r = await measure(() => void events.push('step'), 1, p, () => {
    events.push('sync');
    const end = performance.now() + 5;
    while (performance.now() < end);
  });
  const warm = events.slice(0, 6);
  assert.deepEqual(warm, ['step', 'sync', 'step', 'sync', 'step', 'sync']);
  const rest = events.slice(6);
  assert.equal(rest.length, r.reps * (r.steps + 1));
  for (let i = 0; i < r.reps; i++) {
    const rep = rest.slice(i * (r.steps + 1), (i + 1) * (r.steps + 1));
    assert.deepEqual(rep, [...Array(r.steps).fill('step'), 'sync']);
  }
  assert.ok(r.all.every((x) => x <= (r.steps * 1000) / 5), 'each repetition counts its 5 ms sync');
});

test('async steps are awaited', async () => {
  let finished = 0;
  const r = await measure(async () => {
    await new Promise((ok) => setImmediate(ok));
    finished++;
  }, 1, { ...protocol(true), warmup: 1, reps: 1, minReps: 1, repMs: 1 });
  assert.equal(finished, 1 + r.steps);
});

test('the random batch is fixed by its seed, pixels in [0, 1), labels 0..9', () => {
  const a = randomBatch(8);
  const b = randomBatch(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.images, randomBatch(8, 2).images);
  assert.equal(a.images.length, 8 * 784);
  assert.ok(a.images.every((v) => v >= 0 && v < 1));
  assert.ok(a.labels.every((v) => Number.isInteger(v) && v >= 0 && v <= 9));
});
