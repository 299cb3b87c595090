/**
 * The command line shared by the MNIST examples:
 *   [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N] [--help]
 * Reads and checks the flags, makes the backend and loads MNIST (exiting with a message on bad
 * flags, as a command should).
 */
import { parseArgs } from 'node:util';
import type { Backend } from '../../src/backend/backend.js';
import { loadMnist, type Mnist } from '../../src/data/mnist.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';

export interface MnistRun {
  backend: Backend;
  mnist: Mnist;
  iterations: number;
  outputDir: string;
  resume: boolean;
  seed: number;
}

/** `example` names the folder under examples/ (for the usage line and the default output). */
export function mnistRun(example: string, defaults: { iterations: number; seed: number }): MnistRun {
  const usage = `usage: npm run ${example} -- [--backend auto|js|native|cuda] [--iterations N] [--output DIR] [--fresh] [--seed N]`;
  const { values: args } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      iterations: { type: 'string', default: String(defaults.iterations) },
      output: { type: 'string', default: `examples/${example}/output` },
      fresh: { type: 'boolean', default: false },
      seed: { type: 'string', default: String(defaults.seed) },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log(usage);
    process.exit(0);
  }
  const iterations = Number(args.iterations);
  const seed = Number(args.seed);
  for (const [flag, v] of [['iterations', iterations], ['seed', seed]] as const) {
    if (!Number.isInteger(v) || v < (flag === 'iterations' ? 1 : 0)) {
      console.error(`--${flag} must be a ${flag === 'iterations' ? 'positive' : 'non-negative'} integer, found "${args[flag]}"\n${usage}`);
      process.exit(2);
    }
  }
  const backend = createBackend(args.backend as BackendName);
  const mnist = loadMnist();
  console.log(`MNIST: ${mnist.train.count} training and ${mnist.test.count} test images; backend ${backend.name}`);
  return { backend, mnist, iterations, outputDir: args.output, resume: !args.fresh, seed };
}
