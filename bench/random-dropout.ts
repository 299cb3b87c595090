/**
 * What the random numbers of Dropout cost: `randomUniform` per backend on 2^20 values, and the
 * dropout MLP of examples/mnist-mlp (three Dropout layers, batch 100, synthetic images) trained on
 * the native backend with the native randomUniform and with the TypeScript one, the two
 * alternating in one process so that the host's drift falls on both.
 *   node dist/bench/random-dropout.js [--rounds 10] [--steps 40]
 * Prints ms per fill, iterations/s per round and the ratio of each round (native / TypeScript).
 */
import { JsBackend } from '../src/backend/js/js-backend.js';
import { WasmBackend } from '../src/backend/wasm/wasm-backend.js';
import type { Backend } from '../src/backend/backend.js';
import { NativeBackend } from '../src/node/backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../src/node/backend/native/load.js';
import { loadWasmSync } from '../src/node/wasm.js';
import { Net } from '../src/net.js';
import { Solver } from '../src/solver/solver.js';
import { mlp, mlpSolver } from '../examples/mnist-mlp/net.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('--rounds', 10), steps = arg('--steps', 40);
if (!loadNativeAddon()) throw new Error(`random-dropout needs the native addon: ${nativeLoadError()}`);

const fills: [string, Backend][] = [['js', new JsBackend('float32')], ['native', new NativeBackend('float32')]];
if (loadWasmSync()) fills.push(['wasm', new WasmBackend('float32', { memoryMiB: 64 })]);
const n = 1 << 20;
for (const [name, b] of fills) {
  const y = b.alloc(n);
  b.randomUniform(n, 0, y);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let k = 0; k < 10; k++) b.randomUniform(n, k, y);
    best = Math.min(best, (performance.now() - t) / 10);
  }
  console.log(`randomUniform of 2^20 on ${name}: ${best.toFixed(2)} ms (best of 5)`);
}

const count = 2000;
const images = new Float32Array(count * 784).map((_, i) => ((i * 7919) % 256) / 255);
const labels = new Float32Array(count).map((_, i) => i % 10);
const backend = new NativeBackend('float32');
const net = new Net(mlp({ train: { images, labels, count } }), { backend, phase: 'train', seed: 1 });
const solver = new Solver(net, mlpSolver(1e9));
const fillers = { native: backend.randomUniform, typescript: JsBackend.prototype.randomUniform };
for (let k = 0; k < 10; k++) solver.step();
const rates: Record<keyof typeof fillers, number[]> = { native: [], typescript: [] };
for (let r = 0; r < rounds; r++) {
  for (const which of (r % 2 ? ['typescript', 'native'] : ['native', 'typescript']) as (keyof typeof fillers)[]) {
    backend.randomUniform = fillers[which];
    const t = performance.now();
    for (let k = 0; k < steps; k++) solver.step();
    rates[which].push(steps / ((performance.now() - t) / 1000));
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const k of ['native', 'typescript'] as const) {
  console.log(`dropout MLP, ${k} randomUniform: ${rates[k].map((v) => v.toFixed(1)).join(' ')} it/s (median ${median(rates[k]).toFixed(1)})`);
}
const ratios = rates.native.map((v, i) => v / rates.typescript[i]);
console.log(`native / typescript per round: ${ratios.map((v) => v.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`);
