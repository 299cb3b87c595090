/**
 * Mocha's dropout MLP on MNIST with Mocha's schedule (see net.ts), validated on the 10,000 test
 * images every epoch (600 iterations), snapshotted every 5,000 iterations. Mocha's full schedule
 * is 1,200,000 iterations; `--max-iter` (alias `--iterations`) stops earlier (the lr and momentum policies are the same
 * functions of the iteration either way).
 *
 *   node dist/examples/mnist-mlp/train.js [--backend auto|js|native|cuda] [--max-iter N] [--output DIR] [--fresh] [--seed N]
 */
import { signalExitCode } from '../../src/node/stop-on-signal.js';
import { train } from '../../src/node/train.js';
import { mnistRun } from '../common/mnist-run.js';
import { EPOCH, mlp, mlpSolver } from './net.js';

const { backend, mnist, iterations, outputDir, resume, seed, cudaGraphs } = mnistRun('mnist-mlp', { iterations: 2000 * EPOCH, seed: 12345678 });

const result = await train({
  backend,
  layers: mlp({ batchSize: 100, testBatchSize: 100, train: mnist.train, test: mnist.test }),
  solver: { ...mlpSolver(iterations), cudaGraphs },
  seed,
  coffeeBreaks: { summaryEvery: 100, validateEvery: EPOCH, snapshotEvery: 5000 },
  outputDir,
  resume,
});
if (result.stoppedBy) process.exit(signalExitCode(result.stoppedBy)); // train() printed how to resume

const accuracy = result.final?.get('accuracy');
const trained = result.iterationsRun * 100;
console.log(
  `done: ${result.solver.iter} iterations, test accuracy ${accuracy === undefined ? '?' : (accuracy * 100).toFixed(2) + '%'}, ` +
  `${result.seconds.toFixed(1)} s, ${Math.round(trained / result.seconds)} images/s (backend ${backend.name})`,
);
