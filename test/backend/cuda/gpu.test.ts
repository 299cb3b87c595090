/**
 * The CUDA backend on a real device: every Backend method against JsBackend, a training iteration
 * with no host transfer or wait (in the backend or the addon), LeNet steps that allocate nothing after
 * the first, CUDA graphs and training with cudaGraphs against eager calls, and dotInto on ten million elements.
 * Skipped without one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { assertCudaStaysOnDevice, assertLenetStepsAllocateNothing } from './addon-traffic.js';
import { assertDotIntoExactAndDeterministic } from './dot-into.js';
import { assertGraphsReplayAsEager, assertReplayerRunsAsEager, assertTrainingReplaysAsEager } from './graphs.js';
import { compareMethods } from './method-cases.js';

const loaded = loadCuda();
const skip = loaded.error ? `no CUDA device: ${loaded.error}` : undefined;

test('every backend method agrees with JsBackend (GPU)', { skip }, () => {
  const rows = compareMethods(loaded.backend!, new JsBackend('float32'));
  const bad = rows.filter((r) => !r.ok).map((r) => `${r.name}: max relative error ${r.maxRelError} ${r.detail ?? ''}`);
  assert.deepEqual(bad, []);
});

test('the random layers, the losses and the metrics make no host transfer or wait, in the backend or the addon (GPU)', { skip }, () => {
  assertCudaStaysOnDevice(loaded.backend!);
});

test('LeNet\'s training steps after the first allocate no device memory (GPU)', { skip }, () => {
  assertLenetStepsAllocateNothing(loaded.backend!);
});

test('CUDA graphs replay a forward pass and a forward and backward pass as the eager calls do; what cannot be captured is refused (GPU)', { skip }, () => {
  assertGraphsReplayAsEager(loaded.backend!);
});

test('a replayed run gives each run its own kernel arguments and uploads; training with cudaGraphs gives the eager run\'s weights bit for bit (GPU)', { skip }, () => {
  assertReplayerRunsAsEager(loaded.backend!);
  assertTrainingReplaysAsEager(loaded.backend!);
});

test('dotInto on ten million elements: exact on integers, the same bits every run on floats (GPU)', { skip }, () => {
  assertDotIntoExactAndDeterministic(loaded.backend!, 10_000_000);
});
