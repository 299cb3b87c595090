/**
 * Child of bench/vit.ts: the vision transformer of examples/mnist-vit trained on one Cortado
 * backend (Adam, a MemoryData of random images at --batch, default 100), then its inference net
 * (vitInference: Input, the body, Softmax) run forward on the same images, each with measure.ts's
 * protocol; prints one JSON line with trainIps and inferIps.
 *   node dist/bench/cortado-vit.js --backend native|wasm|js [--batch 100] [--quick | --smoke]
 */
import { createBackend, type BackendName } from '../src/node/backends.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import type { InputLayer } from '../src/layers/input.js';
import { vit, vitInference, vitSolver } from '../examples/mnist-vit/net.js';
import { SMOKE, childArgs, emit, measure, protocol, randomBatch } from './measure.js';

const args = childArgs();
const batch = Number(args.get('batch', '100'));
const backend = await createBackend(args.get('backend', 'native') as BackendName);
const { images, labels } = randomBatch(batch);
const net = new Net(vit({ train: { images, labels, count: batch }, batchSize: batch }), { backend, phase: 'train', seed: 1 });
const solver = new Solver(net, vitSolver(1e9));
const p = process.argv.includes('--smoke') ? SMOKE : protocol(args.quick);
const rate = await measure(() => solver.step(), batch, p, () => backend.synchronize());
const params = net.params.reduce((s, q) => s + q.blob.count, 0);
net.destroy();
const tester = new Net(vitInference(batch), { backend, phase: 'test', seed: 1 });
(tester.layers.find((l) => l.type === 'Input') as InputLayer).feed('data', images);
const infer = await measure(() => tester.forward(), batch, p, () => backend.synchronize());
tester.destroy();
emit({ system: `cortado-${backend.name}`, net: 'mnist-vit', params, batch, trainIps: rate.perSecond, trainStepsPerRep: rate.steps, all: rate.all, inferIps: infer.perSecond });
