/**
 * The whole CUDA backend (addon, kernel sources, TypeScript) on the CPU emulation of the CUDA
 * libraries (emulator.ts): every Backend method and every layer case against JsBackend. This
 * checks the logic without a GPU; gpu.test.ts checks the same on a device when there is one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { CudaBackend } from '../../../src/backend/cuda/cuda-backend.js';
import { loadCuda } from '../../../src/backend/cuda/load.js';
import { BackendError } from '../../../src/core/errors.js';
import { equivalenceCheck } from '../../harness/equivalence.js';
import { layerCases } from '../../harness/layer-cases.js';
import { buildEmulator, ensureAddon } from './emulator.js';
import { compareMethods } from './method-cases.js';

// Small chunks, so that the column-buffer convolution runs several chunks with a remainder.
process.env.CORTADO_CUDA_IM2COL_LIMIT = '2000';
const emu = buildEmulator();
const addonError = emu.dir ? ensureAddon() : null;
const skip = emu.skip ?? addonError ?? undefined;
const loaded = skip ? {} : loadCuda({ libDir: emu.dir, cacheDir: mkdtempSync(join(tmpdir(), 'cortado-emu-cache-')), cudnn: false });

test('emulated device starts', { skip }, () => {
  assert.equal(loaded.error, undefined);
  assert.equal(loaded.backend!.runtime.device.device, 'Cortado CPU emulator');
  assert.equal(loaded.backend!.runtime.cudnn, false);
});

test('every backend method agrees with JsBackend (emulated device)', { skip }, () => {
  const rows = compareMethods(loaded.backend!, new JsBackend('float32'));
  const bad = rows.filter((r) => !r.ok).map((r) => `${r.name}: max relative error ${r.maxRelError} ${r.detail ?? ''}`);
  assert.ok(rows.length > 90, `only ${rows.length} method cases`);
  assert.deepEqual(bad, []);
});

test('every layer case agrees with JsBackend (emulated device)', { skip }, () => {
  const problems: string[] = [];
  for (const c of layerCases) problems.push(...equivalenceCheck(loaded.backend!, new JsBackend('float32'), c));
  assert.deepEqual(problems, []);
});

test('misuse is a clear error: float64, foreign buffers, short buffers, missing kernels', { skip }, () => {
  const b = loaded.backend!;
  assert.throws(() => new CudaBackend(b.runtime, 'float64'), (e: Error) => e instanceof BackendError && /float64 is not supported/.test(e.message));
  assert.throws(() => b.scal(3, 2, new Float32Array(3)), /expected a buffer made by the CUDA backend.*Float32Array/);
  assert.throws(() => b.axpy(10, 1, b.alloc(10), b.alloc(9)), /axpy y: the buffer holds 9 elements, 10 are needed/);
  assert.throws(() => b.view(b.alloc(4), 2, 3), /\[2, 5\) are not inside a buffer of 4/);
  assert.throws(() => b.runtime.kernels.launch('no_such_kernel', 1, 32, []), /kernel no_such_kernel is missing/);
  assert.throws(() => b.runtime.kernels.launch('scal_f32', 1, 32, [1, 2]), /2 arguments given, its declaration in elementwise.cu has 3/);
  const freed = b.alloc(2);
  b.free(freed);
  assert.throws(() => b.download(freed), /was freed/);
});

test('LeNet trains on the emulated device as on JsBackend (Net + Solver, 3 iterations)', { skip }, async () => {
  const { Net } = await import('../../../src/core/net.js');
  const { Solver } = await import('../../../src/solver/solver.js');
  const { lenet } = await import('../../../examples/mnist/lenet.js');
  const run = (backend: import('../../../src/backend/backend.js').Backend) => {
    const net = new Net(lenet({ batchSize: 4 }), { backend, phase: 'train', seed: 3 });
    const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 3 });
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      solver.step();
      losses.push(net.loss());
    }
    const weights = Float64Array.from(net.layer('conv2').params[0].blob.read());
    net.destroy();
    return { losses, weights };
  };
  const gpu = run(loaded.backend!);
  const ref = run(new JsBackend('float32'));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(gpu.losses[i] - ref.losses[i]) < 1e-4 * Math.max(1, ref.losses[i]), `loss ${i}: ${gpu.losses[i]} vs ${ref.losses[i]}`);
  let worst = 0;
  for (let i = 0; i < ref.weights.length; i++) worst = Math.max(worst, Math.abs(gpu.weights[i] - ref.weights[i]));
  assert.ok(worst < 1e-5, `conv2 weights differ by up to ${worst}`);
});
