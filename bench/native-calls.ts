/**
 * Cost of one call into the native addon, where the kernel itself does almost nothing: the
 * argument reading and checking of the Node-API entry points, and the NativeBackend method on top.
 *   node dist/bench/native-calls.js [--calls 1000000]
 * Prints nanoseconds per call for a few entry points on 4-element buffers, each the best of 5
 * repetitions of `--calls` calls (a busy machine only makes calls slower). Compare two builds by
 * running each one's copy of this script in turn.
 */
import { NativeBackend } from '../src/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../src/backend/native/load.js';

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

/** Best nanoseconds per call of `fn` over 5 repetitions of `calls` calls. */
function nsPerCall(fn: () => void): number {
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / calls);
  }
  return best;
}

const rows: [string, () => void][] = [
  ['addon.axpy', () => addon.axpy(4, 1e-9, x, y)],
  ['addon.dot', () => { addon.dot(4, x, y); }],
  ['addon.gemm 2x2x2', () => addon.gemm(false, true, 2, 2, 2, 1, x, y, 0, z)],
  ['backend.axpy', () => be.axpy(4, 1e-9, x, y)],
  ['backend.add', () => be.add(4, x, y, z)],
  ['backend.neuronForward', () => be.neuronForward('relu', 4, x, z, 0)],
  ['backend.softmaxForward', () => be.softmaxForward(g, x, z)],
];
for (const [what, fn] of rows) console.log(`${what.padEnd(24)} ${nsPerCall(fn).toFixed(1).padStart(7)} ns/call`);
