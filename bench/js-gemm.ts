/**
 * Speed of the TypeScript backend's GEMM and convolution, float32.
 *   node dist/bench/js-gemm.js [--quick]
 * Prints GFLOP/s of square GEMM (128, 512; all four transpose cases at 512) and the time of one
 * convolution forward / backward of LeNet's conv2 (batch 64, 20 -> 50 channels, 12×12, 5×5).
 */
import { JsBackend } from '../src/backend/js/js-backend.js';
import type { Buf } from '../src/backend/backend.js';
import { Random } from '../src/core/random.js';
import { LENET_CONVS, convSizes, filledBuf } from './kernel-timing.js';

const quick = process.argv.includes('--quick');
const be = new JsBackend('float32');
const rng = new Random(1);

const filled = (n: number): Buf => filledBuf(be, rng, n);

/**
 * Seconds per call, the best of `reps` timed calls after `warm` untimed ones: wall clock, and the
 * process's user CPU time (steadier when other processes share the cores).
 */
function time(fn: () => void, warm: number, reps: number): { wall: number; cpu: number } {
  for (let i = 0; i < warm; i++) fn();
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    fn();
    cpu = Math.min(cpu, process.cpuUsage(c0).user / 1e6);
    wall = Math.min(wall, (performance.now() - t0) / 1000);
  }
  return { wall, cpu };
}

function report(what: string, flops: number, t: { wall: number; cpu: number }): void {
  const gf = (s: number) => (flops / s / 1e9).toFixed(2);
  console.log(`${what}: ${(t.wall * 1e3).toFixed(2)} ms, ${gf(t.wall)} GFLOP/s (CPU time ${(t.cpu * 1e3).toFixed(2)} ms, ${gf(t.cpu)} GFLOP/s)`);
}

for (const n of [128, 512]) {
  const A = filled(n * n), B = filled(n * n), C = be.alloc(n * n);
  const cases: [boolean, boolean][] = n === 512 && !quick ? [[false, false], [false, true], [true, false], [true, true]] : [[false, false]];
  for (const [tA, tB] of cases) {
    const reps = n === 128 ? 50 : quick ? 3 : 5;
    const t = time(() => be.gemm(tA, tB, n, n, n, 1, A, B, 0, C), reps, reps);
    report(`gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${n}x${n}x${n}`, 2 * n ** 3, t);
  }
}

const g = LENET_CONVS.find((c) => c.name === 'conv2')!.g;
const { nx, nw, ny, flops } = convSizes(g);
const x = filled(nx), w = filled(nw), dy = filled(ny);
const y = be.alloc(ny), dx = be.alloc(nx), dw = be.alloc(nw);
const ws = be.alloc(be.convWorkspaceSize(g));
const reps = quick ? 3 : 10;
const fwd = time(() => be.convForward(g, x, w, y, ws), 3, reps);
const bwdData = time(() => be.convBackwardData(g, dy, w, dx, ws), 3, reps);
const bwdFilter = time(() => be.convBackwardFilter(g, x, dy, dw, ws), 3, reps);
report('conv2 forward        ', flops, fwd);
report('conv2 backward data  ', flops, bwdData);
report('conv2 backward filter', flops, bwdFilter);
report('conv2 fwd + bwd      ', 3 * flops, {
  wall: fwd.wall + bwdData.wall + bwdFilter.wall, cpu: fwd.cpu + bwdData.cpu + bwdFilter.cpu,
});
