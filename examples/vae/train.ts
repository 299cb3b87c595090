/**
 * The variational auto-encoder of net.ts trained on the 60,000 MNIST training images with Adam
 * (batch 100), its two losses on the 10,000 test images reported every epoch (600 iterations).
 * The coffee lounge keeps both losses by iteration in OUTPUT/statistics.json.
 *
 *   node dist/examples/vae/train.js [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]
 */
import { parseArgs } from 'node:util';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { loadMnist } from '../../src/data/mnist.js';
import { train } from '../../src/node/train.js';
import { vae, vaeSolver } from './net.js';

const usage = 'usage: node dist/examples/vae/train.js [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]';
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    iterations: { type: 'string', default: '30000' },
    output: { type: 'string', default: 'examples/vae/output' },
    fresh: { type: 'boolean', default: false },
    seed: { type: 'string', default: '42' },
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
  layers: vae({ batchSize: 100, train: mnist.train, test: mnist.test }),
  solver: vaeSolver(iterations),
  seed: Number(args.seed),
  coffeeBreaks: { summaryEvery: 100, validateEvery: 600, snapshotEvery: 5000 },
  outputDir: args.output,
  resume: !args.fresh,
});

const recon = result.final?.get('recon-loss');
const kl = result.final?.get('kl-loss');
const fmt = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(2));
console.log(
  `done: ${result.solver.iter} iterations, test loss per image ${fmt(recon === undefined || kl === undefined ? undefined : recon + kl)} ` +
  `(reconstruction ${fmt(recon)} + KL ${fmt(kl)}), ${result.seconds.toFixed(1)} s, ` +
  `${Math.round((result.iterationsRun * 100) / result.seconds)} images/s (backend ${backend.name})`,
);
