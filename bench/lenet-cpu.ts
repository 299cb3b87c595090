/**
 * LeNet (batch 64) training and inference on one backend, timed in wall clock and in the
 * process's CPU time (user + system, all its threads), one JSON line:
 *   node dist/bench/lenet-cpu.js --backend js|native|wasm [--threads N] [--quick]
 * (the native backend's threads: CORTADO_NUM_THREADS). On a machine shared with other work the
 * CPU time of a one-thread backend barely moves while its wall clock does, so ratios of one-thread
 * backends are best read from `*Cpu`; a threaded backend's gain shows only in wall clock, and its
 * CPU time shows what the threads cost beyond one thread (spinning included). Each figure is the
 * best of 5 repetitions after 2 warm-up steps.
 */
import type { Backend } from '../src/backend/backend.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { lenet, syntheticMnist } from '../examples/mnist/lenet.js';
import { childArgs } from './measure.js';

const argv = process.argv.slice(2);
const flag = childArgs(argv).get;
const name = flag('backend', 'wasm') as BackendName;
const threads = Number(flag('threads', '1'));
const steps = argv.includes('--quick') ? 3 : name === 'js' ? 3 : 20;
const backend: Backend = createBackend(name, 'float32', { threads });
await (backend as { ready?: () => Promise<void> }).ready?.();

/** Milliseconds per call, CPU and wall, each the best of 5 repetitions of `steps` calls. */
function measure(fn: () => void): { cpu: number; wall: number } {
  fn();
  fn();
  let cpu = Infinity, wall = Infinity;
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < steps; i++) fn();
    const used = process.cpuUsage(c0);
    cpu = Math.min(cpu, (used.user + used.system) / 1e3 / steps);
    wall = Math.min(wall, (performance.now() - t0) / steps);
  }
  return { cpu, wall };
}

const train = new Net(lenet({ batchSize: 64 }), { backend, phase: 'train', seed: 1 });
const solver = new Solver(train, {
  baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 2 ** 31 - 1,
});
const t = measure(() => solver.step());
train.destroy();
const test = new Net(lenet({ batchSize: 64, test: syntheticMnist(64, 2), testBatchSize: 64 }), { backend, phase: 'test', seed: 1 });
const i = measure(() => test.forward());
test.destroy();
const ips = (ms: number) => Math.round(64_000 / ms);
console.log(JSON.stringify({
  backend: name,
  threads: (backend as { threads?: number; info?: { threads: number } }).threads ?? (backend as { info?: { threads: number } }).info?.threads ?? 1,
  trainIpsWall: ips(t.wall), trainIpsCpu: ips(t.cpu), inferIpsWall: ips(i.wall), inferIpsCpu: ips(i.cpu),
}));
(backend as { dispose?: () => void }).dispose?.();
