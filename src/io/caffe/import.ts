/**
 * importCaffe: a Caffe net (prototxt, V2 `layer` or V1 `layers` form) and optionally its trained
 * weights (caffemodel) → a Cortado definition and weights in Cortado's `<layer>___<param>` layout.
 *
 * 1. The prototxt is read by Caffe's schema and upgraded (V1 layers, net inputs → an Input layer).
 * 2. Every layer is mapped by the table of import-layers.ts, with its name, blobs, `include` /
 *    `exclude` phase, ParamSpecs (`lr_mult` → lrMult, `decay_mult` → decayMult; a parameter name
 *    shared with an earlier layer → that layer's paramKey) and `loss_weight`. Every layer that
 *    cannot be mapped, and every mapped layer whose fields Cortado rejects, is listed in ONE
 *    ConfigError.
 * 3. In-place layers are renamed (in-place.ts); global pooling gets the bottom's height and width
 *    as its kernel, from the shapes the net infers (batch 1 where that builds).
 * 4. The net is built (test phase, and train phase for train-only layers) to check it and learn
 *    its parameter shapes; the caffemodel's blobs are matched to them (import-weights.ts).
 */
import { JsBackend } from '../../backend/js/js-backend.js';
import { ConfigError, DataError, layerRef, ShapeError } from '../../core/errors.js';
import { parseLayerConfig, type LayerConfig, type Phase } from '../../core/layer.js';
import { Net, type LayerTypes } from '../../net.js';
import { layerTypes } from '../../layers/index.js';
import type { ArrayEntry } from '../weights-layout.js';
import { parseText, type Msg } from './codec.js';
import { IMPORTS } from './import-layers.js';
import { importWeights } from './import-weights.js';
import { renameInPlace } from './in-place.js';
import { upgradeNet } from './upgrade.js';

export interface CaffeNet {
  /** Caffe's net name, when the prototxt has one. */
  name?: string;
  layers: LayerConfig[];
}

export interface CaffeImport {
  /** The net as a Cortado definition (what a definition file's `{ name, layers }` holds). */
  definition: CaffeNet;
  /** Parameters found in the caffemodel, by key `<layer>___<param>` (empty without one). */
  weights: Map<string, ArrayEntry>;
}

export interface CaffeFiles {
  /** Names of the files in messages (default "prototxt" and "caffemodel"). */
  prototxtName?: string;
  caffemodelName?: string;
  /** The layer types the net may use (default: the standard set; Node's CLI adds the HDF5 layers). */
  layerTypes?: LayerTypes;
}

/** Reads a Caffe net and its weights; see the module comment. */
export function importCaffe(prototxt: string, caffemodel?: Uint8Array, files: CaffeFiles = {}): CaffeImport {
  const file = files.prototxtName ?? 'prototxt';
  const net = parseText('NetParameter', prototxt, file);
  const caffeLayers = upgradeNet(net, file);
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const mapped = caffeLayers.map((l, i) => mapLayer(l, i, owners, problems));
  if (problems.length) {
    throw new ConfigError(
      `${file}: ${problems.length} layer(s) Cortado cannot import:\n  ${problems.join('\n  ')}\n` +
        `Cortado imports the Caffe types ${[...IMPORTS.keys()].join(', ')}.`,
    );
  }
  checkFileOrder(mapped, file);
  const layers = renameInPlace(mapped);
  const types = files.layerTypes ?? layerTypes;
  validate(layers, file, types);
  const nets = inFile(file, () => {
    resolveGlobalPooling(layers, types);
    return buildNets(layers, types);
  });
  const weights = caffemodel ? importWeights(caffemodel, files.caffemodelName ?? 'caffemodel', caffeLayers, nets) : new Map();
  for (const n of nets) n.destroy();
  return { definition: { ...(net.name ? { name: net.name } : {}), layers }, weights };
}

function mapLayer(l: Msg, i: number, owners: Map<string, string>, problems: string[]): LayerConfig {
  const name: string = l.name || `layer${i}`;
  const where = `layer "${name}" (${l.type})`;
  const map = IMPORTS.get(l.type);
  const fields = map ? map(l) : 'no Cortado layer of this type';
  const rule = (rules: Msg[] | undefined, what: string) => {
    if (!rules?.length) return undefined;
    const r = rules[0];
    if (rules.length > 1 || r.phase === undefined || r.stage?.length || r.not_stage?.length || r.min_level !== undefined || r.max_level !== undefined) {
      problems.push(`${where}: ${what} rules other than one phase (stages and levels)`);
      return undefined;
    }
    return { phase: (r.phase === 'TRAIN' ? 'train' : 'test') as Phase };
  };
  const include = rule(l.include, 'include');
  const exclude = rule(l.exclude, 'exclude');
  if (typeof fields === 'string') {
    problems.push(`${where}: ${fields}`);
    return { type: String(l.type), name };
  }
  if (l.loss_weight?.length && !('lossWeight' in fields) && l.loss_weight.some((w: number) => w !== 0)) {
    problems.push(`${where}: loss_weight on a layer that is not a loss`);
  }
  const specs: Msg[] = l.param ?? [];
  const params = specs.map((s) => ({ lrMult: s.lr_mult ?? 1, decayMult: s.decay_mult ?? 1 }));
  let paramKey: string | undefined;
  const shared = specs.map((s) => s.name).filter((n): n is string => !!n);
  if (shared.length) {
    paramKey = owners.get(shared[0]);
    if (!paramKey) for (const n of shared) owners.set(n, name);
  }
  const config: LayerConfig = {
    ...fields, type: fields.type as string, name, bottoms: l.bottom ?? [], tops: l.top ?? [],
    ...(include ? { include } : {}), ...(exclude ? { exclude } : {}),
    ...(params.length && fields.type !== 'BatchNorm' ? { params } : {}), ...(paramKey ? { paramKey } : {}),
  };
  for (const k of Object.keys(config)) if (config[k] === undefined) delete config[k];
  return config;
}

