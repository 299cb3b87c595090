/**
 * Cortado's side of `npm run bench`, one backend per process (--backend js|native|wasm|cuda).
 *
 * --mode speed (default): LeNet training images/s (Solver.step at batch 64: SGD, momentum 0.9,
 * lr 0.01 with the 'inv' policy, weight decay 5e-4, fed by a MemoryData layer over random
 * images), inference images/s (a test-phase net's forward at batch 64), latency at batch 1, and
 * SGEMM GFLOP/s through Backend.gemm (C = A B, n x n, 2 n^3 flops).
 *
 * --mode memory: one training run of 10,000 iterations past 20 of warm-up (fewer when slow: about
 * 2 minutes; 100 with --quick); RSS and V8 heap sampled (after a full GC) at eleven points over
 * the last nine tenths of it (a full GC and the first tenth settle first: see memory()), peak
 * RSS from the OS. `grows` is true when RSS or heap at the end exceeds the first
 * sample by more than max(4 MiB, 5 %): a leak of one buffer per iteration shows within a few
 * hundred iterations. Run it with `node --expose-gc` (bench/run.ts does).
 *
 * Flags: --quick, --batch N (default 64), --gemm 128,512,2048, --iters N and --warmup N (memory
 * mode: the iterations in all, without the time cap, and those before the first sample),
 * --threads N (wasm: threads of the WasmBackend, default 1; the native backend's count is set by
 * CORTADO_NUM_THREADS).
 */
import { readFileSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.js';
import type { CudaBackend } from '../src/node/backend/cuda/cuda-backend.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { lenet, syntheticMnist } from '../examples/mnist/lenet.js';
import { childArgs, emit, measure, protocol } from './measure.js';

const args = childArgs();
const p = protocol(args.quick);
const backendName = args.get('backend', 'js') as BackendName;
const mode = args.get('mode', 'speed');
if (mode !== 'speed' && mode !== 'memory') throw new Error(`cortado-lenet: --mode must be speed or memory, found "${mode}"`);
const batch = Number(args.get('batch', '64'));
const threads = Number(args.get('threads', '1'));
const backend = createBackend(backendName, 'float32', { threads });
// A threaded wasm backend's workers start asynchronously: measure with all of them running.
await (backend as { ready?: () => Promise<void> }).ready?.();
const seed = 1;

function trainer(b: Backend): { net: Net; solver: Solver } {
  const net = new Net(lenet({ batchSize: batch }), { backend: b, phase: 'train', seed });
  const solver = new Solver(net, {
    baseLr: 0.01,
    momentum: 0.9,
    weightDecay: 5e-4,
    lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 },
    maxIter: 2 ** 31 - 1, // the largest the solver accepts: never reached here
  });
  return { net, solver };
}

function tester(b: Backend, n: number): Net {
  const layers = lenet({ batchSize: n, test: syntheticMnist(Math.max(n, 64), 2), testBatchSize: n });
  return new Net(layers, { backend: b, phase: 'test', seed });
}

function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function speed(): Promise<Record<string, unknown>> {
  const { net, solver } = trainer(backend);
  const train = await measure(() => {
    solver.step();
    backend.synchronize();
  }, batch, p);
  const loss = solver.loss;
  if (!Number.isFinite(loss)) throw new Error(`cortado-lenet (${backend.name}): training loss is ${loss} after ${solver.iter} iterations`);
  net.destroy();

  const inferOne = (n: Net) => () => {
    n.forward();
    backend.synchronize();
  };
  const big = tester(backend, batch);
  const infer = await measure(inferOne(big), batch, p);
  big.destroy();
  const small = tester(backend, 1);
  const single = await measure(inferOne(small), 1, p);
  small.destroy();

  const gemm: Record<string, number> = {};
  for (const n of args.get('gemm', '128,512,2048').split(',').filter(Boolean).map(Number)) {
    const [a, b, c] = [n * n, n * n, n * n].map((len) => backend.alloc(len));
    const host = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000);
    backend.upload(a, host);
    backend.upload(b, host);
    const r = await measure(() => {
      backend.gemm(false, false, n, n, n, 1, a, b, 0, c);
      backend.synchronize();
    }, 2 * n ** 3, p);
    gemm[n] = r.perSecond / 1e9;
    for (const buf of [a, b, c]) backend.free(buf);
  }

  return {
    trainIps: train.perSecond,
    trainItersPerRep: train.steps,
    trainReps: train.reps,
    finalLoss: loss,
    inferIps: infer.perSecond,
    latencyMs: 1000 / single.perSecond,
    sgemmGflops: gemm,
  };
}

