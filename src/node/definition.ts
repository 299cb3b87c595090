/**
 * Net definition files: JSON holding either a list of layers, or an object
 * `{ name?, seed?, solver?, coffeeBreaks?, layers }`. Data layers may name a `source` that is
 * loaded here, in Node, before the net is built: `"source": "mnist:train"` or `"mnist:test"` on a
 * MemoryData layer fills its `data` with the MNIST images (scaled to [0, 1)) and labels;
 * `"source": "cifar10:<dir>/<file.bin>[,<file.bin>...]"` with the CIFAR-10 binary batches named
 * (the first path relative to the working directory, the others to the first one's directory).
 * File paths that the Node-only layers read or write (the `source` list of HDF5Data and
 * AsyncHDF5Data, HDF5Output's `filename`, a SubMean transformer's `meanFile`) are relative to the
 * definition file's folder when they are relative, so a definition runs from any working directory.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, DataError } from '../core/errors.js';
import type { LayerConfig } from '../core/layer.js';
import { ConfigReader, type Raw } from '../core/config.js';
import { SOURCE_SHAPES } from '../core/deploy.js';
import { checkSeed } from '../core/random.js';
import { loadMnist } from './data/mnist.js';
import { readRegularFile } from './io/files.js';
import { CIFAR10_SHAPE, loadCifar10 } from './data/cifar10.js';

export interface CoffeeBreakSettings {
  /** TrainingSummary every n iterations (default 100; 0 for none). */
  summaryEvery?: number;
  /** ValidationPerformance every n iterations (default 1000; 0 for none; needs test-phase data). */
  validateEvery?: number;
  /** Snapshot every n iterations (default 5000; 0 for none). */
  snapshotEvery?: number;
  /**
   * EarlyStopping at each validation: stop after `patience` validations without a strict
   * improvement of the watched statistic, and put back the best weights. Needs validation.
   */
  earlyStopping?: { patience: number } & WatchSettings;
  /**
   * DecayOnValidation (Mocha's) at each validation: when the watched statistic gets worse than its
   * best, multiply the learning rate by `factor` (in (0, 1)) and go back to the best weights.
   */
  decayOnValidation?: { factor: number } & WatchSettings;
}

/** The statistic a validation break watches. */
export interface WatchSettings {
  /** A lounge statistic (default 'validation/accuracy'). */
  statistic?: string;
  /** Whether higher or lower is better: required with `statistic`; 'higher' for the default statistic. */
  better?: 'higher' | 'lower';
}

export interface Definition {
  name?: string;
  seed?: number;
  solver?: Raw;
  coffeeBreaks?: CoffeeBreakSettings;
  layers: LayerConfig[];
}

