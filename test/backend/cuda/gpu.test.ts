/**
 * The CUDA backend on a real device: every Backend method against JsBackend, a training iteration
 * with no host transfer or wait (in the backend or the addon), LeNet steps that allocate nothing after
 * the first, CUDA graphs and training with cudaGraphs against eager calls, and dotInto on ten million elements.
 * Skipped without one.
 */
import { test } from 'node:test';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { sharedDeviceChecks } from './device-checks.js';

const loaded = loadCuda();
const skip = loaded.error ? `no CUDA device: ${loaded.error}` : undefined;

for (const [name, check] of sharedDeviceChecks({ name: 'ten million elements', elements: 10_000_000 })) {
  test(`${name} (GPU)`, { skip }, () => check(loaded.backend!));
}