// How long a memory sample waits after its full GC (see sample() in memory()).
const SETTLE_MS = 300;

function memory(): Record<string, unknown> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('cortado-lenet --mode memory: run node with --expose-gc so that heap samples are taken after a full collection');
  const { net, solver } = trainer(backend);
  const warm = Number(args.get('warmup', '20'));
  const t = performance.now();
  for (let i = 0; i < warm; i++) solver.step();
  backend.synchronize();
  // 10,000 iterations, the MNIST tutorial's length (100 with --quick), fewer on a slow backend:
  // about 2 minutes (20 s) at most.
  const perIter = (performance.now() - t) / warm;
  const fit = Math.floor((args.quick ? 20_000 : 120_000) / perIter);
  const iters = Number(args.get('iters', String(warm + Math.max(50, Math.min(args.quick ? 100 : 10_000, fit)))));
  // A first full collection, then a tenth of the run to settle before the first sample: on
  // native, RSS took one step of 12 MiB in the iterations after the first full GC (wherever it
  // fell) and then held to 0.1 MiB.
  const settle = warm + Math.round((iters - warm) / 10);
  gc();
  while (solver.iter < settle) solver.step();
  const samples: { iter: number; rssMiB: number; heapMiB: number; heapTotalMiB: number; externalMiB: number; deviceMiB?: number }[] = [];
  const mib = (x: number) => x / 2 ** 20;
  // On CUDA, the device memory in use too (total less free, as cuMemGetInfo tells it): a leak of
  // device buffers would not show in RSS.
  const memInfo = (backend as Partial<CudaBackend>).runtime?.addon.memInfo;
  const deviceUsed = memInfo ? () => { const [free, total] = memInfo(); return mib(total - free); } : undefined;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const sample = () => {
    backend.synchronize();
    gc();
    // V8 unmaps the pages a collection freed on a background thread, after gc() has returned, so
    // a sample read at once can catch them or not. Read at once, samples every 4,000 iterations
    // (LeNet on native, semi-spaces pinned at 16 MiB) stepped by 7 to 13 MiB at every one; read
    // after 300 ms, twice in 9. The semi-spaces' size took the rest (MEMORY_NODE_FLAGS).
    Atomics.wait(pause, 0, 0, SETTLE_MS);
    const m = process.memoryUsage();
    samples.push({ iter: solver.iter, rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external + m.arrayBuffers), deviceMiB: deviceUsed?.() });
  };
  sample();
  const every = Math.max(1, Math.floor((iters - settle) / 10));
  while (solver.iter < iters) {
    solver.step();
    if ((solver.iter - settle) % every === 0 || solver.iter === iters) sample();
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const deviceGrowth = deviceUsed ? last.deviceMiB! - first.deviceMiB! : undefined;
  const grew = (a: number, b: number) => b - a > Math.max(4, 0.05 * a);
  net.destroy();
  return {
    iters: solver.iter,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rssGrowthMiB: last.rssMiB - first.rssMiB,
    // RSS less the pages V8 holds for its heap, which it grows and shrinks with the allocation rate
    // (the young generation's semi-spaces): what the process holds outside the JavaScript heap.
    rssLessHeapGrowthMiB: (last.rssMiB - last.heapTotalMiB) - (first.rssMiB - first.heapTotalMiB),
    heapGrowthMiB: last.heapMiB - first.heapMiB,
    deviceGrowthMiB: deviceGrowth,
    grows: grew(first.rssMiB, last.rssMiB) || grew(first.heapMiB, last.heapMiB) || (deviceGrowth ?? 0) > 0,
    samples,
  };
}

const result = mode === 'memory' ? memory() : await speed();
/** The native backend says which SIMD kernels and how many threads it runs, wasm which build and how many threads; js runs on one. */
const info = (backend as { info?: { isa?: string; threads?: number } }).info;
const wasmThreads = (backend as { threads?: number }).threads;
const wasmSimd = (backend as { simd?: string }).simd;
emit({
  system: `cortado-${backend.name}`,
  version: version(),
  threads: info?.threads ?? wasmThreads ?? (backend.name === 'js' ? 1 : null),
  ...(info?.isa ? { isa: info.isa } : wasmSimd ? { isa: `wasm ${wasmSimd}` } : {}),
  batch,
  mode,
  ...result,
});
