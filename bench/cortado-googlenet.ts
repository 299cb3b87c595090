/**
 * Cortado's side of `npm run bench:googlenet`, one backend per process (--backend js|native|cuda):
 * GoogLeNet (examples/imagenet, 224×224, float32) timed with the protocol of measure.ts.
 *
 *   fwdbwdIps   images/s of forward + backward of the train net (the main loss and the two
 *               auxiliary heads of weight 0.3, parameter gradients zeroed first; no update), at
 *               --batch N (default 16), on one fixed batch of random images from MemoryData
 *   inferIps    images/s of forward passes of the deploy net (Input → prob) at batch N
 *   latencyMs   milliseconds per forward pass of the deploy net at batch 1
 *
 *   timing      with --time-iterations N (default 0: none), `cortado time`'s per-layer table of
 *               the train net (core/timing.ts) over N iterations
 *
 * Flags: --quick, --batch N, --smoke (one warm-up step and one timed step of each: a check that
 * the harness runs, not a measurement), --time-iterations N.
 */
import { readFileSync } from 'node:fs';
import type { LayerConfig } from '../src/core/layer.js';
import { Net } from '../src/node/net.js';
import { timeNet } from '../src/core/timing.js';
import type { InputLayer } from '../src/layers/input.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { googlenetDeploy, googlenetTrain } from '../examples/imagenet/googlenet.js';
import { childArgs, emit, graphedStep, measure, protocol, type Protocol } from './measure.js';

const args = childArgs();
const batch = Number(args.get('batch', '16'));
const SMOKE: Protocol = { warmup: 1, warmupMs: 0, reps: 1, minReps: 1, repMs: 0, budgetMs: 0 };
const p = process.argv.includes('--smoke') ? SMOKE : protocol(args.quick);
const backend = createBackend(args.get('backend', 'js') as BackendName);
/** --cuda-graphs: each forward + backward, and each forward pass, one CUDA graph (Backend.replayer); the system is then cortado-cuda-graphs. */
const cudaGraphs = process.argv.includes('--cuda-graphs');

/** `n` images of uniform values in [-128, 128) and labels below 1000, from a small LCG. */
function images(n: number): { data: Float32Array; labels: Float32Array } {
  let s = 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { data: new Float32Array(n * 3 * 224 * 224).map(() => next() * 256 - 128), labels: new Float32Array(n).map(() => Math.floor(next() * 1000)) };
}


async function main(): Promise<Record<string, unknown>> {
  const { data, labels } = images(batch);
  const memory: LayerConfig = { type: 'MemoryData', name: 'data', tops: ['data', 'label'], batchSize: batch, data: [{ values: data, shape: [batch, 3, 224, 224] }, { values: labels, shape: [batch] }] };
  const train = new Net(googlenetTrain([memory]), { backend, phase: 'train', seed: 1, name: 'googlenet' });
  const sync = () => backend.synchronize();
  const pass = () => {
    train.clearParamDiffs();
    train.forward();
    train.backward();
  };
  const trainPass = graphedStep(backend, cudaGraphs, 'GoogLeNet forward and backward', pass);
  const fwdbwd = await measure(trainPass.step, batch, p, sync);
  trainPass.destroy();
  const loss = train.loss();
  if (!Number.isFinite(loss)) throw new Error(`cortado-googlenet (${backend.name}): the loss is ${loss}`);
  const timeIterations = Number(args.get('time-iterations', '0'));
  const timing = timeIterations > 0 ? timeNet(train, { iterations: timeIterations, warmup: 0 }) : undefined;
  train.destroy();

  const deploy = (n: number) => {
    const net = new Net(googlenetDeploy(n), { backend, phase: 'test', seed: 1 });
    (net.layer('data') as InputLayer).feed('data', data.subarray(0, n * 3 * 224 * 224));
    return net;
  };
  const big = deploy(batch);
  const bigPass = graphedStep(backend, cudaGraphs, 'GoogLeNet forward', () => big.forward());
  const infer = await measure(bigPass.step, batch, p, sync);
  bigPass.destroy();
  big.destroy();
  // Latency: every forward pass waits for its result.
  const one = deploy(1);
  const onePass = graphedStep(backend, cudaGraphs, 'GoogLeNet forward at batch 1', () => one.forward());
  const single = await measure(() => { onePass.step(); sync(); }, 1, p);
  onePass.destroy();
  one.destroy();
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return {
    system: `cortado-${backend.name}${cudaGraphs ? '-graphs' : ''}`, version, threads: backend.name === 'js' ? 1 : undefined, batch, loss,
    graphStats: cudaGraphs ? { train: trainPass.stats(), infer: bigPass.stats(), latency: onePass.stats() } : undefined,
    fwdbwdIps: fwdbwd.perSecond, fwdbwdSteps: fwdbwd.steps * fwdbwd.reps, inferIps: infer.perSecond, latencyMs: 1000 / single.perSecond, timing,
  };
}

emit(await main());
