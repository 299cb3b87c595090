/**
 * The CUDA backend on the emulated device started deterministic (CudaOptions.deterministic): its
 * own fixed-order paths (bias gradients summed by one block per channel, scatterAdd adding the rows
 * of each column in order) against JsBackend, the same bits run after run, and the graph checks,
 * which compare bits, as gpu.test.ts runs them on a GPU. A process of its own: the device starts
 * once per process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { buildEmulator, ensureAddon } from './emulator.js';
import { inBlockOrder, orderSensitiveSums } from './determinism.js';
import { assertTrainingReplaysAsEager, eagerStepsDiffer, lenetGradients } from './graphs.js';
import { compareMethods } from './method-cases.js';

const emu = buildEmulator();
const addonError = emu.dir ? ensureAddon() : null;
const skip = emu.skip ?? addonError ?? undefined;
const loaded = skip ? {} : loadCuda({ libDir: emu.dir, cacheDir: mkdtempSync(join(tmpdir(), 'cortado-emu-cache-')), cudnn: false, deterministic: true });

test('the emulated device starts deterministic', { skip }, () => {
  assert.equal(loaded.error, undefined);
  assert.equal(loaded.backend!.runtime.deterministic, true);
});

test('the fixed-order bias gradient and scatterAdd agree with JsBackend (deterministic emulated device)', { skip }, () => {
  const rows = compareMethods(loaded.backend!, new JsBackend('float32')).filter((r) => /^(biasBackward|scatterAdd)/.test(r.name));
  assert.ok(rows.length >= 3, `only ${rows.length} bias and scatterAdd cases`);
  assert.deepEqual(rows.filter((r) => !r.ok).map((r) => `${r.name}: ${r.maxRelError} ${r.detail ?? ''}`), []);
});

test('repeated rows, many-block bias sums and LeNet\'s gradients give the same bits whatever order the blocks run in (deterministic emulated device)', { skip }, () => {
  const b = loaded.backend!;
  const sums = orderSensitiveSums(b);
  const forward = inBlockOrder('forward', sums), reverse = inBlockOrder('reverse', sums);
  assert.deepEqual(reverse, forward);
  assert.deepEqual(inBlockOrder('forward', () => lenetGradients(b, 8)), inBlockOrder('reverse', () => lenetGradients(b, 8)));
  assert.deepEqual(eagerStepsDiffer(b, 8), []);
});

test('training with cudaGraphs gives the eager weights bit for bit (deterministic emulated device)', { skip }, () => {
  assertTrainingReplaysAsEager(loaded.backend!);
});
