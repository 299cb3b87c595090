/**
 * The CUDA backend's cuDNN convolution path on the emulated device started deterministic
 * (CudaOptions.deterministic), with the emulated libcudnn.so.9 (emu/fake_cudnn.cc), whose
 * non-deterministic algorithms add their partial sums in the order the emulated blocks run: the
 * plans hold the algorithms cuDNN marks deterministic, LeNet's gradients keep their bits whatever
 * that order, and the convolution cases agree with JsBackend (emulated-cudnn.test.ts runs the CUDA
 * graph checks on cuDNN). A process of its own: the device starts once per process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { buildEmulator, ensureAddon } from './emulator.js';
import { CONV2, columnBytes, differingParams, planOf, watchConvolutions } from './cudnn-checks.js';
import { inBlockOrder } from './determinism.js';
import { eagerStepsDiffer, lenetGradients } from './graphs.js';
import { compareMethods, methodCases } from './method-cases.js';

const emu = buildEmulator();
const addonError = emu.dir ? ensureAddon() : null;
const skip = emu.skip ?? addonError ?? undefined;
const loaded = skip ? {} : loadCuda({ libDir: emu.dir, cacheDir: mkdtempSync(join(tmpdir(), 'cortado-emu-cache-')), cudnn: true, deterministic: true });

test('the emulated device starts deterministic with the emulated cuDNN', { skip }, () => {
  assert.equal(loaded.error, undefined);
  assert.equal(loaded.backend!.runtime.cudnn, true);
  assert.equal(loaded.backend!.runtime.deterministic, true);
});

test('a deterministic device\'s plan holds the algorithms cuDNN marks deterministic, though slower (emulated cuDNN)', { skip }, () => {
  const p = planOf(loaded.backend!, CONV2);
  // The fake lists two faster non-deterministic ones first in each direction.
  assert.deepEqual([p.forward, p.backwardData, p.backwardFilter], [2, 1, 1], 'GEMM, ALGO_1, ALGO_1');
  assert.equal(p.workspaceBytes, columnBytes(CONV2), 'one image\'s columns');
});

test('LeNet\'s gradients keep their bits whatever order the blocks run in, convolution on cuDNN (deterministic emulated device)', { skip }, () => {
  const b = loaded.backend!;
  const watched = watchConvolutions(b, () =>
    differingParams(inBlockOrder('forward', () => lenetGradients(b, 8)), inBlockOrder('reverse', () => lenetGradients(b, 8))));
  assert.ok(watched.cudnnCalls > 0, 'no convolution reached cuDNN');
  assert.deepEqual(watched.result, []);
  assert.deepEqual(eagerStepsDiffer(b, 8), []);
});

test('the convolution cases agree with JsBackend (deterministic emulated cuDNN)', { skip }, () => {
  const b = loaded.backend!;
  const watched = watchConvolutions(b, () => compareMethods(b, new JsBackend('float32'), methodCases().filter((c) => /^conv/.test(c.name))));
  assert.ok(watched.result.length >= 15, `only ${watched.result.length} convolution cases`);
  assert.deepEqual(watched.result.filter((r) => !r.ok).map((r) => `${r.name}: ${r.maxRelError} ${r.detail ?? ''}`), []);
  assert.equal(watched.cudnnCalls, watched.result.length);
  assert.equal(watched.columnKernels, 0);
});
