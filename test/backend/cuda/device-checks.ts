/**
 * The checks that the emulated test and the GPU test both run on a CudaBackend, one test each,
 * so that the two files cannot drift apart: every Backend method against JsBackend, a training
 * iteration with no host transfer or wait, LeNet steps that allocate nothing after the first, CUDA
 * graphs and replayed runs against eager calls, and dotInto on `dotElements` elements.
 */
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { assertCudaStaysOnDevice, assertLenetStepsAllocateNothing } from './addon-traffic.js';
import { assertDotIntoExactAndDeterministic } from './dot-into.js';
import { assertGraphsReplayAsEager, assertReplayerRunsAsEager, assertTrainingReplaysAsEager } from './graphs.js';
import { compareMethods } from './method-cases.js';

/** [test name without its device, check] pairs; `dot` names dotInto's size and sets it. */
export function sharedDeviceChecks(dot: { name: string; elements: number }): [string, (b: CudaBackend) => void][] {
  return [
    ['every backend method agrees with JsBackend', (b) => {
      const rows = compareMethods(b, new JsBackend('float32'));
      const bad = rows.filter((r) => !r.ok).map((r) => `${r.name}: max relative error ${r.maxRelError} ${r.detail ?? ''}`);
      assert.ok(rows.length > 90, `only ${rows.length} method cases`);
      assert.deepEqual(bad, []);
    }],
    ['the random layers, the losses and the metrics make no host transfer or wait, in the backend or the addon', assertCudaStaysOnDevice],
    ['LeNet\'s training steps after the first allocate no device memory', assertLenetStepsAllocateNothing],
    ['CUDA graphs replay a forward pass and a forward and backward pass as the eager calls do; what cannot be captured is refused', assertGraphsReplayAsEager],
    ['a replayed run gives each run its own kernel arguments and uploads, splits into graphs at a read, and keeps a graph for each shape of its calls', assertReplayerRunsAsEager],
    ['training with cudaGraphs: LeNet with Dropout on shuffled MemoryData, inv learning rate, gives the eager run\'s weights bit for bit', (b) => assertTrainingReplaysAsEager(b)],
    [`dotInto on ${dot.name}: exact on integers, the same bits every run on floats`, (b) => assertDotIntoExactAndDeterministic(b, dot.elements)],
  ];
}
