/**
 * `cortado test <net.json> --weights W`: Caffe's `caffe test`. Builds the definition's test-phase
 * net, loads the weights (a weights file, a snapshot, a snapshot folder or a run folder: the newest),
 * runs one epoch of the test data through ValidationPerformance and prints the mean of every
 * output (losses, accuracy). Exit status 0, or 1 on an error (no snapshot in the folder named, a
 * weights file made for another net, no test-phase data layer).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, type BackendName } from '../backends.js';
import { readDefinition, resolveSources } from '../definition.js';
import { loadFrom } from '../snapshot.js';
import { DataError } from '../../core/errors.js';
import { Net } from '../net.js';
import { ValidationPerformance } from '../../solver/coffee/validation-performance.js';
import { formatStatistic } from '../../solver/coffee/training-summary.js';
import { UsageError, integerFlag, parseFlags } from './flags.js';

export const TEST_USAGE = `usage: cortado test <net.json> --weights PATH [--backend NAME] [--max-batches N]

Runs the definition's test-phase net over one epoch of its test data with the weights in PATH (a
weights file, a snapshot, a folder of snapshots or a run's --output folder: the newest) and prints the mean of every output:
losses and accuracy, as Caffe's "caffe test" does.

options:
  --weights PATH        required
  --backend NAME        auto (default), js, native or cuda
  --max-batches N       stop after N batches if the epoch is longer`;

export async function testCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(TEST_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseFlags(rest, { weights: s, backend: s, 'max-batches': s });
  if (positionals.length !== 1) throw new UsageError(`expected one net definition file, found ${positionals.length}`);
  if (!f.weights) throw new UsageError('--weights PATH is required: the weights to test (a weights file, a snapshot or a snapshot folder)');
  const maxBatches = integerFlag('max-batches', f['max-batches'], 1);
  const def = readDefinition(positionals[0]!);
  const backend = createBackend((f.backend ?? 'auto') as BackendName);
  const net = new Net(resolveSources(def.layers), { backend, phase: 'test', name: 'test', seed: def.seed });
  try {
    const file = await loadFrom(net, runSnapshots(f.weights), { log: (line) => console.error(line) });
    if (file === null) throw new DataError(`--weights "${f.weights}": no snapshot in this folder (train first, or name a weights file)`);
    const means = new ValidationPerformance(net, { maxBatches }).evaluate();
    console.log(`tested ${file} on ${backend.name}`);
    for (const [k, v] of means) console.log(`  ${k.padEnd(12)} ${formatStatistic(k, v)}`);
  } finally {
    net.destroy();
  }
  return 0;
}

/** A run folder (`cortado train --output DIR`) stands for its snapshots/ folder. */
function runSnapshots(path: string): string {
  const inner = join(path, 'snapshots');
  return existsSync(inner) && statSync(inner).isDirectory() ? inner : path;
}
