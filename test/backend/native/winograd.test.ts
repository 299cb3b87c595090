/**
 * Native Winograd convolution (native/kernels/winograd.cc: F(4x4, 5x5) and F(6x6, 3x3)) against
 * JsBackend('float64') and against the same backend's im2col + GEMM (CORTADO_WINOGRAD=0), on the
 * layers that take it: LeNet's conv2, CIFAR-10's conv2 and conv3, a GoogLeNet-like 3 x 3 layer,
 * outputs that end mid-tile, padding up to r - 1, groups, tiles of one panel spread over several
 * images, more input channels than one k block (KC = 256) and more output channels than one pass;
 * forward, backward data and the filter gradient (accumulated into dw).
 *
 * Winograd's sums differ from im2col's: the check is relative to the output's largest magnitude
 * (1e-4 of it, where its error is about 1e-5), not per element. The WebAssembly builds
 * (test/backend/wasm/kernels.test.ts runs this file on each) have no switch: there only the check
 * against float64 runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConvGeom } from '../../../src/backend/backend.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { buf, convGeom, pair, read, skipReason, values } from './util.js';

const switchable = !process.env.CORTADO_CPU_UNDER_TEST?.startsWith('wasm');

/** A stride-1 square-kernel geometry (kernelW = kernelH unless given). */
const conv = (p: Parameters<typeof convGeom>[0] & Pick<ConvGeom, 'kernelH'>): ConvGeom => convGeom({ kernelW: p.kernelH, ...p });

// [name, geometry, whether the filter gradient runs Winograd too (128 tiles or more)]
const CASES: [string, ConvGeom, boolean][] = [
  ['LeNet conv2', conv({ num: 32, channels: 20, height: 12, width: 12, numOutput: 50, kernelH: 5 }), true],
  ['CIFAR-10 conv2', conv({ num: 8, channels: 32, height: 16, width: 16, numOutput: 32, kernelH: 5, padH: 2, padW: 2 }), true],
  ['CIFAR-10 conv3', conv({ num: 32, channels: 32, height: 8, width: 8, numOutput: 64, kernelH: 5, padH: 2, padW: 2 }), true],
  ['3 x 3, pad 1, output ends mid-tile', conv({ num: 6, channels: 32, height: 28, width: 28, numOutput: 40, kernelH: 3, padH: 1, padW: 1 }), true],
  ['odd planes, uneven padding', conv({ num: 8, channels: 12, height: 13, width: 19, numOutput: 17, kernelH: 5, padH: 1, padW: 4 }), true],
  ['tiles of a panel over many images', conv({ num: 37, channels: 9, height: 8, width: 9, numOutput: 11, kernelH: 5, padH: 2, padW: 2 }), true],
  ['groups', conv({ num: 15, channels: 32, height: 10, width: 11, numOutput: 48, kernelH: 5, padH: 2, padW: 2, group: 2 }), true],
  ['more input channels than a k block', conv({ num: 8, channels: 300, height: 8, width: 8, numOutput: 20, kernelH: 5, padH: 2, padW: 2 }), false],
  ['more output channels than a pass', conv({ num: 4, channels: 16, height: 12, width: 12, numOutput: 200, kernelH: 5, padH: 2, padW: 2 }), false],
];

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** The largest |actual - expected| over the largest |expected|. */
function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let e = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e / maxAbs(expected);
}

test('native Winograd convolution matches float64 and im2col', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const ref = new JsBackend('float64');
  const saved = process.env.CORTADO_WINOGRAD;
  try {
    let seed = 700;
    for (const [name, g, filter] of CASES) {
      const nx = g.num * g.channels * g.height * g.width;
      const nw = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
      const ny = g.num * g.numOutput * g.outH * g.outW;
      const X = values(nx, ++seed), Wt = values(nw, ++seed), DY = values(ny, ++seed), DW = values(nw, ++seed);
      const run = (b: typeof native | JsBackend) => {
        const ws = b.alloc(b.convWorkspaceSize(g));
        const y = buf(b, new Float32Array(ny).fill(NaN)), dx = buf(b, new Float32Array(nx).fill(NaN));
        const x = buf(b, X), w = buf(b, Wt), dy = buf(b, DY), dw = buf(b, DW);
        b.convForward(g, x, w, y, ws);
        b.convBackwardData(g, dy, w, dx, ws);
        b.convBackwardFilter(g, x, dy, dw, ws);
        return { y: read(b, y), dx: read(b, dx), dw: read(b, dw) };
      };
      const want = run(ref);
      delete process.env.CORTADO_WINOGRAD;
      const wino = run(native);
      process.env.CORTADO_WINOGRAD = '0';
      const gemm = switchable ? run(native) : null;
      for (const part of ['y', 'dx', 'dw'] as const) {
        const what = `${name}: ${part === 'y' ? 'forward' : part === 'dx' ? 'backward data' : 'backward filter (accumulated)'}`;
        const ew = relErr(wino[part], want[part]);
        assert.ok(ew <= 1e-4, `${what}: Winograd's error is ${ew.toExponential(2)} of the largest output (at most 1e-4)`);
        if (!gemm) continue;
        const eg = relErr(gemm[part], want[part]);
        assert.ok(eg <= 1e-5, `${what}: im2col's error is ${eg.toExponential(2)} of the largest output (at most 1e-5)`);
        // The two paths round differently: equal outputs would mean Winograd did not run.
        if (part !== 'dw' || filter) assert.ok(relErr(wino[part], gemm[part]) > 0, `${what}: Winograd and im2col gave identical outputs`);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.CORTADO_WINOGRAD;
    else process.env.CORTADO_WINOGRAD = saved;
  }
});
