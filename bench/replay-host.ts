/**
 * The host's share of a LeNet training iteration on the CUDA backend, with and without the
 * solver's cudaGraphs, measured against an addon whose calls do nothing: no device and no driver.
 * Without graphs, the JavaScript side issues every call (here into nothing); with them it records
 * the calls, compares the record with the graph's and makes one graphRun call. Neither figure
 * holds the driver's own cost per launch (microseconds each on a real GPU), which graphs replace
 * by one launch per iteration; this bench shows what the recording costs the host in exchange.
 *   node dist/bench/replay-host.js [--batch 64] [--iterations 2000] [--rounds 5]
 * Prints microseconds per iteration (the median of the rounds, modes alternating) and the addon
 * calls per iteration that would reach the driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Net } from '../src/net.js';
import { Solver } from '../src/solver/solver.js';
import { lenet } from '../examples/mnist/lenet.js';
import type { CudaAddon, InitResult } from '../src/node/backend/cuda/addon.js';
import { packageRoot } from '../src/node/backend/cuda/addon.js';
import { CudaBackend } from '../src/node/backend/cuda/cuda-backend.js';
import { Kernels } from '../src/node/backend/cuda/kernels.js';
import { CallRecorder } from '../src/node/backend/cuda/replay.js';

const flag = (name: string, def: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : def;
};
const batch = flag('batch', 64);
const iterations = flag('iterations', 2000);
const rounds = flag('rounds', 5);

/** An addon that does nothing and counts the calls that would reach the driver. */
function noOpAddon(): { addon: CudaAddon; issued: () => number } {
  let next = 4096;
  let ids = 0;
  let issued = 0;
  const queued = () => { issued++; };
  const addon: CudaAddon = {
    init: () => ({ ok: false, code: 'nodevice', message: 'no device in this bench' }),
    compile: () => ({ image: new Uint8Array(1), log: '' }),
    loadModule: () => ids++,
    getFunction: () => ids++,
    setArgBuffer: () => undefined,
    launch: queued,
    malloc: (bytes) => { const p = next; next += Math.ceil(bytes / 256) * 256 + 256; return p; },
    free: () => undefined,
    memset32: queued,
    upload: queued,
    download: (_ptr, dst) => { dst.fill(0); },
    copy: queued,
    synchronize: () => undefined,
    memInfo: () => [2 ** 30, 2 ** 30],
    sgemm: queued,
    gemmEx: queued,
    sgemmStridedBatched: queued,
    gemmStridedBatchedEx: queued,
    sgemv: queued,
    sdot: () => 0,
    sasum: () => 0,
    convPlan: () => [ids++, 0, 0, 0, 0, 0, 0, 0],
    convForward: queued,
    convBackwardData: queued,
    convBackwardFilter: queued,
    captureBegin: () => undefined,
    captureEnd: () => ids++,
    graphLaunch: queued,
    graphDestroy: () => undefined,
    stageUpload: () => undefined,
    graphRun: queued,
  };
  return { addon, issued: () => issued };
}

const { addon: inner, issued } = noOpAddon();
const recorder = new CallRecorder(inner);
const cache = mkdtempSync(join(tmpdir(), 'cortado-replay-host-'));
const kernels = new Kernels(recorder.addon, { cc: 90, archs: [90], nvrtcVersion: 'none', cacheDir: cache }, packageRoot());
rmSync(cache, { recursive: true, force: true });
const device = { ok: true, device: 'no device', ccMajor: 9, ccMinor: 0, multiprocessors: 132, totalMemory: 2 ** 30, driverVersion: 0,
  nvrtcVersion: 'none', nvrtcArchs: [90], cublasVersion: 0, cudnnVersion: 0, cudnnNote: 'disabled', cudaPath: '', nvrtcPath: '',
  cublasPath: '', cudnnPath: '' } as Extract<InitResult, { ok: true }>;
const backend = new CudaBackend({ addon: recorder.addon, recorder, kernels, device, cudnn: false, deterministic: false, notice: (m) => console.warn(m) });

function trainer(cudaGraphs: boolean) {
  const net = new Net(lenet({ batchSize: batch }), { backend, phase: 'train', seed: 1 });
  const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 },
    maxIter: 2 ** 31 - 1, cudaGraphs });
  for (let i = 0; i < 200; i++) solver.step();
  return { solver, net };
}

const modes = [{ name: 'call by call', ...trainer(false) }, { name: 'cudaGraphs', ...trainer(true) }];
const perIteration = modes.map(() => [] as number[]);
const callsPer = modes.map(() => 0);
for (let r = 0; r < rounds; r++) {
  modes.forEach((m, i) => {
    const before = issued();
    const t0 = performance.now();
    for (let k = 0; k < iterations; k++) m.solver.step();
    perIteration[i]!.push(((performance.now() - t0) * 1000) / iterations);
    callsPer[i] = (issued() - before) / iterations;
  });
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(`LeNet training iteration, batch ${batch}, CUDA backend on an addon that does nothing (${iterations} iterations x ${rounds} rounds, median):`);
modes.forEach((m, i) => {
  const stats = m.solver.graphStats ? `; graph runs ${JSON.stringify(m.solver.graphStats)}` : '';
  console.log(`  ${m.name.padEnd(13)} ${median(perIteration[i]!).toFixed(1).padStart(7)} us of host time, ${callsPer[i]!.toFixed(2)} calls reaching the driver${stats}`);
});
for (const m of modes) m.net.destroy();
