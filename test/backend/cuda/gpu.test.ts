/**
 * The CUDA backend on a real device: every Backend method against JsBackend, a training iteration
 * with no host transfer or wait (in the backend or the addon), LeNet steps that allocate nothing after
 * the first, CUDA graphs and training with cudaGraphs against eager calls, dotInto on ten million elements,
 * and mixed precision (16-bit conversions, GEMM and convolution against float64 on rounded operands).
 * Skipped without one. The device starts deterministic: the graph checks compare bits, and cuDNN's
 * fastest algorithms need not give the same bits twice (scripts/gpu-check.mjs's methods and layers
 * parts check the default device).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { sharedDeviceChecks } from './device-checks.js';
import { eagerStepsDiffer } from './graphs.js';
import { assertConversionsRound, assertConvMixed, assertConvReuse, assertGemmMixed, assertLayersReuse } from './mixed.js';

const loaded = loadCuda({ deterministic: true });
const skip = loaded.error ? `no CUDA device: ${loaded.error}` : undefined;

test('the deterministic device gives the same gradients twice (GPU)', { skip }, () => {
  assert.equal(loaded.backend!.runtime.deterministic, true);
  assert.deepEqual(eagerStepsDiffer(loaded.backend!), []);
});

for (const [name, check] of sharedDeviceChecks({ name: 'ten million elements', elements: 10_000_000 })) {
  test(`${name} (GPU)`, { skip }, () => check(loaded.backend!));
}

// Mixed precision on the device: a float16 and a bfloat16 backend on the same (deterministic) device.
for (const precision of ['float16', 'bfloat16'] as const) {
  const mixed = () => new CudaBackend(loaded.backend!.runtime, 'float32', { precision });
  test(`${precision}: conversions round to nearest even (GPU)`, { skip }, () => assertConversionsRound(mixed()));
  test(`${precision}: gemm and gemmBatched through cublasGemmEx and cublasGemmStridedBatchedEx sum the rounded operands in float32 (GPU)`, { skip }, () => assertGemmMixed(mixed()));
  test(`${precision}: convolution in 16 bits, forward and both backward directions (GPU)`, { skip }, () => {
    const b = mixed();
    assertConvMixed(b, b.runtime.cudnn);
  });
  // Without cuDNN, convolutions take im2col + 16-bit GEMM, which rounds into the backend's scratch memory.
  const noCudnn = skip ?? (loaded.backend!.runtime.cudnn ? undefined : 'cuDNN is not loaded');
  test(`${precision}: a layer's convolutions reuse their rounded inputs, with the bits of rounding every input (GPU)`, { skip: noCudnn }, () => {
    assertConvReuse(mixed(), false);
    assertLayersReuse(mixed());
  });
}
