/**
 * Mocha's dropout MLP on MNIST with Mocha's schedule (see net.ts), validated on the 10,000 test
 * images every epoch (600 iterations), snapshotted every 5,000 iterations. Mocha's full schedule
 * is 1,200,000 iterations; `--iterations` stops earlier (the lr and momentum policies are the same
 * functions of the iteration either way).
 *
 *   node dist/examples/mnist-mlp/train.js [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]
 */
import { parseArgs } from 'node:util';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { loadMnist } from '../../src/data/mnist.js';
import { train } from '../../src/node/train.js';
import { EPOCH, mlp, mlpSolver } from './net.js';

const usage = 'usage: node dist/examples/mnist-mlp/train.js [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]';
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    iterations: { type: 'string', default: String(2000 * EPOCH) },
    output: { type: 'string', default: 'examples/mnist-mlp/output' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: '12345678' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(usage);
  process.exit(0);
}

const iterations = Number(args.iterations);
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error(`--iterations must be a positive integer, found "${args.iterations}"\n${usage}`);
  process.exit(2);
}
const backend = createBackend(args.backend as BackendName);
const mnist = loadMnist();
console.log(`MNIST: ${mnist.train.count} training and ${mnist.test.count} test images; backend ${backend.name}`);

const result = await train({
  backend,
  layers: mlp({ batchSize: 100, testBatchSize: 100, train: mnist.train, test: mnist.test }),
  solver: mlpSolver(iterations),
  seed: Number(args.seed),
  coffeeBreaks: { summaryEvery: 100, validateEvery: EPOCH, snapshotEvery: 5000 },
  outputDir: args.output,
  resume: !args.fresh,
});

const accuracy = result.final?.get('accuracy');
const trained = result.iterationsRun * 100;
console.log(
  `done: ${result.solver.iter} iterations, test accuracy ${accuracy === undefined ? '?' : (accuracy * 100).toFixed(2) + '%'}, ` +
  `${result.seconds.toFixed(1)} s, ${Math.round(trained / result.seconds)} images/s (backend ${backend.name})`,
);
