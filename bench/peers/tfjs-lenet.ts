/**
 * TensorFlow.js peer for `npm run bench`: Caffe's MNIST LeNet with `@tensorflow/tfjs` layers
 * (./tfjs-model.ts, shared with the browser benchmark).
 * --backend cpu (default): training images/s (trainOnBatch, momentum 0.9, lr 0.01, L2 5e-4 as
 * Caffe's weight decay: l2 = 2.5e-4 on every kernel and bias), inference images/s at batch 64 and
 * latency at batch 1. --backend wasm (`@tensorflow/tfjs-backend-wasm`): inference only.
 * TF.js convolutions are NHWC, so the input is [N, 28, 28, 1]; the arithmetic is LeNet's.
 * The learning rate stays at 0.01 (Caffe's 'inv' decay changes no cost per step).
 * Flags: --quick, --backend cpu|wasm, --threads N (wasm only, default 2), --batch N (default 64).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { childArgs, emit, measure, protocol, randomBatch } from '../measure.js';
import { tfjsLenet } from './tfjs-model.js';

const args = childArgs();
const p = protocol(args.quick);
const backend = args.get('backend', 'cpu');
const threads = Number(args.get('threads', '2'));
const batch = Number(args.get('batch', '64'));
if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`tfjs-lenet: --backend must be cpu or wasm, found "${backend}"`);

if (backend === 'wasm') setThreadsCount(threads);
if (!(await tf.setBackend(backend))) throw new Error(`tfjs-lenet: backend "${backend}" failed to initialize`);
await tf.ready();

const model = tfjsLenet(tf);
const { images, labels } = randomBatch(batch);
const x = tf.tensor4d(images, [batch, 28, 28, 1]);
const x1 = tf.tensor4d(images.subarray(0, 784), [1, 28, 28, 1]);
const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 10);

const predict = (input: tf.Tensor) => {
  const out = model.predict(input) as tf.Tensor;
  out.dataSync();
  out.dispose();
};

let trainIps: number | undefined;
if (backend === 'cpu') {
  trainIps = (await measure(async () => void (await model.trainOnBatch(x, y)), batch, p)).perSecond;
}
const infer = await measure(() => predict(x), batch, p);
const single = await measure(() => predict(x1), 1, p);

emit({
  system: `tfjs-${backend}`,
  version: tf.version.tfjs,
  threads: backend === 'wasm' ? getThreadsCount() : 1,
  batch,
  ...(trainIps !== undefined ? { trainIps } : {}),
  inferIps: infer.perSecond,
  latencyMs: 1000 / single.perSecond,
  tensorsLeft: tf.memory().numTensors,
});
