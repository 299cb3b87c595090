/**
 * The command line shared by the MNIST examples:
 *   [--backend auto|js|native|cuda] [--max-iter N] [--output DIR] [--fresh] [--seed N] [--cuda-graphs]
 *   [--precision float32|float16|bfloat16] [--help]
 * `--max-iter` is `cortado train`'s name; `--iterations` is accepted as its alias (both name the
 * iteration to train to). Numbers are read by src/node/cli/flags.ts, as `cortado train` reads them
 * (`0x10`, `1e3` and `12abc` are refused naming the flag). Exits with a message and status 2 on a
 * bad flag, as a command should; then makes the backend and loads MNIST. `--cuda-graphs` sets the
 * solver's cudaGraphs (each iteration one CUDA graph on the cuda backend; nothing elsewhere);
 * `--precision` the CUDA backend's (mixed precision; an error on other backends).
 */
import type { Backend } from '../../src/backend/backend.js';
import { UsageError, integerFlag, iterationsFlag, parseFlags } from '../../src/node/cli/flags.js';
import { loadMnist, type Mnist } from '../../src/node/data/mnist.js';
import { createBackend, precisionFlag, type BackendName } from '../../src/node/backends.js';
import { BackendError } from '../../src/core/errors.js';

export interface MnistRun {
  backend: Backend;
  mnist: Mnist;
  iterations: number;
  outputDir: string;
  resume: boolean;
  seed: number;
  /** The solver's cudaGraphs (--cuda-graphs). */
  cudaGraphs: boolean;
}

/** The flags of `args` (process.argv.slice(2) by default), checked; throws UsageError on a bad one. */
export function readMnistFlags(example: string, defaults: { iterations: number; seed: number }, args = process.argv.slice(2)) {
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseFlags(args, { backend: s, 'max-iter': s, iterations: s, output: s, seed: s, fresh: { type: 'boolean' }, 'cuda-graphs': { type: 'boolean' }, precision: s, help: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return {
    help: f.help === true,
    backend: (f.backend ?? 'auto') as BackendName,
    iterations: iterationsFlag(f) ?? defaults.iterations,
    seed: integerFlag('seed', f.seed, 0, 2 ** 32 - 1) ?? defaults.seed,
    outputDir: f.output ?? `examples/${example}/output`,
    resume: f.fresh !== true,
    cudaGraphs: f['cuda-graphs'] === true,
    precision: precisionFlag(f.precision),
  };
}

/** `example` names the folder under examples/ (for the usage line and the default output). */
export function mnistRun(example: string, defaults: { iterations: number; seed: number }): MnistRun {
  const usage = `usage: npm run ${example} -- [--backend auto|js|native|cuda] [--max-iter N (alias --iterations)] [--output DIR] [--fresh] [--seed N] [--cuda-graphs] [--precision float32|float16|bfloat16]`;
  let flags: ReturnType<typeof readMnistFlags>;
  try {
    flags = readMnistFlags(example, defaults);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${usage}`);
    process.exit(2);
  }
  if (flags.help) {
    console.log(usage);
    process.exit(0);
  }
  let backend: Backend;
  try {
    backend = createBackend(flags.backend, 'float32', {}, flags.precision);
  } catch (e) {
    // A backend that cannot start (no GPU for --backend cuda or --precision float16) is a message, not a stack trace.
    if (!(e instanceof BackendError)) throw e;
    console.error(`npm run ${example}: ${e.message}`);
    process.exit(1);
  }
  const mnist = loadMnist();
  console.log(`MNIST: ${mnist.train.count} training and ${mnist.test.count} test images; backend ${backend.name}`);
  return { backend, mnist, iterations: flags.iterations, outputDir: flags.outputDir, resume: flags.resume, seed: flags.seed,
    cudaGraphs: flags.cudaGraphs };
}
