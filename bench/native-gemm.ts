/**
 * Speed of the native backend's SGEMM and of LeNet's and CIFAR-10's first convolutions, float32.
 *   node dist/bench/native-gemm.js [--quick]
 * Prints GFLOP/s of square SGEMM (C = A B, 2 n³ flops) at n = 128, 512, 2048 and all four
 * transpose cases at 512, then the time of LeNet's conv1 and conv2 and CIFAR-10's conv1 forward, backward
 * data (where the layer has it) and backward filter at batch 64. Each figure is the best wall-clock time of several calls after
 * warm-up (a busy machine only makes calls slower, so the best is the least disturbed).
 * Set CORTADO_NUM_THREADS=1 for one core, CORTADO_NATIVE_ISA=avx2|portable for the narrower kernels.
 */
import type { Buf, ConvGeom } from '../src/backend/backend.js';
import { NativeBackend } from '../src/node/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../src/node/backend/native/load.js';
import { Random } from '../src/core/random.js';
import { BENCH_CONVS, bestSeconds, convSizes, filledBuf } from './kernel-timing.js';

if (!loadNativeAddon()) {
  console.error(`native-gemm: ${nativeLoadError()}`);
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const be = new NativeBackend('float32');
const rng = new Random(1);
console.log(`native backend: ${be.info.isa} kernels, ${be.info.threads} threads${quick ? ' (quick)' : ''}`);

const filled = (n: number): Buf => filledBuf(be, rng, n);
const time = bestSeconds;

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
  const { nx, nw, ny, flops } = convSizes(g);
  const x = filled(nx), w = filled(nw), dy = filled(ny);
  const y = be.alloc(ny), dx = be.alloc(nx), dw = be.alloc(nw), ws = be.alloc(be.convWorkspaceSize(g));
  const reps = quick ? 10 : 50;
  report(`${name} forward`, flops, time(() => be.convForward(g, x, w, y, ws), 5, reps));
  if (backwardData) report(`${name} backward data`, flops, time(() => be.convBackwardData(g, dy, w, dx, ws), 5, reps));
  report(`${name} backward filter`, flops, time(() => be.convBackwardFilter(g, x, dy, dw, ws), 5, reps));
}

for (const { name, g, backwardData } of BENCH_CONVS) conv(name, g, backwardData);
