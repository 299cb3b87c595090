/**
 * Speed of the native backend's SGEMM and of LeNet's convolutions, float32.
 *   node dist/bench/native-gemm.js [--quick]
 * Prints GFLOP/s of square SGEMM (C = A B, 2 n³ flops) at n = 128, 512, 2048 and all four
 * transpose cases at 512, then the time of LeNet's conv1 and conv2 forward, backward data and
 * backward filter at batch 64. Each figure is the best wall-clock time of several calls after
 * warm-up (a busy machine only makes calls slower, so the best is the least disturbed).
 * Set CORTADO_NUM_THREADS=1 for one core, CORTADO_NATIVE_ISA=avx2|portable for the narrower kernels.
 */
import type { Buf, ConvGeom } from '../src/backend/backend.js';
import { NativeBackend } from '../src/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../src/backend/native/load.js';
import { Random } from '../src/core/random.js';

if (!loadNativeAddon()) {
  console.error(`native-gemm: ${nativeLoadError()}`);
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const be = new NativeBackend('float32');
const rng = new Random(1);
console.log(`native backend: ${be.info.isa} kernels, ${be.info.threads} threads${quick ? ' (quick)' : ''}`);

function filled(n: number): Buf {
  const b = be.alloc(n);
  const host = new Float32Array(n);
  rng.fillUniform(host, -1, 1);
  be.upload(b, host);
  return b;
}

/** Seconds per call: the best of `reps` timed calls after `warm` untimed ones. */
function time(fn: () => void, warm: number, reps: number): number {
  for (let i = 0; i < warm; i++) fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function report(what: string, flops: number, seconds: number): void {
  console.log(`${what.padEnd(22)} ${(seconds * 1e3).toFixed(3).padStart(8)} ms  ${(flops / seconds / 1e9).toFixed(1).padStart(6)} GFLOP/s`);
}

for (const n of [128, 512, 2048]) {
  const A = filled(n * n), B = filled(n * n), C = be.alloc(n * n);
  const cases: [boolean, boolean][] = n === 512 ? [[false, false], [true, false], [false, true], [true, true]] : [[false, false]];
  // About a quarter of a second of calls per case (less with --quick).
  const reps = Math.max(3, Math.round((quick ? 2e10 : 8e10) / (2 * n ** 3) / 50));
  for (const [tA, tB] of cases) {
    const t = time(() => be.gemm(tA, tB, n, n, n, 1, A, B, 0, C), Math.min(reps, 10), reps);
    report(`sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${n}`, 2 * n ** 3, t);
  }
  for (const b of [A, B, C]) be.free(b);
}

function conv(name: string, g: ConvGeom, backwardData: boolean): void {
  console.log(`${name}: batch ${g.num}, ${g.channels}x${g.height}x${g.width} -> ${g.numOutput}x${g.outH}x${g.outW}, ${g.kernelH}x${g.kernelW} kernel`);
  const nx = g.num * g.channels * g.height * g.width;
  const nw = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
  const ny = g.num * g.numOutput * g.outH * g.outW;
  const x = filled(nx), w = filled(nw), dy = filled(ny);
  const y = be.alloc(ny), dx = be.alloc(nx), dw = be.alloc(nw), ws = be.alloc(be.convWorkspaceSize(g));
  const flops = 2 * ny * (nw / g.numOutput);
  const reps = quick ? 10 : 50;
  report(`${name} forward`, flops, time(() => be.convForward(g, x, w, y, ws), 5, reps));
  if (backwardData) report(`${name} backward data`, flops, time(() => be.convBackwardData(g, dy, w, dx, ws), 5, reps));
  report(`${name} backward filter`, flops, time(() => be.convBackwardFilter(g, x, dy, dw, ws), 5, reps));
}

const lenet = { num: 64, group: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, kernelH: 5, kernelW: 5 };
// conv1's input is the data: LeNet never propagates to it, so no backward data.
conv('conv1', { ...lenet, channels: 1, height: 28, width: 28, numOutput: 20, outH: 24, outW: 24 }, false);
conv('conv2', { ...lenet, channels: 20, height: 12, width: 12, numOutput: 50, outH: 8, outW: 8 }, true);
