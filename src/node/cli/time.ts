/**
 * `cortado time <net.json>`: Caffe's `caffe time`. Builds the definition's net on the backend
 * given and prints, per layer in execution order, the mean forward and backward milliseconds and
 * each layer's share of the iteration, then the totals and the iteration timed whole (see
 * core/timing.ts for what is measured). `--batch N` changes every data layer's batch size;
 * `--synthetic` feeds random values of the right shape where a MemoryData layer names a data set
 * (`mnist:...`, `cifar10:...`), so a net can be timed without its data files.
 */
import { createBackend, precisionFlag, type BackendName } from '../backends.js';
import { readDefinition, resolveSources, shapeSources } from '../definition.js';
import { DataError } from '../../core/errors.js';
import type { LayerConfig } from '../../core/layer.js';
import { Net } from '../net.js';
import { timeNet, timingTable } from '../../core/timing.js';
import { UsageError, integerFlag, parseFlags } from './flags.js';

export const TIME_USAGE = `usage: cortado time <net.json> [options]

Times each layer of the net, as Caffe's "caffe time" does: mean forward and backward milliseconds
per layer (execution order, automatic Splits included), each layer's share of the iteration, the
totals, and the whole iteration (forward + backward, or forward only in the test phase) timed
without per-layer synchronization, with the images/s it gives. No solver update runs.

options:
  --backend NAME        auto (default), js, native, wasm or cuda
  --precision P         float32 (default), float16 or bfloat16 (mixed precision, cuda only)
  --phase train|test    train (default: forward + backward) or test (forward only)
  --iterations N        timed iterations (default 10)
  --warmup N            untimed iterations first (default 2)
  --batch N             batch size of every data layer (MemoryData, HDF5Data, Input, ...)
  --synthetic           random data in place of a MemoryData layer's "source" data set (mnist, cifar10)
  --json                print the timing as JSON instead of a table`;

export async function timeCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(TIME_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const { values: f, positionals } = parseFlags(rest, {
    backend: s, precision: s, phase: s, iterations: s, warmup: s, batch: s, synthetic: { type: 'boolean' }, json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one net definition file, found ${positionals.length}`);
  const phase = f.phase ?? 'train';
  if (phase !== 'train' && phase !== 'test') throw new UsageError(`--phase must be train or test, found ${JSON.stringify(phase)}`);
  const iterations = integerFlag('iterations', f.iterations, 1) ?? 10;
  const warmup = integerFlag('warmup', f.warmup, 0) ?? 2;
  const batch = integerFlag('batch', f.batch, 1);
  const def = readDefinition(positionals[0]!);
  const layers = timingDefinition(def.layers, { batch, synthetic: f.synthetic ?? false });
  let resolved: LayerConfig[];
  try {
    resolved = resolveSources(layers);
  } catch (e) {
    if (!(e instanceof DataError) || f.synthetic) throw e;
    throw new DataError(`${e.message}\n(cortado time --synthetic times the net on random data of the data set's shape)`, { cause: e });
  }
  const backend = createBackend((f.backend ?? 'auto') as BackendName, 'float32', {}, precisionFlag(f.precision));
  const net = new Net(resolved, { backend, phase, name: def.name ?? 'net', seed: def.seed });
  try {
    const timing = timeNet(net, { iterations, warmup });
    console.log(f.json ? JSON.stringify(timing) : timingTable(timing));
  } finally {
    net.destroy();
  }
  return 0;
}

/**
 * The layers with `batch` as every data layer's batch size (a `batchSize` field, or the first
 * axis of an Input layer's shapes), and with `synthetic`, each MemoryData `source` data set
 * replaced by one batch of uniform values in [0, 1) and labels 0 to 9 (what its reader gives).
 */
export function timingDefinition(layers: readonly LayerConfig[], options: { batch?: number; synthetic?: boolean }): LayerConfig[] {
  const { batch, synthetic } = options;
  const batched = layers.map((l) => {
    if (l === null || typeof l !== 'object') return l;
    let out: LayerConfig = l;
    if (batch !== undefined && 'batchSize' in l) out = { ...out, batchSize: batch };
    if (batch !== undefined && l.type === 'Input' && Array.isArray(l.shapes)) {
      out = { ...out, shapes: (l.shapes as unknown[]).map((s) => (Array.isArray(s) ? [batch, ...s.slice(1)] : s)) };
    }
    return out;
  });
  return synthetic ? shapeSources(batched, syntheticData) : batched;
}

/** `n` samples of `shape`: uniform values in [0, 1) and labels 0 to 9, from a fixed LCG. */
function syntheticData(n: number, shape: readonly number[]) {
  let s = 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const values = new Float32Array(n * shape.reduce((a, b) => a * b, 1)).map(next);
  const labels = new Float32Array(n).map((_, i) => i % 10);
  return [{ values, shape: [n, ...shape] }, { values: labels, shape: [n] }];
}
