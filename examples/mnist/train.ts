/**
 * The MNIST tutorial: Caffe's LeNet trained with the tutorial recipe (batch 64, SGD momentum 0.9,
 * `inv` 0.01 / 1e-4 / 0.75, weight decay 5e-4, 10,000 iterations), validated on the 10,000 test
 * images every 1,000 iterations, snapshotted every 5,000.
 *
 *   npm run mnist -- [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh]
 */
import { parseArgs } from 'node:util';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { loadMnist } from '../../src/data/mnist.js';
import { train } from '../../src/node/train.js';
import { lenet } from './lenet.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    iterations: { type: 'string', default: '10000' },
    output: { type: 'string', default: 'examples/mnist/output' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log('usage: npm run mnist -- [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]');
  process.exit(0);
}

const iterations = Number(args.iterations);
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error(`--iterations must be a positive integer, found "${args.iterations}"`);
  process.exit(2);
}
const backend = createBackend(args.backend as BackendName);
const mnist = loadMnist();
console.log(`MNIST: ${mnist.train.count} training and ${mnist.test.count} test images; backend ${backend.name}`);

const result = await train({
  backend,
  layers: lenet({ batchSize: 64, testBatchSize: 100, train: mnist.train, test: mnist.test }),
  solver: {
    baseLr: 0.01,
    momentum: 0.9,
    weightDecay: 5e-4,
    lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 },
    maxIter: iterations,
  },
  seed: Number(args.seed),
  coffeeBreaks: { summaryEvery: 100, validateEvery: 1000, snapshotEvery: 5000 },
  outputDir: args.output,
  resume: !args.fresh,
});

const accuracy = result.final?.get('accuracy');
const trained = result.iterationsRun * 64;
console.log(
  `done: ${result.solver.iter} iterations, test accuracy ${accuracy === undefined ? '?' : (accuracy * 100).toFixed(2) + '%'}, ` +
  `${result.seconds.toFixed(1)} s, ${Math.round(trained / result.seconds)} images/s (backend ${backend.name})`,
);
