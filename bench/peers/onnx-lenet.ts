/**
 * onnxruntime-node peer for `npm run bench`: LeNet inference (CPU execution provider) at batch 64
 * (images/s) and batch 1 (latency), on a model written at bench time by ./onnx-model.ts.
 * Flags: --quick, --threads N (default 2), --batch N (default 64).
 */
import * as ort from 'onnxruntime-node';
import { cpuSession, ortVersion } from './ort-session.js';
import { childArgs, emit, measure, protocol, randomBatch } from '../measure.js';
import { lenetOnnx } from './onnx-model.js';

const args = childArgs();
const p = protocol(args.quick);
const threads = Number(args.get('threads', '2'));
const batch = Number(args.get('batch', '64'));

const session = await cpuSession(lenetOnnx(), threads);

const { images } = randomBatch(batch);
const feeds = (n: number) => ({ data: new ort.Tensor('float32', images.subarray(0, n * 784), [n, 1, 28, 28]) });
const big = feeds(batch);
const one = feeds(1);

const check = await session.run(big);
const prob = check.prob.data as Float32Array;
const rowSum = prob.slice(0, 10).reduce((a, b) => a + b, 0);
if (check.prob.dims.join(',') !== `${batch},10` || Math.abs(rowSum - 1) > 1e-4) {
  throw new Error(`onnx-lenet: expected prob [${batch}, 10] with rows summing to 1, found [${check.prob.dims.join(', ')}] summing to ${rowSum}`);
}

const infer = await measure(async () => void (await session.run(big)), batch, p);
const single = await measure(async () => void (await session.run(one)), 1, p);

const version = ortVersion();
emit({
  system: 'onnxruntime',
  version,
  threads,
  batch,
  inferIps: infer.perSecond,
  latencyMs: 1000 / single.perSecond,
});
