/**
 * Deploy nets derived from training definitions, so that a net is declared once (Caffe users keep
 * a train_val.prototxt and a deploy.prototxt by hand; here the second is computed).
 *
 * `deployDefinition(train)` keeps the layers of the training net and:
 * - drops the data layers (no bottoms, type ending in "Data") and puts one `Input` in their place,
 *   named "input", whose tops are the data tops that a kept layer reads (the label is dropped), each
 *   of shape [batchSize, ...per-sample shape];
 * - drops losses (types ending in "Loss") and metrics (types ending in "Accuracy"), the layers that
 *   exist in the test phase only (include: { phase: 'test' }), and then, repeatedly, every layer
 *   that reads a blob no kept layer produces (a label's preprocessing);
 * - removes `include` / `exclude` from the layers kept (build the deploy net with phase 'test', so
 *   that Dropout and BatchNorm act as at inference).
 * Layer names, and so parameter keys, are unchanged: weights saved from the training net load
 * into the deploy net, and a deploy net built with `shareParamsWith: trainNet` uses its weights.
 *
 * Per-sample shapes come from `options.inputShape` (one shape for a single input top, or shapes by
 * top name), else from the data layer: a MemoryData's `data[k].shape` without its first axis, or
 * its `source` ("mnist:..." is [1, 28, 28], "cifar10:..." [3, 32, 32]). An HDF5Data layer's files
 * are not read here: give `inputShape`. A shape that cannot be found is a ConfigError naming the
 * layer and the top. The data layer's transformers (SubMean, Scale) go along to the Input, except
 * the random ones (RandomCrop, RandomMirror), which are training augmentation; a MemoryData
 * `scale` is not applied: feed values as the net saw them.
 */
import { ConfigError } from './errors.js';
import type { LayerConfig } from './layer.js';

export interface DeployOptions {
  /** Per-sample shape of the input top, or shapes by top name (see the module comment). */
  inputShape?: readonly number[] | Readonly<Record<string, readonly number[]>>;
  /** First axis of the Input's shapes (default 1; predict runs any number of samples in batches of it). */
  batchSize?: number;
}

/** The shape of one sample of each data set a MemoryData `source` can name ("mnist:...", "cifar10:...", read in Node). */
export const SOURCE_SHAPES: Readonly<Record<'mnist' | 'cifar10', readonly number[]>> = { mnist: [1, 28, 28], cifar10: [3, 32, 32] };
const RANDOM_TRANSFORMERS = new Set(['RandomCrop', 'RandomMirror']);

const isData = (l: LayerConfig) => (l.bottoms ?? []).length === 0 && /Data$/.test(l.type);
const isLossOrMetric = (l: LayerConfig) => /(Loss|Accuracy)$/.test(l.type);
const testOnly = (l: LayerConfig) => l.include?.phase === 'test' || l.exclude?.phase === 'train';

/** The inference net of a training definition (see the module comment). */
export function deployDefinition(train: readonly LayerConfig[], options: DeployOptions = {}): LayerConfig[] {
  if (!Array.isArray(train)) throw new ConfigError(`deployDefinition: expected a list of layers, found ${typeof train}`);
  const data: LayerConfig[] = train.filter((l) => isData(l) && !testOnly(l));
  if (data.length === 0) throw new ConfigError('deployDefinition: the definition has no data layer (a layer without bottoms whose type ends in "Data") in the train phase');
  let kept: LayerConfig[] = train.filter((l) => !isData(l) && !isLossOrMetric(l) && !testOnly(l));
  const dataTops = new Set(data.flatMap((l) => l.tops ?? []));
  // Drop layers reading blobs that nothing kept produces, until none is left.
  for (;;) {
    const produced = new Set([...dataTops, ...kept.flatMap((l) => l.tops ?? [])]);
    const next = kept.filter((l) => (l.bottoms ?? []).every((b) => produced.has(b)));
    const fed = new Set(next.flatMap((l) => l.bottoms ?? []));
    // A data top read only by dropped layers (the label) is no input.
    for (const t of [...dataTops]) if (!fed.has(t)) dataTops.delete(t);
    if (next.length === kept.length) break;
    kept = next;
  }
  const tops = data.flatMap((l) => (l.tops ?? []).filter((t) => dataTops.has(t)).map((t) => ({ layer: l, top: t, index: (l.tops ?? []).indexOf(t) })));
  if (tops.length === 0) throw new ConfigError('deployDefinition: no kept layer reads a data top; nothing to feed');
  const batch = options.batchSize ?? 1;
  const input: LayerConfig = {
    type: 'Input',
    name: 'input',
    tops: tops.map((t) => t.top),
    shapes: tops.map((t) => [batch, ...sampleShape(t.layer, t.top, t.index, options.inputShape, tops.length)]),
  };
  const transformers = Object.fromEntries(tops.map((t) => [t.top, inferenceTransformers(t.layer, t.index)]).filter(([, list]) => (list as unknown[]).length > 0));
  if (Object.keys(transformers).length > 0) input.transformers = transformers;
  const strip = (l: LayerConfig): LayerConfig => {
    const { include: _i, exclude: _e, ...rest } = l;
    return rest as LayerConfig;
  };
  return [input, ...kept.map(strip)];
}

function sampleShape(l: LayerConfig, top: string, index: number, given: DeployOptions['inputShape'], inputs: number): number[] {
  if (given !== undefined) {
    if (Array.isArray(given)) {
      if (inputs === 1) return [...(given as number[])];
    } else if ((given as Record<string, number[]>)[top]) return [...(given as Record<string, number[]>)[top]!];
  }
  const entry = Array.isArray(l.data) ? (l.data[index] as { shape?: unknown } | undefined) : undefined;
  if (entry && Array.isArray(entry.shape)) return (entry.shape as number[]).slice(1);
  const set = typeof l.source === 'string' ? /^(mnist|cifar10):/.exec(l.source)?.[1] as keyof typeof SOURCE_SHAPES | undefined : undefined;
  if (set && index === 0) return [...SOURCE_SHAPES[set]];
  throw new ConfigError(
    `deployDefinition: layer "${l.name}" (${l.type}): the per-sample shape of top "${top}" is not in the definition; ` +
      `give it: deployDefinition(layers, { inputShape: ${inputs === 1 ? '[c, h, w]' : `{ ${top}: [c, h, w] }`} })`,
  );
}

/** The data layer's transformers for top `index` that also apply at inference (not the random ones). */
function inferenceTransformers(l: LayerConfig, index: number): unknown[] {
  const t = l.transformers;
  const top = l.tops?.[index];
  const list = Array.isArray(t) ? (index === 0 ? t : []) : t && typeof t === 'object' && top ? ((t as Record<string, unknown>)[top] ?? []) : [];
  return (list as { type?: string }[]).filter((x) => !RANDOM_TRANSFORMERS.has(String(x?.type)));
}
