/**
 * The CUDA backend on a real device: every Backend method against JsBackend, a training iteration
 * with no host transfer or wait (in the backend or the addon), LeNet steps that allocate nothing after
 * the first, CUDA graphs and training with cudaGraphs against eager calls, and dotInto on ten million elements.
 * Skipped without one. The device starts deterministic: the graph checks compare bits, and cuDNN's
 * fastest algorithms need not give the same bits twice (scripts/gpu-check.mjs's methods and layers
 * parts check the default device).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { sharedDeviceChecks } from './device-checks.js';
import { eagerStepsDiffer } from './graphs.js';

const loaded = loadCuda({ deterministic: true });
const skip = loaded.error ? `no CUDA device: ${loaded.error}` : undefined;

test('the deterministic device gives the same gradients twice (GPU)', { skip }, () => {
  assert.equal(loaded.backend!.runtime.deterministic, true);
  assert.deepEqual(eagerStepsDiffer(loaded.backend!), []);
});

for (const [name, check] of sharedDeviceChecks({ name: 'ten million elements', elements: 10_000_000 })) {
  test(`${name} (GPU)`, { skip }, () => check(loaded.backend!));
}
