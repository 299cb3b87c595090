/**
 * Cost of one call into the native addon, where the kernel itself does almost nothing: the
 * argument reading and checking of the Node-API entry points, and the NativeBackend method on top.
 *   node dist/bench/native-calls.js [--calls 1000000]
 *   node dist/bench/native-calls.js --against OTHER/cortado.node
 *   valgrind --tool=callgrind node dist/bench/native-calls.js --only addon.axpy --calls 100000
 * Prints nanoseconds per call for a few entry points on 4-element buffers, each the best of 5
 * repetitions of `--calls` calls (a busy machine only makes calls slower). With --against, the
 * addon rows also run on another build of the addon loaded into the same process, repetitions
 * alternating between the two, and print the ratio (this build / the other). On a busy machine the
 * instructions an entry point runs (callgrind's inclusive count of its function, over the 5 x
 * `--calls` calls of one `--only` row) compare two builds more steadily than time does.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { NativeBackend } from '../src/node/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError, type NativeAddon } from '../src/node/backend/native/load.js';

const addon = loadNativeAddon();
if (!addon) {
  console.error(`native-calls: ${nativeLoadError()}`);
  process.exit(1);
}
const at = process.argv.indexOf('--calls');
const calls = at > 0 ? Number(process.argv[at + 1]) : 1_000_000;
const be = new NativeBackend('float32');
const x = be.fromHost(Float32Array.from([1, 2, 3, 4])) as Float32Array;
const y = be.alloc(4) as Float32Array;
const z = be.alloc(4) as Float32Array;
const g = { outer: 1, classes: 4, inner: 1 };
// A 1x1 convolution of one 2x2 image, one channel in and out (CONV_FIELDS order).
const conv = Int32Array.of(1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 2, 2);

const against = process.argv.indexOf('--against');
const other = against > 0 ? createRequire(import.meta.url)(resolve(process.argv[against + 1])) as NativeAddon : null;

/** Nanoseconds per call of each function, the best of 5 repetitions of `calls` calls, repetitions alternating between them. */
function nsPerCall(...fns: (() => void)[]): number[] {
  const best = fns.map(() => Infinity);
  for (let rep = 0; rep < 5; rep++) {
    fns.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) fn();
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t0) / calls);
    });
  }
  return best;
}

const addonRows: [string, (a: NativeAddon) => void][] = [
  ['addon.axpy', (a) => a.axpy(4, 1e-9, x, y)],
  ['addon.dot', (a) => { a.dot(4, x, y); }],
  ['addon.gemm 2x2x2', (a) => a.gemm(false, true, 2, 2, 2, 1, x, y, 0, z)],
  ['addon.softmaxForward', (a) => a.softmaxForward(1, 4, 1, x, z)],
  ['addon.convForward 1x1', (a) => a.convForward(conv, x, y, z)],
];
const backendRows: [string, () => void][] = [
  ['backend.axpy', () => be.axpy(4, 1e-9, x, y)],
  ['backend.add', () => be.add(4, x, y, z)],
  ['backend.neuronForward', () => be.neuronForward('relu', 4, x, z, 0)],
  ['backend.softmaxForward', () => be.softmaxForward(g, x, z)],
];
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : null;
const ns = (v: number): string => `${v.toFixed(1).padStart(7)} ns/call`;
for (const [what, fn] of addonRows) {
  if (only !== null && what !== only) continue;
  if (!other) {
    console.log(`${what.padEnd(24)} ${ns(nsPerCall(() => fn(addon))[0])}`);
    continue;
  }
  const [mine, theirs] = nsPerCall(() => fn(addon), () => fn(other));
  console.log(`${what.padEnd(24)} ${ns(mine)}   other ${ns(theirs)}   ratio ${(mine / theirs).toFixed(3)}`);
}
for (const [what, fn] of backendRows) if (only === null || what === only) console.log(`${what.padEnd(24)} ${ns(nsPerCall(fn)[0])}`);
