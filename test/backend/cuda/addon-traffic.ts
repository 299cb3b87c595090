/**
 * Counts the CUDA addon's own host transfers and waits, for `assertStaysOnDevice`'s `lower`: the
 * calls below the Backend that a device-resident iteration must not make. Used by the emulated and
 * the GPU tests.
 */
import assert from 'node:assert/strict';
import type { CudaAddon } from '../../../src/node/backend/cuda/addon.js';
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { assertStaysOnDevice, countCalls } from '../../harness/device-resident.js';
import { Net } from '../../../src/net.js';
import { Solver } from '../../../src/solver/solver.js';
import { lenet } from '../../../examples/mnist/lenet.js';

/**
 * The addon functions that copy between host and device or make the host wait for the device:
 * upload and download, synchronize, cuBLAS's sdot and sasum (which return their result to the
 * host), cuDNN's convPlan (which times algorithms on the device), and free (cuMemFree waits for the
 * device to go idle); and malloc, which moves no data but has no place in an iteration that a CUDA
 * graph could replay. The others (launch, memset32, copy, the gemms, sgemv, the conv calls) are queued
 * and return at once; compile and the module calls come before the first iteration.
 */
export const ADDON_HOST_CALLS = ['upload', 'download', 'synchronize', 'sdot', 'sasum', 'convPlan', 'free', 'malloc'] as const satisfies readonly (keyof CudaAddon)[];

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

/**
 * LeNet (batch 4, Net + Solver, MemoryData) allocates and frees no device memory in its training
 * steps after the first: convolution workspaces, cuDNN plans and the solver's history are made once.
 * (A step still uploads MemoryData's batch index, so this counts malloc and free only.)
 */
export function assertLenetStepsAllocateNothing(backend: CudaBackend): void {
  const net = new Net(lenet({ batchSize: 4 }), { backend, phase: 'train', seed: 3 });
  const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, maxIter: 10 });
  const memory = countCalls(backend.runtime.addon, ['malloc', 'free'] as const satisfies readonly (keyof CudaAddon)[]);
  try {
    solver.step();
    const first = memory.count();
    assert.ok(first > 0, 'the counter saw no allocation in the first step (the solver\'s history, at least, is made there)');
    for (let i = 0; i < 4; i++) solver.step();
    backend.synchronize();
    assert.equal(memory.count() - first, 0, `${memory.count() - first} device allocations or frees in four training steps after the first`);
  } finally {
    memory.restore();
    net.destroy();
  }
}
