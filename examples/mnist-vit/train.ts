/**
 * The small vision transformer of net.ts on MNIST: Adam, 3 epochs of batches of 100 by default,
 * validated on the 10,000 test images every epoch, snapshotted every 600 iterations.
 *
 *   node dist/examples/mnist-vit/train.js [--backend auto|js|native|cuda] [--max-iter N] [--output DIR] [--fresh] [--seed N]
 */
import { signalExitCode } from '../../src/node/stop-on-signal.js';
import { train } from '../../src/node/train.js';
import { mnistRun } from '../common/mnist-run.js';
import { vit, vitSolver } from './net.js';

const EPOCH = 600;
const { backend, mnist, iterations, outputDir, resume, seed, cudaGraphs } = mnistRun('mnist-vit', { iterations: 3 * EPOCH, seed: 20211 });

const result = await train({
  backend,
  layers: vit({ train: mnist.train, test: mnist.test }),
  solver: { ...vitSolver(iterations), cudaGraphs },
  seed,
  coffeeBreaks: { summaryEvery: 100, validateEvery: EPOCH, snapshotEvery: EPOCH },
  outputDir,
  resume,
});
if (result.stoppedBy) process.exit(signalExitCode(result.stoppedBy)); // train() printed how to resume

const accuracy = result.final?.get('accuracy');
console.log(
  `done: ${result.solver.iter} iterations, test accuracy ${accuracy === undefined ? '?' : (accuracy * 100).toFixed(2) + '%'}, ` +
  `${result.seconds.toFixed(1)} s, ${Math.round((result.iterationsRun * 100) / result.seconds)} images/s (backend ${backend.name})`,
);
