/**
 * Winograd against im2col + GEMM on the native backend, layer by layer (native/kernels/winograd.cc).
 *   node dist/bench/conv-winograd.js [--quick] [--only lenet|cifar|googlenet|small]
 * For each convolution: forward, backward data and filter gradient, each the best of several calls
 * (bestSeconds), with CORTADO_WINOGRAD unset and then =0, alternated twice in this one process. The
 * ratio is Winograd's time over im2col's (below 1: Winograd is faster); about 1 where the layer does
 * not take Winograd for that pass (both times are im2col's). Set CORTADO_NUM_THREADS=1 for one core,
 * CORTADO_NATIVE_ISA=avx2|portable for the narrower kernels.
 */
import type { ConvGeom } from '../src/backend/backend.js';
import { NativeBackend } from '../src/node/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../src/node/backend/native/load.js';
import { Random } from '../src/core/random.js';
import { bestSeconds, convSizes, filledBuf } from './kernel-timing.js';

if (!loadNativeAddon()) {
  console.error(`conv-winograd: ${nativeLoadError()}`);
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

/** A stride-1 square convolution of batch num: channels x size x size to numOutput, r x r, padded by pad. */
function conv(num: number, channels: number, size: number, numOutput: number, r: number, pad: number): ConvGeom {
  const out = size + 2 * pad - r + 1;
  return {
    num, channels, height: size, width: size, numOutput, group: 1, kernelH: r, kernelW: r, strideH: 1, strideW: 1,
    padH: pad, padW: pad, dilationH: 1, dilationW: 1, outH: out, outW: out,
  };
}

const SETS: Record<string, [string, ConvGeom][]> = {
  lenet: [['LeNet conv2, batch 64', conv(64, 20, 12, 50, 5, 0)], ['LeNet conv2, batch 1', conv(1, 20, 12, 50, 5, 0)]],
  cifar: [
    ['CIFAR-10 full conv2, batch 100', conv(100, 32, 16, 32, 5, 2)],
    ['CIFAR-10 full conv3, batch 100', conv(100, 32, 8, 64, 5, 2)],
  ],
  googlenet: [
    ['GoogLeNet conv2 3x3, batch 16', conv(16, 64, 56, 192, 3, 1)],
    ['inception 3a 3x3', conv(16, 96, 28, 128, 3, 1)],
    ['inception 3b 3x3', conv(16, 128, 28, 192, 3, 1)],
    ['inception 3a 5x5', conv(16, 16, 28, 32, 5, 2)],
    ['inception 4a 3x3 (14 x 14)', conv(16, 96, 14, 208, 3, 1)],
    ['inception 4a 5x5 (14 x 14)', conv(16, 16, 14, 48, 5, 2)],
    ['inception 5a 3x3 (7 x 7)', conv(16, 160, 7, 320, 3, 1)],
    ['inception 5a 5x5 (7 x 7)', conv(16, 32, 7, 128, 5, 2)],
  ],
  small: [
    ['8 channels, 5x5, 12 x 12', conv(64, 8, 12, 8, 5, 0)],
    ['16 channels, 3x3, 16 x 16', conv(64, 16, 16, 16, 3, 1)],
    ['32 channels, 3x3, 32 x 32', conv(64, 32, 32, 32, 3, 1)],
  ],
};

const be = new NativeBackend('float32');
const rng = new Random(1);
console.log(`native backend: ${be.info.isa} kernels, ${be.info.threads} threads${quick ? ' (quick)' : ''}`);
console.log('layer                                  forward             backward data       filter gradient');
const saved = process.env.CORTADO_WINOGRAD;
for (const [set, layers] of Object.entries(SETS)) {
  if (only && only !== set) continue;
  for (const [name, g] of layers) {
    const { nx, nw, ny, flops } = convSizes(g);
    const x = filledBuf(be, rng, nx), w = filledBuf(be, rng, nw), dy = filledBuf(be, rng, ny);
    const y = be.alloc(ny), dx = be.alloc(nx), dw = be.alloc(nw), ws = be.alloc(be.convWorkspaceSize(g));
    const reps = Math.max(3, Math.min(quick ? 5 : 20, Math.round((quick ? 2e9 : 1e10) / flops)));
    const passes = [
      () => be.convForward(g, x, w, y, ws),
      () => be.convBackwardData(g, dy, w, dx, ws),
      () => be.convBackwardFilter(g, x, dy, dw, ws),
    ];
    const best = { wino: [Infinity, Infinity, Infinity], gemm: [Infinity, Infinity, Infinity] };
    for (let round = 0; round < 2; round++) {
      for (const mode of ['wino', 'gemm'] as const) {
        if (mode === 'wino') delete process.env.CORTADO_WINOGRAD;
        else process.env.CORTADO_WINOGRAD = '0';
        passes.forEach((f, i) => { best[mode][i] = Math.min(best[mode][i], bestSeconds(f, 2, reps)); });
      }
    }
    const cell = (i: number) => {
      const r = best.wino[i] / best.gemm[i];
      return `${r.toFixed(2)} (${(best.wino[i] * 1e3).toFixed(2)}/${(best.gemm[i] * 1e3).toFixed(2)})`.padEnd(20);
    };
    console.log(`${name.padEnd(38)} ${cell(0)}${cell(1)}${cell(2)}`);
  }
}
if (saved === undefined) delete process.env.CORTADO_WINOGRAD;
else process.env.CORTADO_WINOGRAD = saved;
console.log('Winograd time / im2col time, ms in parentheses (best of the calls, two alternations)');
