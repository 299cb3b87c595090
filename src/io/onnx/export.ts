/**
 * exportOnnx: a Cortado net (or a definition and its weights) → an ONNX model (opset 17, IR 8) of
 * its inference graph, as the net computes in the test phase.
 *
 * - Input layers become graph inputs (one per top, float32, the static shape of the definition);
 *   the blobs no layer reads become graph outputs. ONNX values are named as the blobs.
 * - Every other layer goes through the table of export-layers.ts; its main node is named as the
 *   layer, its parameters are initializers named by their keys (`conv1___weight`), except where
 *   ONNX wants them transformed (BatchNorm's statistics divided by its scale factor; shapes made to
 *   broadcast). Splits the net inserted itself are not written (ONNX values fan out freely).
 * - Layers ONNX cannot hold, and layers an inference graph has no use for (losses, accuracies, data
 *   layers other than Input), are listed in ONE ConfigError: export a deploy net (Input layers, no
 *   loss), as Caffe's deploy.prototxt.
 */
import { JsBackend } from '../../backend/js/js-backend.js';
import { ConfigError } from '../../core/errors.js';
import type { Layer, LayerConfig } from '../../core/layer.js';
import { Net as CoreNet, type LayerTypes } from '../../core/net.js';
import { Net } from '../../net.js';
import type { ArrayEntry } from '../weights-layout.js';
import { encodeModel } from './codec.js';
import { EXPORTS, type Ctx } from './export-layers.js';
import { EXPORTS_MORE } from './export-reduce.js';
import { EXPORTS_RECURRENT } from './export-recurrent.js';
import { GraphBuilder } from './graph-builder.js';

/** The opset written. */
export const OPSET = 17;

const NOT_INFERENCE: Record<string, string> = {
  MemoryData: 'a data layer (a deploy net takes Input layers)',
  HDF5Data: 'a data layer (a deploy net takes Input layers)',
  AsyncHDF5Data: 'a data layer (a deploy net takes Input layers)',
  HDF5Output: 'an output sink', MemoryOutput: 'an output sink',
  RandomNormal: 'random values (ONNX graphs of Cortado are deterministic)',
  RandomMask: 'random masking',
};

/** A net as a definition and weights (by key, as loadWeights gives them). */
export interface OnnxSource {
  name?: string;
  layers: LayerConfig[];
}

/**
 * Writes the net's inference graph; see the module comment. A definition is built in the test
 * phase on JsBackend and takes `weights` (every parameter of the net must be there).
 */
export function exportOnnx(net: CoreNet | OnnxSource | LayerConfig[], weights?: Map<string, ArrayEntry>, options: { layerTypes?: LayerTypes } = {}): Uint8Array {
  if (net instanceof CoreNet) return exportNet(net);
  const def = Array.isArray(net) ? { layers: net } : net;
  const built = new Net(def.layers, { backend: new JsBackend('float32'), phase: 'test', name: def.name ?? 'net', layerTypes: options.layerTypes });
  try {
    for (const p of built.params) {
      const e = weights?.get(p.key);
      if (!e && weights) throw new ConfigError(`exportOnnx: the weights lack "${p.key}" (the net's parameters are ${built.params.map((q) => `"${q.key}"`).join(', ')})`);
      if (e) p.blob.write(e.values);
    }
    return exportNet(built);
  } finally {
    built.destroy();
  }
}

function exportNet(net: CoreNet): Uint8Array {
  const consumed = new Set(net.layers.flatMap((l) => l.config.bottoms));
  // The net's own Splits: named `<blob>_split`, tops `<blob>_split_<i>`, read by no definition.
  const own = (l: Layer) => l.type === 'Split' && l.name.startsWith(`${l.config.bottoms[0]}_split`)
    && l.config.tops.every((t) => t.startsWith(`${l.config.bottoms[0]}_split_`) && !consumed.has(t));
  const layers = net.layers.filter((l) => !own(l));
  const g = new GraphBuilder(net.blobs.keys(), new Set(layers.map((l) => l.name)));
  const problems: string[] = [];
  for (const layer of layers) {
    const why = exportLayer(net, layer, g);
    if (!why) continue;
    problems.push(`layer "${layer.name}" (${layer.type}): ${why}`);
    // Its tops stand written for the layers after it, so that every problem is listed at once.
    for (const t of layer.config.tops) g.def(t);
  }
  if (problems.length) throw new ConfigError(`${problems.length} layer(s) ONNX cannot hold:\n  ${problems.join('\n  ')}`);
  for (const b of net.outputBlobNames) g.outputs.push(g.value(g.use(b), net.blob(b).shape));
  return encodeModel({
    ir_version: 8, producer_name: 'cortado', opset_import: [{ domain: '', version: OPSET }],
    graph: { name: net.name, node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
  });
}

function exportLayer(net: Net, layer: Layer, g: GraphBuilder): string | void {
  if (/Loss$/.test(layer.type) || layer.lossWeight > 0 || layer.type === 'Accuracy' || layer.type === 'BinaryAccuracy') return 'a loss or a metric (export the deploy net: Input layers, no loss)';
  if (NOT_INFERENCE[layer.type]) return NOT_INFERENCE[layer.type];
  const c = layer.config as any;
  if (layer.type === 'Input') {
    if (c.transformers.some((t: unknown[]) => t.length)) return 'transformers (ONNX takes the transformed values; apply them before the model)';
    for (const t of c.tops) g.inputs.push(g.value(g.def(t), net.blob(t).shape));
    return;
  }
  const entry = EXPORTS[layer.type] ?? EXPORTS_MORE[layer.type] ?? EXPORTS_RECURRENT[layer.type];
  if (!entry) return 'ONNX export does not cover this layer type';
  const tops = new Map<number, string>();
  const param = (name: string) => {
    const p = layer.params.find((q) => q.name === name);
    if (!p) throw new Error(`layer "${layer.name}" has no parameter "${name}"`);
    return p;
  };
  const x: Ctx = {
    layer, name: layer.name, c, g, bottoms: c.bottoms, tops: c.tops,
    bottom: (i) => g.use(c.bottoms[i]),
    top: (i) => tops.get(i) ?? (tops.set(i, g.def(c.tops[i])), tops.get(i)!),
    inShape: (i) => [...net.blob(c.bottoms[i]).shape],
    outShape: (i) => [...net.blob(c.tops[i]).shape],
    axis: (a = c.axis) => (a < 0 ? a + net.blob(c.bottoms[0]).shape.length : a),
    param: (name) => g.floats(param(name).key, param(name).blob.shape, param(name).blob.read()),
    paramAs: (name, dims, values) => g.floats(param(name).key, dims, values ?? param(name).blob.read()),
    paramShape: (name) => [...param(name).blob.shape],
    paramValues: (name) => Array.from(param(name).blob.read()),
  };
  return entry(x) ?? undefined;
}
