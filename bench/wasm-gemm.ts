/**
 * Speed of the wasm backend's SGEMM and of LeNet's and CIFAR-10's first convolutions, float32, on one thread and on
 * all threads (one per core, or --threads N), side by side.
 *   node dist/bench/wasm-gemm.js [--quick] [--threads N]
 * Prints GFLOP/s of square SGEMM (C = A B, 2 n³ flops) at n = 128, 512, 1024 and all four
 * transpose cases at 512, then LeNet's conv1 and conv2 and CIFAR-10's conv1 forward, backward data
 * (where the layer has it) and backward filter at batch 64. Each figure is the best wall-clock time of several calls after warm-up (a
 * busy machine only makes calls slower, so the best is the least disturbed).
 */
import os from 'node:os';
import type { Buf, ConvGeom } from '../src/backend/backend.js';
import { WasmBackend } from '../src/backend/wasm/wasm-backend.js';
import { loadWasmSync, wasmLoadError, wasmThreadsLoadError } from '../src/node/wasm.js';
import { Random } from '../src/core/random.js';
import { BENCH_CONVS, bestSeconds, convSizes, filledBuf } from './kernel-timing.js';

if (!loadWasmSync()) {
  console.error(`wasm-gemm: ${wasmLoadError()}`);
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const at = process.argv.indexOf('--threads');
const many = at >= 0 ? Number(process.argv[at + 1]) : os.availableParallelism();
const one = new WasmBackend('float32', { memoryMiB: 256 });
const all = new WasmBackend('float32', { memoryMiB: 256, threads: many });
if (all.threads !== many) console.log(`(${all.threadsNote ?? wasmThreadsLoadError()})`);
await all.ready();
const backends = [one, all];
console.log(`wasm backend: ${one.simd} build, 1 thread and ${all.threads} threads${quick ? ' (quick)' : ''}`);
const rng = new Random(1);

const filled = (be: WasmBackend, n: number): Buf => filledBuf(be, rng, n);
const time = bestSeconds;

/** One line: the time and GFLOP/s on each backend, and the speed-up of the threaded one. */
function report(what: string, flops: number, seconds: number[]): void {
  const cells = seconds.map((s) => `${(s * 1e3).toFixed(3).padStart(8)} ms ${(flops / s / 1e9).toFixed(1).padStart(6)} GFLOP/s`);
  console.log(`${what.padEnd(22)} ${cells.join('   ')}   x${(seconds[0] / seconds[1]).toFixed(2)}`);
}
console.log(`${''.padEnd(22)} ${'1 thread'.padEnd(27)}    ${all.threads} threads`);

for (const n of [128, 512, 1024]) {
  const cases: [boolean, boolean][] = n === 512 ? [[false, false], [true, false], [false, true], [true, true]] : [[false, false]];
  const reps = Math.max(3, Math.round((quick ? 1e10 : 4e10) / (2 * n ** 3) / 50));
  for (const [tA, tB] of cases) {
    const seconds = backends.map((be) => {
      const A = filled(be, n * n), B = filled(be, n * n), C = be.alloc(n * n);
      const t = time(() => be.gemm(tA, tB, n, n, n, 1, A, B, 0, C), Math.min(reps, 5), reps);
      for (const b of [A, B, C]) be.free(b);
      return t;
    });
    report(`sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${n}`, 2 * n ** 3, seconds);
  }
}

function conv(name: string, g: ConvGeom, backwardData: boolean): void {
  const { nx, nw, ny, flops } = convSizes(g);
  const reps = quick ? 10 : 40;
  type Run = [string, (be: WasmBackend, x: Buf, w: Buf, y: Buf, dx: Buf, dw: Buf) => void];
  // The wasm backend needs no workspace: y stands in for it.
  const runs: Run[] = [['forward', (be, x, w, y) => be.convForward(g, x, w, y, y)]];
  if (backwardData) runs.push(['backward data', (be, x, w, y, dx) => be.convBackwardData(g, y, w, dx, y)]);
  runs.push(['backward filter', (be, x, w, y, dx, dw) => be.convBackwardFilter(g, x, y, dw, y)]);
  for (const [what, fn] of runs) {
    const seconds = backends.map((be) => {
      const x = filled(be, nx), w = filled(be, nw), y = filled(be, ny), dx = be.alloc(nx), dw = be.alloc(nw);
      const t = time(() => fn(be, x, w, y, dx, dw), 3, reps);
      for (const b of [x, w, y, dx, dw]) be.free(b);
      return t;
    });
    report(`${name} ${what}`, flops, seconds);
  }
}

for (const { name, g, backwardData } of BENCH_CONVS) conv(name, g, backwardData);
all.dispose();
