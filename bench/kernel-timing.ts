/**
 * What the kernel benchmarks (js-gemm.ts, native-gemm.ts, wasm-gemm.ts) share: buffers of random
 * values, the best-of-n timing, and LeNet's two convolutions with their sizes.
 */
import type { Backend, Buf, ConvGeom } from '../src/backend/backend.js';
import type { Random } from '../src/core/random.js';

/** A buffer of `n` values uniform in [-1, 1) on `be`. */
export function filledBuf(be: Backend, rng: Random, n: number): Buf {
  const b = be.alloc(n);
  const host = new Float32Array(n);
  rng.fillUniform(host, -1, 1);
  be.upload(b, host);
  return b;
}

/**
 * Seconds per call: the best of `reps` timed calls after `warm` untimed ones (a busy machine only
 * makes calls slower, so the best is the least disturbed).
 */
export function bestSeconds(fn: () => void, warm: number, reps: number): number {
  for (let i = 0; i < warm; i++) fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const LENET_CONV = { num: 64, group: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, kernelH: 5, kernelW: 5 };

/** LeNet's convolutions at batch 64; conv1's input is the data, so it has no backward data. */
export const LENET_CONVS: { name: string; g: ConvGeom; backwardData: boolean }[] = [
  { name: 'conv1', g: { ...LENET_CONV, channels: 1, height: 28, width: 28, numOutput: 20, outH: 24, outW: 24 }, backwardData: false },
  { name: 'conv2', g: { ...LENET_CONV, channels: 20, height: 12, width: 12, numOutput: 50, outH: 8, outW: 8 }, backwardData: true },
];

/**
 * The convolutions the kernel benchmarks time: LeNet's two, and CIFAR-10's first (3 channels,
 * padded; the direct backward-filter path's other common shape).
 */
export const BENCH_CONVS: { name: string; g: ConvGeom; backwardData: boolean }[] = [
  ...LENET_CONVS,
  {
    name: 'cifar10 conv1',
    g: { ...LENET_CONV, channels: 3, height: 32, width: 32, numOutput: 32, padH: 2, padW: 2, outH: 32, outW: 32 },
    backwardData: false,
  },
];

/** Element counts of a convolution's input, weights and output, and the flops of one pass. */
export function convSizes(g: ConvGeom): { nx: number; nw: number; ny: number; flops: number } {
  const nx = g.num * g.channels * g.height * g.width;
  const nw = g.numOutput * (g.channels / g.group) * g.kernelH * g.kernelW;
  const ny = g.num * g.numOutput * g.outH * g.outW;
  return { nx, nw, ny, flops: 2 * ny * (nw / g.numOutput) };
}
