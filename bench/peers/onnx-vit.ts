/**
 * onnxruntime-node peer of bench/vit.ts: the inference net of examples/mnist-vit (vitInference)
 * exported by Cortado's exportOnnx (its initial weights), run by onnxruntime's CPU execution
 * provider at --batch (default 100) with measure.ts's protocol; prints one JSON line with inferIps.
 *   node dist/bench/peers/onnx-vit.js [--batch 100] [--threads 2] [--quick | --smoke]
 */
import * as ort from 'onnxruntime-node';
import { cpuSession, ortVersion } from './ort-session.js';
import { SMOKE, childArgs, emit, measure, protocol, randomBatch } from '../measure.js';
import { exportOnnx } from '../../src/io/onnx/index.js';
import { vitInference } from '../../examples/mnist-vit/net.js';

const args = childArgs();
const batch = Number(args.get('batch', '100'));
const threads = Number(args.get('threads', '2'));
const session = await cpuSession(exportOnnx(vitInference(batch)), threads);
const { images } = randomBatch(batch);
const feeds = { data: new ort.Tensor('float32', images.subarray(0, batch * 784), [batch, 784]) };
const check = await session.run(feeds);
const prob = check.prob.data as Float32Array;
const rowSum = prob.slice(0, 10).reduce((a, b) => a + b, 0);
if (check.prob.dims.join(',') !== `${batch},10` || Math.abs(rowSum - 1) > 1e-4) {
  throw new Error(`onnx-vit: expected prob [${batch}, 10] with rows summing to 1, found [${check.prob.dims.join(', ')}] summing to ${rowSum}`);
}
const infer = await measure(async () => void (await session.run(feeds)), batch, process.argv.includes('--smoke') ? SMOKE : protocol(args.quick));
const version = ortVersion();
emit({ system: 'onnxruntime', version, threads, net: 'mnist-vit', batch, inferIps: infer.perSecond });
