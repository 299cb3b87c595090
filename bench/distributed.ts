/**
 * Data-parallel speed: training images/s of LeNet (batch 64 per rank) and of Caffe's CIFAR-10 full
 * net (batch 100 per rank) with 1 and 2 ranks under mpirun on this machine, and where the time of
 * the gradient reduction goes: the main thread's time per iteration starting buckets (copies to
 * the host, queuing) and finishing them (waiting, copies back), and a bare MPI allreduce of the
 * same message timed alone. Synthetic data (random images), so only speed is measured.
 *
 *   node dist/bench/distributed.js [--nets lenet,cifar10-full] [--ranks 1,2] [--iters 30] [--backend native] [--overlap false]
 *
 * Each configuration is one `mpirun -np N` run: 3 warm-up iterations, then --iters timed ones
 * between barriers. Results are printed as a table and written to bench/results/distributed-<time>.json.
 * docs/distributed.md turns the message sizes into expected scaling on 8 GPUs and on several machines.
 * Internal: under mpirun the same file runs as a worker (--worker).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LayerConfig } from '../src/core/layer.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { startMpi } from '../src/node/distributed/communicator.js';
import { HostGradientSync } from '../src/node/distributed/gradient-sync.js';
import { broadcastTrainingState, createGradientSync, startCudaForRank } from '../src/node/distributed/setup.js';
import { lenet } from '../examples/mnist/lenet.js';
import { childArgs, median } from './measure.js';

const args = childArgs();

function synthetic(n: number, sample: number[], classes: number, seed: number): { values: Float32Array; labels: Float32Array } {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const size = sample.reduce((a, b) => a * b, 1);
  return { values: Float32Array.from({ length: n * size }, next), labels: Float32Array.from({ length: n }, () => Math.floor(next() * classes)) };
}

/** The net's layers with a synthetic MemoryData of 8 batches' worth of samples per rank. */
function layers(name: string, batch: number, size: number): LayerConfig[] {
  if (name === 'lenet') return lenet({ batchSize: batch });
  if (name !== 'cifar10-full') throw new Error(`bench/distributed: unknown net "${name}" (lenet or cifar10-full)`);
  const def = JSON.parse(readFileSync(new URL('../../examples/cifar10/full.json', import.meta.url), 'utf8')) as { layers: LayerConfig[] };
  const n = 8 * batch * size;
  const d = synthetic(n, [3, 32, 32], 10, 3);
  const data = { type: 'MemoryData', name: 'train-data', tops: ['data', 'label'], batchSize: batch, shuffle: true,
    data: [{ values: d.values, shape: [n, 3, 32, 32] }, { values: d.labels, shape: [n] }] } as unknown as LayerConfig;
  return [data, ...def.layers.filter((l) => !/Data$/.test(l.type) && l.include?.phase !== 'test')];
}

async function worker(): Promise<void> {
  const comm = startMpi();
  const name = args.get('net', 'lenet');
  const batch = Number(args.get('batch', name === 'lenet' ? '64' : '100'));
  const iters = Number(args.get('iters', '30'));
  const backendName = args.get('backend', 'native') as BackendName;
  if (backendName === 'cuda') startCudaForRank(comm);
  const backend = createBackend(backendName);
  const net = new Net(layers(name, batch, comm.size), { backend, seed: 1, shard: { rank: comm.rank, size: comm.size } });
  const solver = new Solver(net, { baseLr: 0.001, momentum: 0.9, weightDecay: 5e-4, maxIter: 2 ** 31 - 1 });
  broadcastTrainingState(comm, solver);
  const sync = createGradientSync(comm, net, { overlap: args.get('overlap', 'true') !== 'false' });
  solver.gradientSync = sync;
  for (let i = 0; i < 3; i++) solver.step();
  const timing = (sync as HostGradientSync).timing;
  const before = { ...timing };
  comm.barrier();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) solver.step();
  backend.synchronize();
  comm.barrier();
  const seconds = (performance.now() - t0) / 1000;
  // The same message alone: one allreduce of every gradient value, as one array.
  const message = new Float32Array(timing.values);
  const alone: number[] = [];
  for (let i = 0; i < 10; i++) {
    comm.barrier();
    const t = performance.now();
    comm.allreduce(message, 1 / comm.size);
    alone.push(performance.now() - t);
  }
  const perIter = (x: number, y: number) => (x - y) / (timing.iterations - before.iterations);
  if (comm.rank === 0) {
    process.stdout.write(`RESULT ${JSON.stringify({
      net: name, ranks: comm.size, backend: backend.name, batchPerRank: batch, iterations: iters, seconds,
      imagesPerSecond: (comm.size * batch * iters) / seconds, msPerIteration: (1000 * seconds) / iters,
      syncStartMs: perIter(timing.startMs, before.startMs), syncFinishMs: perIter(timing.finishMs, before.finishMs),
      allreduceAloneMs: median(alone), messageBytes: 4 * timing.values, loss: solver.loss,
    })}\n`);
  }
  comm.finalize();
}

function driver(): void {
  const nets = args.get('nets', 'lenet,cifar10-full').split(',');
  const ranks = args.get('ranks', '1,2').split(',').map(Number);
  const iters = args.get('iters', '30');
  const backend = args.get('backend', 'native');
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
    // Ranks share the cores: each rank's native pool gets its share.
    CORTADO_NUM_THREADS: process.env.CORTADO_NUM_THREADS ?? '' };
  const results: Record<string, unknown>[] = [];
  for (const net of nets) {
    for (const np of ranks) {
      const threads = Math.max(1, Math.floor(cpus().length / np));
      const r = spawnSync('mpirun', ['-np', String(np), '--oversubscribe', '--bind-to', 'none', process.execPath, fileURLToPath(import.meta.url), '--worker',
        '--net', net, '--iters', iters, '--backend', backend, '--overlap', args.get('overlap', 'true')], { encoding: 'utf8', env: { ...env, CORTADO_NUM_THREADS: env.CORTADO_NUM_THREADS || String(threads) }, maxBuffer: 1 << 26 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`bench/distributed: ${net} on ${np} rank(s) failed:\n${r.stdout}\n${r.stderr}`);
      const res = JSON.parse(line.slice(7)) as Record<string, number | string>;
      results.push({ ...res, threadsPerRank: threads });
      console.log(`${String(res.net).padEnd(13)} ${String(np)} rank(s) ${String(res.backend).padEnd(7)} ${Math.round(res.imagesPerSecond as number).toString().padStart(6)} images/s  `
        + `${(res.msPerIteration as number).toFixed(1).padStart(7)} ms/iter  reduce: start ${(res.syncStartMs as number).toFixed(2)} + finish ${(res.syncFinishMs as number).toFixed(2)} ms/iter, `
        + `allreduce alone ${(res.allreduceAloneMs as number).toFixed(2)} ms for ${((res.messageBytes as number) / 1e6).toFixed(2)} MB`);
    }
  }
  mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
  const out = new URL(`../../bench/results/distributed-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(out, JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() }, results }, null, 1));
  console.log(`written to ${fileURLToPath(out)}`);
}

if (process.argv.includes('--worker')) await worker();
else driver();
