/**
 * The MNIST tutorial: Caffe's LeNet trained with the tutorial recipe (batch 64, SGD momentum 0.9,
 * `inv` 0.01 / 1e-4 / 0.75, weight decay 5e-4, 10,000 iterations), validated on the 10,000 test
 * images every 1,000 iterations, snapshotted every 5,000.
 *
 *   npm run mnist -- [--backend auto|js|native|cuda] [--max-iter N] [--output DIR] [--fresh] [--seed N] [--cuda-graphs]
 *     [--precision float32|float16|bfloat16]
 */
import { signalExitCode } from '../../src/node/stop-on-signal.js';
import { train } from '../../src/node/train.js';
import { mnistRun } from '../common/mnist-run.js';
import { lenet } from './lenet.js';

const { backend, mnist, iterations, outputDir, resume, seed, cudaGraphs } = mnistRun('mnist', { iterations: 10000, seed: 42 });

const result = await train({
  backend,
  layers: lenet({ batchSize: 64, testBatchSize: 100, train: mnist.train, test: mnist.test }),
  solver: {
    baseLr: 0.01,
    momentum: 0.9,
    weightDecay: 5e-4,
    lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 },
    maxIter: iterations,
    cudaGraphs,
  },
  seed,
  coffeeBreaks: { summaryEvery: 100, validateEvery: 1000, snapshotEvery: 5000 },
  outputDir,
  resume,
});
if (result.stoppedBy) process.exit(signalExitCode(result.stoppedBy)); // train() printed how to resume

const accuracy = result.final?.get('accuracy');
const trained = result.iterationsRun * 64;
console.log(
  `done: ${result.solver.iter} iterations, test accuracy ${accuracy === undefined ? '?' : (accuracy * 100).toFixed(2) + '%'}, ` +
  `${result.seconds.toFixed(1)} s, ${Math.round(trained / result.seconds)} images/s (backend ${backend.name}` +
  `${backend.precision && backend.precision !== 'float32' ? `, ${backend.precision}` : ''})`,
);
