/**
 * Cortado's side of the CIFAR-10 rows of `npm run bench:big`, one net and backend per process:
 * Caffe's cifar10_quick or cifar10_full (`--net quick|full`, the definitions in examples/cifar10)
 * at batch N (default 100, the recipes'), float32, on synthetic data (one batch of uniform
 * random images through the definition's MemoryData layer, as `cortado time --synthetic` feeds).
 *
 *   trainIps    images/s of Solver.step (forward, backward, SGD update with the definition's
 *               momentum, weight decay and multipliers)
 *   inferIps    images/s of forward passes of the test-phase net (with its Accuracy) at batch N
 *               (on a GPU backend, steps queue within a repetition: measure.ts's `sync`)
 *   latencyMs   milliseconds per forward pass of the test-phase net at batch 1
 *   timing      `cortado time`'s per-layer table of the train net (core/timing.ts), after the rest
 *
 * Flags: --backend, --net, --batch N, --quick, --smoke (one step each: a check, not a measurement),
 * --time-iterations N (default 10), --cuda-graphs (each training iteration one CUDA graph, the
 * solver's cudaGraphs, and each forward pass one too, Backend.replayer; the system is then
 * cortado-cuda-graphs).
 */
import { readFileSync } from 'node:fs';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { timeNet } from '../src/core/timing.js';
import { timingDefinition } from '../src/node/cli/time.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { readDefinition } from '../src/node/definition.js';
import { SMOKE, childArgs, emit, graphedStep, measure, protocol } from './measure.js';

const args = childArgs();
const p = process.argv.includes('--smoke') ? SMOKE : protocol(args.quick);
const which = args.get('net', 'quick');
if (which !== 'quick' && which !== 'full') throw new Error(`cortado-cifar10: --net must be quick or full, found "${which}"`);
const batch = Number(args.get('batch', '100'));
const timeIterations = Number(args.get('time-iterations', process.argv.includes('--smoke') ? '1' : '10'));
const backend = createBackend(args.get('backend', 'native') as BackendName);
const cudaGraphs = process.argv.includes('--cuda-graphs');
const def = readDefinition(new URL(`../../examples/cifar10/${which}.json`, import.meta.url).pathname);
const layers = (n: number) => timingDefinition(def.layers, { batch: n, synthetic: true });

async function main(): Promise<Record<string, unknown>> {
  const train = new Net(layers(batch), { backend, phase: 'train', seed: 1, name: def.name });
  const solver = new Solver(train, { ...(def.solver as object), maxIter: 2 ** 31 - 1, cudaGraphs } as never);
  const sync = () => backend.synchronize();
  const step = await measure(() => solver.step(), batch, p, sync);
  const loss = solver.loss;
  const trainStats = solver.graphStats ? { ...solver.graphStats } : undefined;
  if (!Number.isFinite(loss)) throw new Error(`cortado-cifar10 (${which}, ${backend.name}): the loss is ${loss} after ${solver.iter} iterations`);
  const timing = timeNet(train, { iterations: timeIterations, warmup: 1 });
  train.destroy();

  const big = new Net(layers(batch), { backend, phase: 'test', seed: 1 });
  const bigPass = graphedStep(backend, cudaGraphs, 'a forward pass', () => big.forward());
  const infer = await measure(bigPass.step, batch, p, sync);
  bigPass.destroy();
  big.destroy();
  // Latency: every forward pass waits for its result.
  const one = new Net(layers(1), { backend, phase: 'test', seed: 1 });
  const onePass = graphedStep(backend, cudaGraphs, 'a forward pass at batch 1', () => one.forward());
  const single = await measure(() => { onePass.step(); sync(); }, 1, p);
  onePass.destroy();
  one.destroy();
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return {
    system: `cortado-${backend.name}${cudaGraphs ? '-graphs' : ''}`, version, net: `cifar10-${which}`, batch, loss,
    graphStats: cudaGraphs ? { train: trainStats, infer: bigPass.stats(), latency: onePass.stats() } : undefined,
    params: train.params.reduce((s, q) => s + q.blob.count, 0),
    trainIps: step.perSecond, trainSteps: step.steps * step.reps, inferIps: infer.perSecond, latencyMs: 1000 / single.perSecond, timing,
  };
}

emit(await main());
