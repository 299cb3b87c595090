/**
 * Child of bench/vit.ts: the vision transformer of examples/mnist-vit trained on one Cortado
 * backend (Adam, a MemoryData of random images at --batch, default 100), with measure.ts's
 * protocol; prints one JSON line with trainIps.
 *   node dist/bench/cortado-vit.js --backend native|wasm|js [--batch 100] [--quick | --smoke]
 */
import { createBackend, type BackendName } from '../src/node/backends.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { vit, vitSolver } from '../examples/mnist-vit/net.js';
import { SMOKE, childArgs, emit, measure, protocol, randomBatch } from './measure.js';

const args = childArgs();
const batch = Number(args.get('batch', '100'));
const backend = await createBackend(args.get('backend', 'native') as BackendName);
const { images, labels } = randomBatch(batch);
const net = new Net(vit({ train: { images, labels, count: batch }, batchSize: batch }), { backend, phase: 'train', seed: 1 });
const solver = new Solver(net, vitSolver(1e9));
const rate = await measure(() => solver.step(), batch, process.argv.includes('--smoke') ? SMOKE : protocol(args.quick), () => backend.synchronize());
emit({ system: `cortado-${backend.name}`, net: 'mnist-vit', params: net.params.reduce((s, p) => s + p.blob.count, 0), batch, trainIps: rate.perSecond, trainStepsPerRep: rate.steps, all: rate.all });
net.destroy();
