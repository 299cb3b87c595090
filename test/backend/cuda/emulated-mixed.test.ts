/**
 * Mixed precision on the emulated device (CudaBackend `precision` 'float16' and 'bfloat16'): the
 * 16-bit conversions, GEMM through cublasGemmEx, and convolution through im2col + 16-bit GEMM,
 * each against float64 on the rounded operands (mixed.ts); a LeNet trained with cudaGraphs in
 * bfloat16, bit for bit as its eager run; and a LeNet trained in float16 with the solver's default
 * dynamic loss scaling, near float32's. A process of its own: the device starts once per process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { BackendError } from '../../../src/core/errors.js';
import type { Backend } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { Net } from '../../../src/net.js';
import { Solver } from '../../../src/solver/solver.js';
import { lenet } from '../../../examples/mnist/lenet.js';
import { timeNet, timingTable } from '../../../src/core/timing.js';
import { buildEmulator, ensureAddon } from './emulator.js';
import { assertTrainingReplaysAsEager } from './graphs.js';
import { assertConversionsRound, assertConvMixed, assertGemmMixed } from './mixed.js';

const emu = buildEmulator();
const addonError = emu.dir ? ensureAddon() : null;
const skip = emu.skip ?? addonError ?? undefined;
const loaded = skip ? {} : loadCuda({ libDir: emu.dir, cacheDir: mkdtempSync(join(tmpdir(), 'cortado-emu-cache-')), cudnn: false, precision: 'float16' });

test('loadCuda gives a float16 backend; other backends of the device may compute in bfloat16 or float32; a bad precision is refused', { skip }, () => {
  assert.equal(loaded.error, undefined);
  const b = loaded.backend!;
  assert.equal(b.precision, 'float16');
  assert.equal(loadCuda({ precision: 'bfloat16' }).backend!.precision, 'bfloat16');
  assert.equal(loadCuda().backend!.precision, 'float32');
  assert.throws(() => loadCuda({ precision: 'half' as never }), (e: Error) => e instanceof BackendError && /precision "half" is not one of float32, float16, bfloat16/.test(e.message));
  assert.throws(() => new CudaBackend(b.runtime, 'float32', { precision: 'fp8' as never }), /precision "fp8"/);
});

for (const precision of ['float16', 'bfloat16'] as const) {
  const backend = () => (precision === 'float16' ? loaded.backend! : new CudaBackend(loaded.backend!.runtime, 'float32', { precision }));

  test(`${precision}: float32 values round to nearest even, overflow to infinity, keep NaN (emulated device)`, { skip }, () => {
    assertConversionsRound(backend());
  });

  test(`${precision}: gemm and gemmBatched sum the rounded operands in float32 (emulated device)`, { skip }, () => {
    assertGemmMixed(backend());
  });

  test(`${precision}: convolution on im2col + 16-bit GEMM, forward and both backward directions (emulated device)`, { skip }, () => {
    assertConvMixed(backend(), false);
  });
}

test('bfloat16 training with cudaGraphs gives the eager weights bit for bit (emulated device)', { skip }, () => {
  assertTrainingReplaysAsEager(new CudaBackend(loaded.backend!.runtime, 'float32', { precision: 'bfloat16' }));
});

test('float16 LeNet trains with the solver\'s dynamic loss scaling by default: scale 2^16, no step skipped, losses within 16-bit rounding of float32\'s but not equal (emulated device)', { skip }, () => {
  const run = (backend: Backend) => {
    const net = new Net(lenet({ batchSize: 4 }), { backend, phase: 'train', seed: 3 });
    try {
      const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 4 });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        solver.step();
        losses.push(net.loss());
      }
      return { losses, scale: solver.lossScale, skipped: solver.skippedSteps, conv2: Float64Array.from(net.layer('conv2').params[0]!.blob.read()) };
    } finally {
      net.destroy();
    }
  };
  const half = run(loaded.backend!);
  const ref = run(new JsBackend('float32'));
  assert.equal(half.scale, 65536);
  assert.equal(half.skipped, 0);
  assert.equal(ref.scale, 1, 'float32 backends train unscaled by default');
  half.losses.forEach((l, i) => assert.ok(Math.abs(l - ref.losses[i]!) < 5e-3 * Math.max(1, ref.losses[i]!), `loss ${i}: ${l} in float16, ${ref.losses[i]} in float32`));
  let worst = 0;
  for (let i = 0; i < ref.conv2.length; i++) worst = Math.max(worst, Math.abs(half.conv2[i]! - ref.conv2[i]!));
  assert.ok(worst > 0 && worst < 1e-3, `conv2's weights differ from float32's by up to ${worst}`);
});

test('float16 with cudaGraphs: dynamic loss scaling reads its check back each iteration, between two graphs, with the eager run\'s weights (emulated device)', { skip }, () => {
  const b = loaded.backend!;
  const train = (cudaGraphs: boolean) => {
    const net = new Net(lenet({ batchSize: 4 }), { backend: b, phase: 'train', seed: 3 });
    try {
      const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, maxIter: 3, cudaGraphs });
      for (let i = 0; i < 3; i++) solver.step();
      return { weights: net.params.map((p) => Float32Array.from(p.blob.read())), stats: solver.graphStats };
    } finally {
      net.destroy();
    }
  };
  const eager = train(false);
  const graphed = train(true);
  graphed.weights.forEach((w, i) => assert.deepEqual(w, eager.weights[i], `parameter ${i}`));
  // The first iteration captures the graphs before and after the read; the others replay them.
  assert.deepEqual(graphed.stats, { captured: 1, eager: 0, replayed: 2 });
});

test('cortado time\'s table names a mixed-precision backend\'s precision; a float32 one has none (emulated device)', { skip }, () => {
  for (const [backend, header] of [[loaded.backend!, 'cuda backend in float16'], [new CudaBackend(loaded.backend!.runtime), 'cuda backend,']] as const) {
    const net = new Net(lenet({ batchSize: 2 }), { backend, phase: 'train', name: 'lenet' });
    try {
      const t = timeNet(net, { iterations: 1, warmup: 0 });
      assert.equal(t.precision, backend.precision === 'float32' ? undefined : backend.precision);
      assert.match(timingTable(t).split('\n')[0]!, new RegExp(`^lenet \\(train phase, ${header}`));
    } finally {
      net.destroy();
    }
  }
});
