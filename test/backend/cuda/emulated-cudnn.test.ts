/**
 * The CUDA backend's cuDNN convolution path (native/cuda/cudnn_conv.cc, conv.ts's cudnnPlan) on the
 * CPU emulation with the emulated libcudnn.so.9 (emu/fake_cudnn.cc): the plans the addon makes and
 * the algorithms it picks, CORTADO_CUDNN_LOG's line, every Backend method and every layer case
 * against JsBackend with convolution on cuDNN, the device-resident iteration, LeNet training, the
 * CUDA graph checks, the fake library's own standalone check, and mixed precision's 16-bit cuDNN
 * plans (float16 and bfloat16 backends on the same device). A process of its own: the device starts once per
 * process, here with cuDNN (emulated-cudnn-deterministic.test.ts starts it deterministic).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConvGeom } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';
import { loadCuda } from '../../../src/node/backend/cuda/load.js';
import { assertConvMixed, assertConvReuse, assertLayersReuse, MIXED_CONV_GEOMS } from './mixed.js';
import { equivalenceCheck } from '../../harness/equivalence.js';
import { layerCases } from '../../harness/layer-cases.js';
import { assertLenetTrainsAsOnJs } from '../../harness/lenet-steps.js';
import { buildCudnnCheck, buildEmulator, ensureAddon } from './emulator.js';
import { CONV2, differingParams, planOf, watchConvolutions } from './cudnn-checks.js';
import { inBlockOrder } from './determinism.js';
import { sharedDeviceChecks } from './device-checks.js';
import { assertTrainingReplaysAsEager, lenetGradients } from './graphs.js';
import { compareMethods } from './method-cases.js';

const emu = buildEmulator();
const addonError = emu.dir ? ensureAddon() : null;
const skip = emu.skip ?? addonError ?? undefined;
const loaded = skip ? {} : loadCuda({ libDir: emu.dir, cacheDir: mkdtempSync(join(tmpdir(), 'cortado-emu-cache-')), cudnn: true });

test('the emulated device starts with the emulated cuDNN', { skip }, () => {
  assert.equal(loaded.error, undefined);
  const rt = loaded.backend!.runtime;
  assert.equal(rt.cudnn, true);
  assert.equal(rt.deterministic, false);
  assert.equal(rt.device.cudnnVersion, 91400);
  assert.equal(rt.device.cudnnPath, join(emu.dir!, 'libcudnn.so.9'));
});

test('a plan holds the fastest algorithm that is neither tensor-op (TF32 is off) nor failed, and the largest workspace of the three (emulated cuDNN)', { skip }, () => {
  const p = planOf(loaded.backend!, CONV2);
  // The fake lists the tensor-op one first: IMPLICIT_PRECOMP_GEMM, WINOGRAD_NONFUSED, ALGO_3.
  assert.deepEqual([p.forward, p.backwardData, p.backwardFilter], [0, 0, 0], 'IMPLICIT_GEMM, ALGO_0, ALGO_0');
  // Backward filter's ALGO_0 keeps a float32 partial gradient per block of images (4 here).
  assert.equal(p.workspaceBytes, 4 * 50 * 20 * 5 * 5 * 4);
  assert.ok(p.ms[0] > 0 && p.ms[1] > 0 && p.ms[2] > 0);
});

test('CORTADO_CUDNN_LOG=1 prints each new plan: geometry, algorithms by name, times and workspace (emulated cuDNN)', { skip }, () => {
  const b = loaded.backend!;
  const g: ConvGeom = { num: 2, channels: 3, height: 9, width: 9, numOutput: 4, group: 1, kernelH: 3, kernelW: 3,
    strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, outH: 5, outW: 5 };
  const lines: string[] = [];
  const warn = console.warn;
  const before = process.env.CORTADO_CUDNN_LOG;
  process.env.CORTADO_CUDNN_LOG = '1';
  console.warn = (...args: unknown[]) => { lines.push(args.join(' ')); };
  try {
    const ws = b.alloc(b.convWorkspaceSize(g));
    b.convForward(g, b.alloc(2 * 3 * 81), b.alloc(4 * 3 * 9), b.alloc(2 * 4 * 25), ws);
    b.synchronize();
  } finally {
    console.warn = warn;
    if (before === undefined) delete process.env.CORTADO_CUDNN_LOG;
    else process.env.CORTADO_CUDNN_LOG = before;
  }
  assert.equal(lines.length, 1, lines.join('\n'));
  const m = /^cortado \(cuda\): cuDNN plan for input \[2, 3, 9, 9\], 4 outputs, kernel 3x3, stride 2x2, pad 1x1, group 1: forward IMPLICIT_GEMM \((\d+\.\d{3}) ms\), backward data ALGO_0 \((\d+\.\d{3}) ms\), backward filter ALGO_0 \((\d+\.\d{3}) ms\), workspace (\d+) bytes$/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.equal(Number(m[4]), 2 * 4 * 3 * 3 * 3 * 4, 'two blocks of one float32 filter gradient each');
});

test('every backend method agrees with JsBackend, convolution on cuDNN (emulated cuDNN)', { skip }, () => {
  const b = loaded.backend!;
  const watched = watchConvolutions(b, () => compareMethods(b, new JsBackend('float32')));
  const rows = watched.result;
  assert.ok(rows.length > 90, `only ${rows.length} method cases`);
  assert.deepEqual(rows.filter((r) => !r.ok).map((r) => `${r.name}: max relative error ${r.maxRelError} ${r.detail ?? ''}`), []);
  const convCases = rows.filter((r) => /^conv/.test(r.name)).length;
  assert.ok(convCases >= 15, `only ${convCases} convolution cases`);
  assert.equal(watched.cudnnCalls, convCases, 'one cuDNN call per convolution case');
  assert.equal(watched.columnKernels, 0, 'im2col or col2im ran: a convolution fell back to the column buffer');
  assert.deepEqual(watched.notices, []);
});

test('every layer case agrees with JsBackend, convolution on cuDNN (emulated cuDNN)', { skip }, () => {
  const b = loaded.backend!;
  const watched = watchConvolutions(b, () => {
    const problems: string[] = [];
    for (const c of layerCases) problems.push(...equivalenceCheck(b, new JsBackend('float32'), c));
    return problems;
  });
  assert.deepEqual(watched.result, []);
  assert.ok(watched.cudnnCalls > 0, 'no convolution reached cuDNN');
  assert.deepEqual(watched.notices.filter((n) => /cuDNN/.test(n)), []);
});

test('LeNet trains on the emulated device with cuDNN as on JsBackend (Net + Solver, 3 iterations)', { skip }, () => {
  const watched = watchConvolutions(loaded.backend!, () => assertLenetTrainsAsOnJs(loaded.backend!));
  assert.ok(watched.cudnnCalls > 0, 'no convolution reached cuDNN');
  assert.equal(watched.columnKernels, 0);
});

test('bfloat16 training with cudaGraphs on 16-bit cuDNN plans, which reuse rounded inputs, gives the eager weights bit for bit (emulated cuDNN)', { skip }, () => {
  const b = new CudaBackend(loaded.backend!.runtime, 'float32', { precision: 'bfloat16' });
  const watched = watchConvolutions(b, () => assertTrainingReplaysAsEager(b));
  assert.ok(watched.cudnnCalls > 0, 'no convolution reached cuDNN');
  assert.equal(watched.columnKernels, 0);
});

// The method cases run above, with the convolutions watched; dotInto has no convolution.
for (const [name, check] of sharedDeviceChecks({ name: 'a million elements', elements: 1_000_003 })) {
  if (name.startsWith('every backend method') || name.startsWith('dotInto')) continue;
  test(`${name} (emulated cuDNN)`, { skip }, () => check(loaded.backend!));
}

test('the convolution gradients of the default device change with the order blocks run in: its cuDNN algorithms are not deterministic (emulated cuDNN)', { skip }, () => {
  const b = loaded.backend!;
  const differ = differingParams(inBlockOrder('forward', () => lenetGradients(b, 8)), inBlockOrder('reverse', () => lenetGradients(b, 8)));
  // The difference a deterministic device must not show (emulated-cudnn-deterministic.test.ts).
  assert.ok(differ.some((k) => /conv1/.test(k)) && differ.some((k) => /conv2/.test(k)), `parameters that differ: ${differ.join(', ')}`);
});

test('the emulated cuDNN\'s own check: binary16 and bfloat16 rounding and convolutions, blending, Find, TF32, block order, capture, bad arguments', { skip }, () => {
  const check = buildCudnnCheck();
  if (check.skip) return;
  const r = spawnSync(check.path!, [emu.dir!], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}${r.error?.message ?? ''}`);
  assert.match(r.stdout, /all checks passed/);
});

for (const precision of ['float16', 'bfloat16'] as const) {
  test(`${precision}: 16-bit cuDNN plans, tensor-op algorithms allowed; convolution forward and both backward directions against float64 on the rounded operands (emulated cuDNN)`, { skip }, () => {
    const b = new CudaBackend(loaded.backend!.runtime, 'float32', { precision });
    const seen = watchConvolutions(b, () => assertConvMixed(b, true));
    assert.equal(seen.columnKernels, 0, 'no convolution fell back to im2col');
    assert.equal(seen.cudnnCalls, 3 * MIXED_CONV_GEOMS.length);
    assert.deepEqual(seen.notices, []);
    // The fastest algorithm the emulated cuDNN lists is tensor-op: a 16-bit plan may take it, a float32 plan (TF32 off) may not.
    const format = precision === 'float16' ? 1 : 2;
    const fwd = b.runtime.addon.convPlan(2, 3, 8, 8, 4, 3, 3, 0, 0, 1, 1, 1, 1, 1, 6, 6, format)[2];
    const fwd32 = b.runtime.addon.convPlan(2, 3, 8, 8, 4, 3, 3, 0, 0, 1, 1, 1, 1, 1, 6, 6, 0)[2];
    assert.equal(fwd, 1, 'IMPLICIT_PRECOMP_GEMM (tensor-op) for a 16-bit plan');
    assert.equal(fwd32, 0, 'IMPLICIT_GEMM for a float32 plan');
  });

  test(`${precision}: a layer's convolution calls round x, w, dy and w once each and reuse them from the workspace, with the bits of rounding every input at every call (emulated cuDNN)`, { skip }, () => {
    assertConvReuse(new CudaBackend(loaded.backend!.runtime, 'float32', { precision }), true);
  });

  test(`${precision}: Convolution and Deconvolution layers reuse their rounded inputs in backward, with the gradients of rounding every input (emulated cuDNN)`, { skip }, () => {
    assertLayersReuse(new CudaBackend(loaded.backend!.runtime, 'float32', { precision }));
  });
}
