/**
 * exportCaffe: a Cortado definition and its weights → a Caffe prototxt (V2 `layer` form) and a
 * caffemodel, such that importCaffe(exportCaffe(x)) computes what x computes with the same weights.
 *
 * Each layer goes through the table of export-layers.ts with its name, bottoms, tops, include /
 * exclude phase, ParamSpecs (lrMult → lr_mult, decayMult → decay_mult; a paramKey other than the
 * layer's name → ParamSpec names `<paramKey>___<param>`, Caffe's sharing) and loss weight. A neuron
 * (Convolution, InnerProduct, Pooling, Deconvolution) becomes a Caffe layer `<name>_<neuron>`
 * working in place on the top; Identity becomes one Split per bottom. Every layer Caffe cannot
 * hold is listed in ONE ConfigError. The caffemodel holds every layer with its blobs: the
 * parameters of the layer found in `weights` (by key `<paramKey>___<param>`), in declaration
 * order; a layer with some but not all of them is an error.
 */
import { ConfigError } from '../../core/errors.js';
import { parseLayerConfig, type LayerConfig } from '../../core/layer.js';
import type { Net, LayerTypes } from '../../core/net.js';
import { layerTypes } from '../../layers/index.js';
import type { ArrayEntry } from '../weights-layout.js';
import { encodeBinary, formatText, type Msg } from './codec.js';
import { EXPORTS, neuronLayer } from './export-layers.js';
import { buildNets, type CaffeNet } from './import.js';

export interface CaffeExport {
  /** The net in Caffe's text format. */
  prototxt: string;
  /** The net with its weights in Caffe's binary format. */
  caffemodel: Uint8Array;
}

/** Writes a net for Caffe; see the module comment. `definition` is a layer list or `{ name, layers }`. */
export function exportCaffe(definition: LayerConfig[] | CaffeNet, weights: Map<string, ArrayEntry> = new Map(), options: { layerTypes?: LayerTypes } = {}): CaffeExport {
  const types = options.layerTypes ?? layerTypes;
  const net: CaffeNet = Array.isArray(definition) ? { layers: definition } : definition;
  const nets = buildNets(net.layers, types);
  const built = new Map(nets.flatMap((n) => n.layers).map((l) => [l.name, l]));
  const common = (raw: LayerConfig) => commonFields(raw, built.get(raw.name)?.params.length ?? 0);
  const problems: string[] = [];
  const layers: { caffe: Msg[]; raw: LayerConfig }[] = [];
  for (const raw of net.layers) {
    const where = `layer "${raw.name}" (${raw.type})`;
    const lt = types.get(raw.type);
    if (raw.type === 'Identity') {
      layers.push({ raw, caffe: (raw.bottoms ?? []).map((b, i) => ({ ...common(raw), name: i ? `${raw.name}_${i}` : raw.name, type: 'Split', bottom: [b], top: [raw.tops![i]] })) });
      continue;
    }
    const entry = EXPORTS[raw.type];
    if (!lt || !entry) {
      problems.push(`${where}: Caffe has no such layer`);
      continue;
    }
    const c = parseLayerConfig(raw, lt) as any;
    const fields = entry(c, raw);
    if (typeof fields === 'string') {
      problems.push(`${where}: ${fields}`);
      continue;
    }
    const caffe: Msg[] = [{ ...common(raw), ...fields }];
    if (c.neuron && c.neuron.op !== 'identity') {
      caffe.push({ name: `${raw.name}_${c.neuron.op}`, bottom: [c.tops[0]], top: [c.tops[0]], ...phases(raw), ...neuronLayer(c.neuron.op, c.neuron.alpha) });
    }
    layers.push({ raw, caffe });
  }
  if (problems.length) throw new ConfigError(`${problems.length} layer(s) Caffe cannot hold:\n  ${problems.join('\n  ')}`);
  const withBlobs = layers.flatMap(({ raw, caffe }) => [{ ...caffe[0], blobs: blobsOf(raw, nets, weights) }, ...caffe.slice(1)]);
  for (const n of nets) n.destroy();
  const name = net.name ? { name: net.name } : {};
  const prototxt = formatText('NetParameter', { ...name, layer: layers.flatMap((l) => l.caffe) });
  return { prototxt, caffemodel: encodeBinary('NetParameter', { ...name, layer: withBlobs }) };
}

function phases(raw: LayerConfig): Msg {
  const rule = (r: LayerConfig['include']) => (r ? [{ phase: r.phase === 'train' ? 'TRAIN' : 'TEST' }] : undefined);
  return { ...(raw.include ? { include: rule(raw.include) } : {}), ...(raw.exclude ? { exclude: rule(raw.exclude) } : {}) };
}

/** name, bottoms, tops, phases and ParamSpecs (`count`: the layer's number of parameters). */
function commonFields(raw: LayerConfig, count: number): Msg {
  const shared = raw.paramKey !== undefined && raw.paramKey !== raw.name;
  const given = raw.type === 'BatchNorm' ? [0, 1, 2].map(() => ({ lrMult: 0, decayMult: 0 })) : (raw.params ?? []);
  const specs = Array.from({ length: shared ? count : given.length }, (_, i) => given[i] ?? {});
  const param = specs.map((p, i) => ({
    ...(shared ? { name: `${raw.paramKey}___${i}` } : {}), lr_mult: p.lrMult ?? 1, decay_mult: p.decayMult ?? 1,
  }));
  return { name: raw.name, bottom: raw.bottoms ?? [], top: raw.tops ?? [], ...phases(raw), ...(param.length ? { param } : {}) };
}

function blobsOf(raw: LayerConfig, nets: Net[], weights: Map<string, ArrayEntry>): Msg[] {
  const layer = nets.flatMap((n) => n.layers).find((l) => l.name === raw.name);
  if (!layer || !layer.params.length) return [];
  const found = layer.params.map((p) => weights.get(p.key));
  if (found.every((e) => e === undefined)) return [];
  const missing = layer.params.filter((_, i) => !found[i]).map((p) => `"${p.key}"`);
  if (missing.length) throw new ConfigError(`layer "${raw.name}" (${raw.type}): the weights lack ${missing.join(', ')} (they hold the layer's other parameters)`);
  return found.map((e) => ({ shape: { dim: e!.shape }, data: Array.from(e!.values) }));
}
