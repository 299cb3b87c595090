/**
 * Pooling's kernels on one backend: poolForward and poolBackward on the windows of GoogLeNet and
 * CIFAR-10 (3 × 3 at strides 1 and 2, max and mean) and LeNet's 2 × 2, timed as the mean of
 * --calls calls after 10 untimed ones, best of --rounds.
 *   node dist/bench/pooling.js [--backend native] [--calls 100] [--rounds 3] [--only N,C,H,W,k,s,pad,max|mean]
 * CORTADO_NUM_THREADS=1 before it times one thread. Prints ms a call and ns an output (forward)
 * or an input (backward).
 */
import type { PoolGeom, PoolMethod } from '../src/backend/backend.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { Random } from '../src/core/random.js';
import { pooledSize } from '../src/layers/pooling.js';
import { filledBuf } from './kernel-timing.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const backend = createBackend(arg('--backend', 'native') as BackendName);
const calls = Number(arg('--calls', '100')), rounds = Number(arg('--rounds', '3'));
const geometries = arg('--only', [
  '1,64,112,112,3,1,1,max', '1,64,112,112,3,1,1,mean', '8,64,112,112,3,2,0,max', '8,512,14,14,3,1,1,max',
  '100,32,32,32,3,2,0,max', '100,32,16,16,3,2,0,mean', '64,20,24,24,2,2,0,max',
].join(' ')).split(' ');

const rng = new Random(1);
console.log(`pooling on ${backend.name}, ${process.env.CORTADO_NUM_THREADS ?? 'default'} threads; mean of ${calls} calls, best of ${rounds}`);
for (const spec of geometries) {
  const f = spec.split(',');
  const [num, channels, height, width, k, s, pad] = f.slice(0, 7).map(Number) as [number, number, number, number, number, number, number];
  const method = f[7] as PoolMethod;
  const g: PoolGeom = { num, channels, height, width, kernelH: k, kernelW: k, strideH: s, strideW: s, padH: pad, padW: pad, outH: pooledSize(height, k, s, pad), outW: pooledSize(width, k, s, pad) };
  const nIn = num * channels * height * width, nOut = num * channels * g.outH * g.outW;
  const x = filledBuf(backend, rng, nIn), dy = filledBuf(backend, rng, nOut);
  const y = backend.alloc(nOut), mask = backend.alloc(nOut), dx = backend.alloc(nIn);
  const time = (fn: () => void) => {
    for (let i = 0; i < 10; i++) fn();
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      for (let i = 0; i < calls; i++) fn();
      backend.synchronize();
      best = Math.min(best, (performance.now() - t) / calls);
    }
    return best;
  };
  const fwd = time(() => backend.poolForward(g, method, x, y, mask));
  const bwd = time(() => backend.poolBackward(g, method, dy, mask, dx));
  console.log(`${spec.padEnd(26)} forward ${fwd.toFixed(3)} ms (${((fwd * 1e6) / nOut).toFixed(2)} ns an output), backward ${bwd.toFixed(3)} ms (${((bwd * 1e6) / nIn).toFixed(2)} ns an input)`);
  for (const b of [x, dy, y, mask, dx]) backend.free(b);
}
