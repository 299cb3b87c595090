/**
 * The WebGPU backend on whatever adapter this process finds (SwiftShader in CI, through the child
 * process of swiftshader.test.ts): every Backend method against JsBackend, the errors users see,
 * arena growth, and a few LeNet iterations against JsBackend. Every test name holds "webgpu", which
 * the child selects with --test-name-pattern. The layer-case table runs on webgpu through
 * test/harness/backends.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { BackendError, DataError } from '../../../src/core/errors.js';
import { availableBackends } from '../../harness/backends.js';
import { compareMethods } from '../cuda/method-cases.js';
import { assertLenetTrainsAsOnJs } from '../../harness/lenet-steps.js';

const entry = (await availableBackends()).find((e) => e.name === 'webgpu')!;
const skip = entry.skip;
const backend = (skip ? null : entry.create()) as import('../../../src/backend/webgpu/webgpu-backend.js').WebGpuBackend;

test('webgpu: every backend method agrees with JsBackend', { skip }, () => {
  const rows = compareMethods(backend, new JsBackend('float32'));
  const bad = rows.filter((r) => !r.ok).map((r) => `${r.name}: max relative error ${r.maxRelError} ${r.detail ?? ''}`);
  assert.ok(rows.length > 90, `only ${rows.length} method cases`);
  assert.deepEqual(bad, []);
});

test('webgpu: misuse is a clear error (float64, foreign and short buffers, bad views)', { skip }, async () => {
  const { WebGpuBackend } = await import('../../../src/backend/webgpu/webgpu-backend.js');
  assert.throws(() => new WebGpuBackend({ postMessage() {} }, new SharedArrayBuffer(8), backend.info, 64, 0, 'float64'),
    (e: Error) => e instanceof BackendError && /float64 is not supported/.test(e.message));
  assert.throws(() => backend.scal(3, 2, new Float32Array(3)), /scal x: the buffer was not made by this backend/);
  assert.throws(() => backend.axpy(10, 1, backend.alloc(10), backend.alloc(9)), /axpy y: the buffer has 9 elements, needs 10/);
  assert.throws(() => backend.view(backend.alloc(4), 2, 3), /range \[2, 5\) is outside a buffer of 4/);
  assert.throws(() => backend.download(backend.alloc(2), new Float32Array(1)), /output holds 1 elements, needs 2/);
});

test('webgpu: a bad gather index or label is reported by the next read, naming the method', { skip }, () => {
  const b: Backend = backend;
  const src = b.fromHost([1, 2, 3, 4]);
  const dst = b.alloc(2);
  b.gather(2, 1, src, b.fromHost([0, 5]), 1, dst);
  assert.throws(() => b.download(dst), (e: Error) => e instanceof DataError && /gather: an index is not a whole row number.*; one of them: index 1 of the indices/.test(e.message));
  b.gather(1, 2, src, b.fromHost([1]), 1, dst);
  assert.deepEqual(Array.from(b.download(dst)), [3, 4], 'the flag is cleared once reported');
  const loss = b.alloc(1);
  b.softmaxLossForward({ outer: 2, classes: 2, inner: 1 }, b.fromHost([0.5, 0.5, 0.5, 0.5]), b.fromHost([0, 7]), null, 'valid', loss);
  assert.throws(() => b.download(loss), /softmaxLossForward: a label is not a class index.*; one of them: the label at index 1 of its blob/);
  b.hingeLossForward({ outer: 3, classes: 2, inner: 1 }, b.fromHost([1, 2, 3, 4, 5, 6]), b.fromHost([9, 0, 1]), 'index', 'L1', loss);
  assert.throws(() => b.download(loss), /hingeLossForward: a label is not a class index.*; one of them: the label of item 0/);
  // synchronize reports it too (Net's syncEachLayer relies on it), and clears it. Bad input is a DataError, as on CUDA and the CPU.
  b.gather(1, 2, src, b.fromHost([-1]), 1, dst);
  assert.throws(() => b.synchronize(), (e: Error) => e instanceof DataError && /gather: an index is not a whole row number/.test(e.message) && /syncEachLayer: true/.test(e.message));
  b.synchronize();
});

test('webgpu: the arena grows past its first size and keeps what it holds', { skip }, () => {
  const b: Backend = backend;
  const first = b.fromHost([1, 2, 3]);
  const big = b.alloc(20 * 2 ** 20); // 80 MiB, more than the first 64 MiB
  b.set(5, 7, big);
  assert.deepEqual(Array.from(b.download(first)), [1, 2, 3]);
  assert.deepEqual(Array.from(b.download(b.view(big, 0, 6))), [7, 7, 7, 7, 7, 0]);
  b.free(big);
  const again = b.alloc(4);
  assert.deepEqual(Array.from(b.download(again)), [0, 0, 0, 0], 'a reused range is zeroed');
});

test('webgpu: LeNet trains as on JsBackend (Net + Solver, 3 iterations)', { skip }, () => {
  assertLenetTrainsAsOnJs(backend);
});

test('webgpu: createBackend("webgpu") makes one, float32 only', { skip }, async () => {
  const { createBackend } = await import('../../../src/node/backends.js');
  assert.throws(() => createBackend('webgpu', 'float64'), (e: Error) => e instanceof BackendError && /float32 only/.test(e.message));
  const b = createBackend('webgpu') as typeof backend;
  assert.equal(b.name, 'webgpu');
  assert.deepEqual(Array.from(b.download(b.fromHost([1.5, -2]))), [1.5, -2]);
  b.close();
});

test('webgpu: without an adapter, createBackend("webgpu") says what to set', { skip: skip ? undefined : 'this process has a WebGPU adapter' }, async () => {
  const { createBackend } = await import('../../../src/node/backends.js');
  assert.throws(() => createBackend('webgpu'), (e: Error) => e instanceof BackendError && /no WebGPU adapter was found/.test(e.message) && /VK_ICD_FILENAMES|Vulkan/.test(e.message));
});

test('webgpu: a TrainerWorker run on webgpu (its GPU worker nested in the trainer thread) gives the weights of a js run', { skip }, async () => {
  const { startNodeTrainer } = await import('../../../src/node/trainer-worker.js');
  const { smallMlp } = await import('../../harness/small-mlp.js');
  const { Net } = await import('../../../src/node/net.js');
  const { Solver } = await import('../../../src/solver/solver.js');
  const { Random } = await import('../../../src/core/random.js');
  const solver = { baseLr: 0.1, momentum: 0.9, maxIter: 20 };
  const result = await startNodeTrainer({ layers: smallMlp(), solver, seed: 9, backend: 'webgpu', statsEvery: 10 }).done;
  assert.equal(result.iter, 20);
  const net = new Net(smallMlp(), { backend: new JsBackend('float32'), phase: 'train', rng: new Random(9), name: 'train' });
  await new Solver(net, solver).solve();
  for (const p of net.params) {
    const got = result.weights.get(p.key)!.values;
    const want = p.blob.read();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst < 1e-4, `parameter ${p.key} differs by up to ${worst}`);
  }
});

test('webgpu: a GPU worker that fails outside a command wakes the caller with the reason instead of leaving it blocked', { skip }, async () => {
  const { createWebGpuBackend } = await import('../../../src/node/webgpu.js');
  const b = createWebGpuBackend({ memoryMiB: 1 });
  const x = b.fromHost([1, 2]);
  // A batch that is not a list of commands: the executor throws outside any command's handler.
  (b as unknown as { port: { postMessage(m: unknown): void } }).port.postMessage({ kind: 'batch', cmds: null });
  assert.throws(() => b.download(x), (e: Error) => e instanceof BackendError && /download: the GPU worker failed: cmds is not iterable/.test(e.message));
});
