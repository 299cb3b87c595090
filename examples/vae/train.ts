/**
 * The variational auto-encoder of net.ts trained on the 60,000 MNIST training images with Adam
 * (batch 100), its two losses on the 10,000 test images reported every epoch (600 iterations).
 * The coffee lounge keeps both losses by iteration in OUTPUT/statistics.json.
 *
 *   node dist/examples/vae/train.js [--backend auto|js|native|cuda] [--max-iter N] [--output DIR] [--fresh] [--seed N]
 */
import { signalExitCode } from '../../src/node/stop-on-signal.js';
import { train } from '../../src/node/train.js';
import { mnistRun } from '../common/mnist-run.js';
import { vae, vaeSolver } from './net.js';

const { backend, mnist, iterations, outputDir, resume, seed, cudaGraphs } = mnistRun('vae', { iterations: 30000, seed: 42 });

const result = await train({
  backend,
  layers: vae({ batchSize: 100, train: mnist.train, test: mnist.test }),
  solver: { ...vaeSolver(iterations), cudaGraphs },
  seed,
  coffeeBreaks: { summaryEvery: 100, validateEvery: 600, snapshotEvery: 5000 },
  outputDir,
  resume,
});
if (result.stoppedBy) process.exit(signalExitCode(result.stoppedBy)); // train() printed how to resume

const recon = result.final?.get('recon-loss');
const kl = result.final?.get('kl-loss');
const fmt = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(2));
console.log(
  `done: ${result.solver.iter} iterations, test loss per image ${fmt(recon === undefined || kl === undefined ? undefined : recon + kl)} ` +
  `(reconstruction ${fmt(recon)} + KL ${fmt(kl)}), ${result.seconds.toFixed(1)} s, ` +
  `${Math.round((result.iterationsRun * 100) / result.seconds)} images/s (backend ${backend.name})`,
);