/**
 * Caffe's order rule: a layer reads a blob that a layer above it in the file wrote (Caffe stops at
 * an "unknown bottom blob"). Checked before in-place tops are renamed, which assumes it.
 */
function checkFileOrder(layers: LayerConfig[], file: string): void {
  const written = new Set<string>();
  const problems: string[] = [];
  for (const l of layers) {
    for (const b of l.bottoms ?? []) {
      if (!written.has(b)) problems.push(`${layerRef(l.name, l.type)}: bottom "${b}" is not a top of any layer above it`);
    }
    for (const t of l.tops ?? []) written.add(t);
  }
  if (problems.length) throw new ConfigError(`${file}: ${problems.length} bottom(s) read before any layer writes them (Caffe reads a blob after the layer that writes it):\n  ${problems.join('\n  ')}`);
}

/** Runs `build`, naming `file` in the messages of the Cortado errors it throws. */
function inFile<T>(file: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if ((e instanceof ConfigError || e instanceof ShapeError || e instanceof DataError) && !e.message.startsWith(`${file}: `)) e.message = `${file}: ${e.message}`;
    throw e;
  }
}

/** Every mapped layer read by its Cortado type; all rejections in one ConfigError. */
function validate(layers: LayerConfig[], file: string, types: LayerTypes): void {
  const problems: string[] = [];
  for (const l of layers) {
    if (l.kernel === 'global') continue;
    try {
      const lt = types.get(l.type);
      if (!lt) throw new ConfigError(`layer "${l.name}": type "${l.type}" is not among the layer types given`);
      parseLayerConfig(l, lt);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new ConfigError(`${file}: ${problems.length} layer(s) whose fields Cortado rejects:\n  ${problems.join('\n  ')}`);
}

/** Global pooling: kernel = the bottom's [height, width], stride 1, no padding (Caffe's rule). */
function resolveGlobalPooling(layers: LayerConfig[], types: LayerTypes): void {
  layers.forEach((l, i) => {
    if (l.kernel !== 'global') return;
    const phase: Phase = l.include?.phase ?? 'test';
    const shape = bottomShape(layers.slice(0, i), l.bottoms![0], phase, types);
    if (shape.length !== 4) throw new ConfigError(`layer "${l.name}" (Pooling): global pooling needs a 4-d bottom [N, C, H, W]; bottom "${l.bottoms![0]}" is [${shape}]`);
    l.kernel = shape[2] === shape[3] ? shape[2] : [shape[2], shape[3]];
  });
}

function bottomShape(prefix: LayerConfig[], blob: string, phase: Phase, types: LayerTypes): number[] {
  const batch1 = prefix.map((l) => (l.type === 'Input' ? { ...l, shapes: (l.shapes as number[][]).map((s) => [1, ...s.slice(1)]) } : l));
  for (const layers of [batch1, prefix]) {
    let net: Net | undefined;
    try {
      net = new Net(layers, { backend: new JsBackend(), phase, layerTypes: types });
      return [...net.blob(blob).shape];
    } catch (e) {
      if (layers === prefix) throw e;
    } finally {
      net?.destroy();
    }
  }
  throw new Error('unreachable');
}

/** The test-phase net, and the train-phase one when some layer is train-only. */
export function buildNets(layers: LayerConfig[], types: LayerTypes = layerTypes): Net[] {
  const phases: Phase[] = ['test'];
  if (layers.some((l) => l.include?.phase === 'train' || l.exclude?.phase === 'test')) phases.push('train');
  const batch1 = layers.map((l) => (l.type === 'Input' ? { ...l, shapes: (l.shapes as number[][]).map((s) => [1, ...s.slice(1)]) } : l));
  return phases.map((phase) => {
    try {
      return new Net(batch1, { backend: new JsBackend(), phase, layerTypes: types });
    } catch {
      return new Net(layers, { backend: new JsBackend(), phase, layerTypes: types });
    }
  });
}
