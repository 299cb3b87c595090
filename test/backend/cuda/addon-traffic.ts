/**
 * Counts the CUDA addon's own host transfers and waits, for `assertStaysOnDevice`'s `lower`: the
 * calls below the Backend that a device-resident iteration must not make. Used by the emulated and
 * the GPU tests.
 */
import assert from 'node:assert/strict';
import type { CudaAddon } from '../../../src/node/backend/cuda/addon.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { assertStaysOnDevice, countCalls } from '../../harness/device-resident.js';

/**
 * The addon functions that copy between host and device or make the host wait for the device:
 * upload and download, synchronize, cuBLAS's sdot and sasum (which return their result to the
 * host), cuDNN's convPlan (which times algorithms on the device), and free (cuMemFree waits for the
 * device to go idle). The others (launch, memset32, copy, sgemm, sgemv, the conv calls) are queued
 * and return at once; malloc, compile and the module calls move no data.
 */
export const ADDON_HOST_CALLS = ['upload', 'download', 'synchronize', 'sdot', 'sasum', 'convPlan', 'free'] as const satisfies readonly (keyof CudaAddon)[];

/**
 * `assertStaysOnDevice` on a CUDA backend, with `lower` counting the addon's host calls: first
 * checks that the counter sees the calls the backend makes (a backend holding its own copies of the
 * addon's functions would make the count meaningless), then restores the addon afterwards.
 */
export function assertCudaStaysOnDevice(backend: CudaBackend): void {
  const traffic = countCalls(backend.runtime.addon, ADDON_HOST_CALLS);
  try {
    backend.synchronize();
    // synchronize waits, then reads the error flag: two addon calls.
    assert.equal(traffic.count(), 2, 'the addon counter does not see the backend\'s synchronize and its read of the error flag');
    assertStaysOnDevice(backend, traffic.count);
  } finally {
    traffic.restore();
  }
}
