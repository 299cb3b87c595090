/**
 * The whole CUDA backend (addon, kernel sources, TypeScript) on the CPU emulation of the CUDA
 * libraries (emulator.ts): every Backend method and every layer case against JsBackend, and a
 * training iteration with no host transfer or wait. This checks the logic without a GPU;
 * gpu.test.ts checks the same on a device when there is one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { BackendError, DataError } from '../../../src/core/errors.js';
import { Net } from '../../../src/node/net.js';
import type { LayerConfig } from '../../../src/core/layer.js';
import { equivalenceCheck } from '../../harness/equivalence.js';
import { layerCases } from '../../harness/layer-cases.js';
import { buildEmulator, ensureAddon } from './emulator.js';
import { assertLenetTrainsAsOnJs } from '../../harness/lenet-steps.js';
import { sharedDeviceChecks } from './device-checks.js';
import { inBlockOrder, orderSensitiveSums } from './determinism.js';

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
  assert.throws(() => b.dotInto(2.5, b.alloc(3), b.alloc(3), 1, 0, b.alloc(1)), /dotInto: expected a whole number of elements, found 2.5/);
  assert.throws(() => b.dotInto(3, b.alloc(3), b.alloc(3), 1, 0, b.alloc(0)), /dotInto out: the buffer holds 0 elements, 1 are needed/);
  assert.throws(() => b.runtime.kernels.launch('no_such_kernel', 1, 32, []), /kernel no_such_kernel is missing/);
  assert.throws(() => b.runtime.kernels.launch('scal_f32', 1, 32, [1, 2]), /2 arguments given, its declaration in elementwise.cu has 3/);
  const freed = b.alloc(2);
  b.free(freed);
  assert.throws(() => b.download(freed), /was freed/);
});

test('a bad row index or label is reported by the next read, naming the method; the row is zeroed or skipped (emulated device)', { skip }, () => {
  const b = loaded.backend!;
  const bad = (name: string) => (e: Error) => e instanceof DataError && new RegExp(`CUDA backend: ${name}`).test(e.message);
  const src = b.fromHost([1, 2, 3, 4]);
  const dst = b.fromHost([9, 9, 9, 9]);
  b.gather(2, 2, src, b.fromHost([1, 2]), 1, dst);
  assert.throws(() => b.download(dst), bad('gather: an index is not a whole row number .*; one of them: index 1 of the indices'));
  assert.deepEqual(Array.from(b.download(dst)), [3, 4, 0, 0], 'the flag is cleared once reported; the bad row is zeroed');
  b.gather(1, 2, src, b.fromHost([0.5]), 1, dst);
  assert.throws(() => b.synchronize(), bad('gather'));
  b.scatterAdd(2, 2, b.fromHost([1, 1, 1, 1]), b.fromHost([-1, 1]), 1, src);
  assert.throws(() => b.download(src), bad('scatterAdd: an index is not a whole row number .*; one of them: index 0 of the indices'));
  assert.deepEqual(Array.from(b.download(src)), [1, 2, 4, 5], 'the bad row is skipped');
  // Three items, the last one's label bad: the error says where.
  const g = { outer: 3, classes: 2, inner: 1 };
  const prob = b.fromHost([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), label = b.fromHost([0, 1, 7]), out = b.alloc(6);
  const calls: [string, () => void][] = [
    ['softmaxLossForward', () => b.softmaxLossForward(g, prob, label, null, 'valid', out)],
    ['softmaxLossBackward', () => b.softmaxLossBackward(g, prob, label, null, 'valid', 1, out)],
    ['nllBackward', () => b.nllBackward(g, prob, label, null, 'batch', 1, out)],
    ['accuracyForward', () => b.accuracyForward(g, prob, label, 1, null, out)],
    ['hingeLossForward', () => b.hingeLossForward(g, prob, label, 'index', 'L1', out)],
    ['hingeLossBackward', () => b.hingeLossBackward(g, prob, label, 'index', 'L1', 1, out)],
  ];
  for (const [name, call] of calls) {
    call();
    const where = name.startsWith('hinge') ? 'the label of item 2' : 'the label at index 2 of its blob';
    assert.throws(() => b.download(out), bad(`${name}: a label is not a class index .*; one of them: ${where}`), name);
  }
  b.softmaxLossForward(g, prob, b.fromHost([0, 1, 1]), null, 'valid', out);
  assert.ok(Math.abs(b.download(out, undefined, 1)[0] - Math.LN2) < 1e-6, 'good labels raise nothing');
});

test('with syncEachLayer a bad label is told with the loss layer\'s name (emulated device)', { skip }, () => {
  const b = loaded.backend!;
  const defs: LayerConfig[] = [
    { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4,
      data: [{ values: new Float32Array(16).map((_, i) => Math.sin(i)), shape: [4, 4] }, { values: new Float32Array([0, 2, 9, 1]), shape: [4] }] },
    { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['score'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  ];
  // Without it the forward pass queues the bad label, and the next read tells the method only.
  const queued = new Net(defs, { backend: b, syncEachLayer: false });
  queued.forward();
  assert.throws(() => queued.loss(), (e: Error) => e instanceof DataError && /softmaxLossForward: a label is not a class index/.test(e.message) && !/layer "loss"/.test(e.message)
    && e.message.endsWith('to have it name the layer, build the net with syncEachLayer: true (in Node, or set CORTADO_SYNC_LAYERS=1)'));
  queued.destroy();
  const net = new Net(defs, { backend: b, syncEachLayer: true });
  assert.throws(() => net.forward(), (e: Error) => e instanceof DataError
    && /^layer "loss" \(SoftmaxLoss\): CUDA backend: softmaxLossForward: a label is not a class index/.test(e.message) && !/syncEachLayer/.test(e.message));
  net.destroy();
});

test('LeNet trains on the emulated device as on JsBackend (Net + Solver, 3 iterations)', { skip }, () => {
  assertLenetTrainsAsOnJs(loaded.backend!);
});

for (const [name, check] of sharedDeviceChecks({ name: 'a million elements (a full first-pass grid)', elements: 1_000_003 })) {
  test(`${name} (emulated device)`, { skip }, () => check(loaded.backend!));
}

test('the default device\'s atomic sums change with the order its blocks run in (what a deterministic device avoids; emulated)', { skip }, () => {
  const b = loaded.backend!;
  const sums = orderSensitiveSums(b);
  const forward = inBlockOrder('forward', sums), reverse = inBlockOrder('reverse', sums);
  // scatterAdd's 21 outputs, then the 3 bias sums: both kinds must move, or the deterministic
  // device's check (emulated-deterministic.test.ts) would prove nothing.
  assert.ok(forward.slice(0, 21).some((v, i) => v !== reverse[i]), 'scatterAdd gave the same bits in both orders');
  assert.ok(forward.slice(21).some((v, i) => v !== reverse[21 + i]), 'the bias gradient gave the same bits in both orders');
  assert.deepEqual(inBlockOrder('forward', sums), forward, 'one order gives one result');
});
