/**
 * The graph `cortado draw` shows (Caffe's draw_net, Mocha's net2dot): one node per layer of the
 * definition in the phase drawn (the Splits a net inserts are left out, as they are not the
 * user's), an edge per (producer, blob, consumer), and a terminal node per blob no layer reads
 * (the net's outputs: `prob`, a loss). Each node says its type and key parameters; each blob its
 * shape when `shapeOf` knows it (from a built net; see Net.toString). Browser-safe.
 */
import { ConfigError } from '../core/errors.js';
import { parseLayerConfig, type LayerConfig, type Phase } from '../core/layer.js';
import { layerTypes } from '../layers/index.js';
import type { LayerTypes } from '../core/net.js';

export interface GraphNode {
  /** The layer's name, or `blob:<name>` for a terminal (a suffix `#<k>` where that is taken). */
  id: string;
  /** What the box shows first: the layer's name, or the blob's. */
  label: string;
  /** The layer's type, or 'blob' for a terminal. */
  type: string;
  /** Key parameters, e.g. "7×7/2 pad 3, 64 out, ReLU" ('' when none). */
  detail: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  blob: string;
  /** The blob's shape, when known. */
  shape?: readonly number[];
}

export interface NetGraph {
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const pair = (v: readonly number[], sep = '×') => (v[0] === v[1] ? `${v[0]}${sep}${v[0]}` : `${v[0]}${sep}${v[1]}`);
const inPhase = (l: LayerConfig, phase: Phase) => (!l.include || l.include.phase === phase) && (!l.exclude || l.exclude.phase !== phase);

/** Key parameters of a validated config, in Caffe's words. */
export function layerDetail(c: any): string {
  const parts: string[] = [];
  const geometry = () => {
    let g = `${pair(c.kernel)}`;
    if (c.stride[0] !== 1 || c.stride[1] !== 1) g += `/${c.stride[0] === c.stride[1] ? c.stride[0] : pair(c.stride)}`;
    if (c.pad[0] || c.pad[1]) g += ` pad ${c.pad[0] === c.pad[1] ? c.pad[0] : pair(c.pad)}`;
    return g;
  };
  switch (c.type) {
    case 'Convolution': case 'Deconvolution': parts.push(geometry(), `${c.numOutput} out`); if (c.group > 1) parts.push(`group ${c.group}`); break;
    case 'Pooling': parts.push(`${c.method} ${geometry()}`); break;
    case 'InnerProduct': parts.push(`${c.numOutput} out`); break;
    case 'LRN': parts.push(`size ${c.localSize}, α ${c.alpha}, β ${c.beta}`); break;
    case 'Dropout': parts.push(`ratio ${c.ratio}`); break;
    case 'Concat': case 'Slice': case 'Softmax': case 'LogSoftmax': if (c.axis !== 1) parts.push(`axis ${c.axis}`); break;
    case 'Accuracy': parts.push(`top-${c.topK}`); break;
    case 'Upsample': parts.push(`×${c.scale.join('×')} nearest`); break;
    case 'Input': parts.push(c.shapes.map((s: number[]) => s.join('×')).join(', ')); break;
    case 'MemoryData': case 'HDF5Data': case 'AsyncHDF5Data': parts.push(`batch ${c.batchSize}`); break;
  }
  if (c.neuron && c.neuron.op !== 'identity') parts.push(c.neuron.op === 'relu' ? 'ReLU' : c.neuron.op);
  if (typeof c.lossWeight === 'number' && c.lossWeight !== 1 && c.lossWeight !== 0) parts.push(`loss ×${c.lossWeight}`);
  return parts.join(', ');
}

/**
 * The graph of `layers` in `phase`. `shapeOf(blob)` gives a blob's shape or undefined. Throws a
 * ConfigError naming the layer for a bottom no layer produces.
 */
export function netGraph(name: string, layers: readonly LayerConfig[], phase: Phase, shapeOf: (blob: string) => readonly number[] | undefined = () => undefined, types: LayerTypes = layerTypes): NetGraph {
  const kept = layers.filter((l) => inPhase(l, phase));
  const nodes: GraphNode[] = kept.map((raw) => {
    const lt = types.get(raw.type);
    if (!lt) throw new ConfigError(`layer "${raw.name}": unknown type "${raw.type}"`);
    return { id: raw.name, label: raw.name, type: raw.type, detail: layerDetail(parseLayerConfig(raw, lt)) };
  });
  const producer = new Map<string, string>();
  for (const l of kept) for (const t of l.tops ?? []) producer.set(t, l.name);
  const edges: GraphEdge[] = [];
  const read = new Set<string>();
  for (const l of kept) {
    for (const b of l.bottoms ?? []) {
      const from = producer.get(b);
      if (from === undefined) throw new ConfigError(`layer "${l.name}" (${l.type}): bottom "${b}" is no layer's top in the ${phase} phase`);
      edges.push({ from, to: l.name, blob: b, shape: shapeOf(b) });
      read.add(b);
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  for (const [blob, from] of producer) {
    if (read.has(blob)) continue;
    let id = `blob:${blob}`;
    for (let k = 1; ids.has(id); k++) id = `blob:${blob}#${k}`;
    ids.add(id);
    nodes.push({ id, label: blob, type: 'blob', detail: '' });
    edges.push({ from, to: id, blob, shape: shapeOf(blob) });
  }
  return { name, nodes, edges };
}