export function readDefinition(path: string): Definition {
  const text = readRegularFile(path, `net definition ${path}`).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`net definition ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const def = (Array.isArray(json) ? { layers: json } : json) as Definition;
  if (def === null || typeof def !== 'object' || !Array.isArray(def.layers)) {
    throw new ConfigError(`net definition ${path}: expected a list of layers or an object with a "layers" list`);
  }
  const where = `net definition ${path}`;
  const r = new ConfigReader(def as unknown as Raw, where);
  const name = r.optionalString('name');
  r.accept('seed', 'solver', 'coffeeBreaks', 'layers');
  const seed = def.seed === undefined ? undefined : checkSeed(def.seed, `${where}: field "seed"`);
  const coffeeBreaks = def.coffeeBreaks === undefined ? undefined : parseCoffeeBreaks(def.coffeeBreaks, `${where}, field "coffeeBreaks"`);
  r.finish();
  const base = dirname(resolve(path));
  return { ...def, name, seed, coffeeBreaks, layers: def.layers.map((l) => relativeTo(base, l)) };
}

/**
 * Checks coffee-break settings (from a definition file or TrainOptions): each field an integer
 * >= 0, and no other field (a typo such as `snapshotEvry` would silently write no snapshots).
 */
export function parseCoffeeBreaks(raw: unknown, where: string): CoffeeBreakSettings {
  const r = new ConfigReader(raw as Raw, where);
  const out: CoffeeBreakSettings = {};
  for (const k of ['summaryEvery', 'validateEvery', 'snapshotEvery'] as const) {
    if (r.has(k)) out[k] = r.int(k, undefined, { min: 0 });
    else r.accept(k);
  }
  const early = r.object('earlyStopping');
  if (early) out.earlyStopping = { patience: early.int('patience', undefined, { min: 1 }), ...readWatch(early) };
  const decay = r.object('decayOnValidation');
  if (decay) {
    const factor = decay.number('factor', undefined, { min: 0, max: 1 });
    if (factor === 0 || factor === 1) decay.fail('factor', 'in (0, 1), exclusive', factor);
    out.decayOnValidation = { factor, ...readWatch(decay) };
  }
  r.finish();
  return out;
}

/** The default statistic the validation breaks watch, and its direction. */
export const DEFAULT_WATCH = { statistic: 'validation/accuracy', better: 'higher' } as const;

/** `statistic` and `better` of a validation break; `better` is required when `statistic` is given. */
function readWatch(r: ConfigReader): Required<WatchSettings> {
  if (!r.has('statistic')) {
    const better = r.has('better') ? r.oneOf('better', ['higher', 'lower']) : DEFAULT_WATCH.better;
    r.finish();
    return { statistic: DEFAULT_WATCH.statistic, better };
  }
  const statistic = r.string('statistic');
  if (!r.has('better')) r.fail('better', `given with "statistic" ('higher' or 'lower': which way is an improvement of "${statistic}")`, undefined);
  const better = r.oneOf('better', ['higher', 'lower']);
  r.finish();
  return { statistic, better };
}

/** The layer with its file paths (see the module comment) made absolute against `base`. */
function relativeTo(base: string, l: LayerConfig): LayerConfig {
  if (l === null || typeof l !== 'object') return l;
  const abs = (p: unknown) => (typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(base, p) : p);
  const out: LayerConfig = { ...l };
  if (/HDF5Data$/.test(String(l.type)) && 'source' in l) out.source = abs(l.source);
  if (l.type === 'HDF5Output' && 'filename' in l) out.filename = abs(l.filename);
  const withMean = (list: unknown): unknown =>
    Array.isArray(list) ? list.map((t) => (t && typeof t === 'object' && 'meanFile' in t ? { ...t, meanFile: abs((t as Raw).meanFile) } : t)) : list;
  if (Array.isArray(l.transformers)) out.transformers = withMean(l.transformers);
  else if (l.transformers && typeof l.transformers === 'object') {
    out.transformers = Object.fromEntries(Object.entries(l.transformers as Raw).map(([k, v]) => [k, withMean(v)]));
  }
  return out;
}

/** What a MemoryData `source` names: the MNIST part, or the CIFAR-10 files; checked as resolveSources reads it. */
type Source = { set: 'mnist'; part: 'train' | 'test' } | { set: 'cifar10'; files: string[] };

function parseSource(l: LayerConfig): Source {
  const source = l.source;
  const cifar = /^cifar10:(.+)$/.exec(String(source));
  if (cifar) {
    const files = cifar[1]!.split(',').map((f) => f.trim());
    if (files.some((f) => f === '')) throw new ConfigError(`layer "${l.name}" (MemoryData): source ${JSON.stringify(source)} has an empty file name; expected "cifar10:<dir>/<file.bin>[,<file.bin>...]"`);
    return { set: 'cifar10', files };
  }
  const m = /^mnist:(train|test)$/.exec(String(source));
  if (!m) throw new ConfigError(`layer "${l.name}" (MemoryData): unknown source ${JSON.stringify(source)}; known sources: "mnist:train", "mnist:test", "cifar10:<dir>/<file.bin>[,<file.bin>...]"`);
  return { set: 'mnist', part: m[1] as 'train' | 'test' };
}

/** A MemoryData layer's `data`: n samples of `shape` and their n labels. */
export type SourceSamples = (n: number, shape: readonly number[]) => { values: Float32Array; shape: number[] }[];

const zeros: SourceSamples = (n, shape) =>
  [{ values: new Float32Array(n * shape.reduce((a, b) => a * b, 1)), shape: [n, ...shape] }, { values: new Float32Array(n), shape: [n] }];

/** Replaces `source` fields of data layers by the data they name. */
export function resolveSources(layers: readonly LayerConfig[]): LayerConfig[] {
  let mnist: ReturnType<typeof loadMnist> | undefined;
  return layers.map((l) => {
    // Other layers with a `source` (HDF5Data's list file) read it themselves.
    if (l === null || typeof l !== 'object' || l.source === undefined || l.type !== 'MemoryData') return l;
    const { source, ...rest } = l;
    const src = parseSource(l);
    if (src.set === 'cifar10') {
      let set: ReturnType<typeof loadCifar10>;
      try {
        set = loadCifar10(src.files);
      } catch (e) {
        if (e instanceof DataError) throw new DataError(`layer "${l.name}" (MemoryData) source ${JSON.stringify(source)}: ${e.message}`, { cause: e });
        throw e;
      }
      return { ...rest, data: [{ values: set.images, shape: [set.count, ...CIFAR10_SHAPE] }, { values: set.labels, shape: [set.count] }] };
    }
    mnist ??= loadMnist();
    const set = src.part === 'train' ? mnist.train : mnist.test;
    return { ...rest, data: [{ values: set.images, shape: [set.count, ...mnist.shape] }, { values: set.labels, shape: [set.count] }] };
  });
}

/**
 * Replaces `source` fields of MemoryData layers by one batch of samples of their data set's shape
 * (zeros, or what `samples` makes), without reading the data: for what needs the net's shapes and
 * not its data (cortado draw, the exports, cortado time --synthetic). A source resolveSources would
 * refuse is refused the same way.
 */
export function shapeSources(layers: readonly LayerConfig[], samples: SourceSamples = zeros): LayerConfig[] {
  return layers.map((l) => {
    if (l === null || typeof l !== 'object' || l.source === undefined || l.type !== 'MemoryData') return l;
    const { source: _, ...rest } = l;
    const n = typeof l.batchSize === 'number' && Number.isInteger(l.batchSize) && l.batchSize > 0 ? l.batchSize : 1;
    return { ...rest, data: samples(n, SOURCE_SHAPES[parseSource(l).set]) };
  });
}
