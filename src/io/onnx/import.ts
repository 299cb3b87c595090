/**
 * importOnnx: an ONNX model (bytes) → a Cortado definition and weights that compute what the
 * model computes, ready to run (net.predict) or to fine-tune (add a loss on its output).
 *
 * - Graph inputs that are not initializers become Input layers (one per input, named
 *   `input_<name>`); a symbolic dimension (a batch "N") takes `options.batchSize` (default 1).
 * - Nodes go in order through the table of import-ops.ts; each yields Cortado layers named after
 *   the node (characters other than letters, digits, `_`, `-` and `.` become `_`; empty or taken
 *   names get the op and a number), whose blobs are the ONNX value names, and weights keyed
 *   `<layer>___<param>` as net.loadWeights and saveWeights want them.
 * - Nodes whose inputs are all constant (initializers, Constant nodes, shapes of computed values)
 *   are folded (fold.ts) and leave no layer. A constant read as data (a class token) or given as
 *   a graph output becomes a learned Parameter layer (see parameterOf).
 * - Before the nodes are read, a LayerNorm written as means, a difference, a square root and a
 *   division becomes one LayerNormalization node; once every node is in, the exact GELU's Erf
 *   chain becomes one GELU layer (fuse.ts).
 * - Every node Cortado cannot map is listed in ONE ConfigError (op, node name, why); a damaged
 *   file is a DataError naming `options.file`, and so is a weight that does not fit the parameter
 *   its layer makes from its input's shape.
 * Shapes of computed values (for Shape, global pooling, floor-mode pooling, Slice) come from a
 * Cortado net built from the layers so far (shapes.ts).
 */
import { ConfigError, DataError, ShapeError } from '../../core/errors.js';
import type { LayerConfig } from '../../core/layer.js';
import { firstNonFinite, type ArrayEntry } from '../weights-layout.js';
import { BOOL, attributes, decodeModel, readTensor, type Msg, type Tensor } from './codec.js';
import { fold, FOLDABLE } from './fold.js';
import { fuseGelu, fuseLayerNormNodes } from './fuse.js';
import { IMPORTS, type Entry, type In } from './import-ops.js';
import { MORE_IMPORTS } from './import-more.js';
import { RECURRENT_IMPORTS } from './import-recurrent.js';
import { ShapeOracle } from './shapes.js';

export interface OnnxImport {
  definition: { name: string; layers: LayerConfig[] };
  weights: Map<string, ArrayEntry>;
}

export interface OnnxImportOptions {
  /** Names the file in messages (default 'model.onnx'). */
  file?: string;
  /** The size given to symbolic input dimensions (default 1). */
  batchSize?: number;
}

/** Reads an ONNX model; see the module comment. */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): OnnxImport {
  const file = options.file ?? 'model.onnx';
  const model = decodeModel(bytes, file);
  const graph: Msg = model.graph;
  fuseLayerNormNodes(graph, readTensor);
  const opset = (model.opset_import ?? []).find((o: Msg) => !o.domain || o.domain === 'ai.onnx')?.version ?? 1;
  const consts = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) consts.set(t.name, readTensor(t, `${file}: initializer "${t.name}"`));
  // The constants that hold a model's weights: initializers and what is folded from them. The
  // others are computed from shapes and literals alone (Swin's attention mask): never learned.
  const fromWeights = new Set(consts.keys());
  const layers: LayerConfig[] = [];
  const weights = new Map<string, ArrayEntry>();
  const names = new Set<string>();
  const layerName = (base: string) => {
    let name = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '') || 'layer';
    for (let k = 1; names.has(name); k++) name = `${base}_${k}`.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+/, '');
    names.add(name);
    return name;
  };
  for (const v of graph.input ?? []) {
    if (consts.has(v.name)) continue;
    const dims: Msg[] | undefined = v.type?.tensor_type?.shape?.dim;
    if (!dims) throw new DataError(`${file}: graph input "${v.name}" has no tensor shape`);
    const shape = dims.map((d) => (d.dim_value !== undefined && d.dim_value > 0 ? d.dim_value : options.batchSize ?? 1));
    layers.push({ type: 'Input', name: layerName(`input_${v.name}`), tops: [v.name], shapes: [shape] });
  }
  const boolInputs = new Set<string>((graph.input ?? []).filter((v: Msg) => v.type?.tensor_type?.elem_type === BOOL).map((v: Msg) => v.name));
  const oracle = new ShapeOracle(layers);
  /** A weight, refused when it holds a NaN or an infinity (`where` names the node or output). */
  const setWeight = (where: string, layer: string, param: string, dims: readonly number[], values: ArrayLike<number>) => {
    const bad = firstNonFinite(values);
    if (bad >= 0) throw new DataError(`${file}: ${where}: weight "${layer}___${param}" has ${values[bad]} at index ${bad} (weights must be finite)`);
    weights.set(`${layer}___${param}`, { shape: [...dims], values: Float32Array.from(values) });
  };
  /**
   * The constant `value` as a blob: a Parameter layer holding it, made once per constant, named as
   * the parameter when the constant (or what an Identity passes on) is named as exportOnnx names
   * one, `<key>___value`. A constant whose items along axis 0 are all equal (an Expand to the
   * batch) is one item, tiled.
   */
  const parameters = new Set<string>();
  const madeParameters: string[] = [];
  const parameterOf = (value: string, weight: (layer: string, dims: number[], values: ArrayLike<number>) => void): string => {
    if (parameters.has(value)) return value;
    const t = consts.get(value)!;
    const dims = t.dims.length ? [...t.dims] : [1];
    const item = dims.slice(1).reduce((a, b) => a * b, 1);
    const tiled = dims.length > 1 && dims[0] > 1 && t.values.every((v, i) => Object.is(v, t.values[i % item]));
    const shape = tiled ? [1, ...dims.slice(1)] : dims;
    // The constant itself, or an Identity of it, named `<key>___value`.
    const named = [...consts].find(([k, c]) => c === t && /___value$/.test(k))?.[0];
    const name = layerName(named ? named.slice(0, -'___value'.length) : `${value}_parameter`);
    const top = tiled ? `${value}_item` : value;
    // not learned when computed from shapes and literals alone (a position table built in the graph)
    layers.push({ type: 'Parameter', name, tops: [top], shape, ...(fromWeights.has(value) ? {} : { params: [{ lrMult: 0, decayMult: 0 }] }) });
    weight(name, shape, tiled ? t.values.subarray(0, item) : t.values);
    if (tiled) layers.push({ type: 'Tile', name: layerName(`${value}_tile`), bottoms: [top], tops: [value], axis: 0, tiles: dims[0] });
    parameters.add(value);
    madeParameters.push(value);
    return value;
  };
  const consumers = new Map<string, number>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of graph.output ?? []) consumers.set(o.name, (consumers.get(o.name) ?? 0) + 1);
  const pads = new Map<string, { input: string; pads: number[] }>();
  const problems: string[] = [];
  // Values of refused nodes, and the nodes that read them (counted after the causes, not listed).
  // Nodes on other paths go on being imported, so every cause in the graph is listed at once.
  const unknown = new Set<string>();
  const after: string[] = [];
  (graph.node ?? []).forEach((node: Msg, index: number) => {
    const op: string = node.op_type ?? '';
    const where = `node "${node.name ?? ''}" (${op}, #${index})`;
    const inputs: string[] = node.input ?? [];
    let attrs: Map<string, any>;
    try {
      attrs = attributes(node);
    } catch (e) {
      throw new DataError(`${file}: ${where}: damaged attributes: ${(e as Error).message}`);
    }
    if (inputs.some((i) => unknown.has(i))) {
      for (const o of node.output ?? []) unknown.add(o);
      // An operator Cortado lacks is a cause wherever it is.
      const known = entryFor(op) !== undefined || FOLDABLE.has(op) || op === 'Shape' || op === 'Size';
      return void (known ? after.push(`"${node.name ?? ''}"`) : problems.push(`${where}: Cortado has no layer for this operator`));
    }
    // What a refused node added is taken back: the layers so far always make a net.
    const before = [...layers];
    const parameterMark = madeParameters.length;
    const added: string[] = [];
    const dropped: [string, ArrayEntry][] = [];
    const refuse = (why: string) => {
      problems.push(`${where}: ${why}`);
      for (const o of node.output ?? []) unknown.add(o);
      layers.splice(0, layers.length, ...before);
      for (const key of added) weights.delete(key);
      for (const [key, w] of dropped) weights.set(key, w);
      for (const v of madeParameters.splice(parameterMark)) parameters.delete(v);
    };
    if (node.domain && node.domain !== 'ai.onnx') return refuse(`operator domain "${node.domain}" (Cortado reads the default ONNX domain)`);
    const constIn = inputs.map((i) => (i === '' ? undefined : consts.get(i)));
    const allConst = inputs.every((i, k) => i === '' || constIn[k]);
    if (op === 'Shape' || op === 'Size' || (FOLDABLE.has(op) && allConst)) {
      try {
        const dims = () => (constIn[0] ? constIn[0].dims : oracle.shape(inputs[0]));
        const out = op === 'Shape' ? shapeOf(dims(), attrs)
          : op === 'Size' ? { dims: [], values: Float64Array.of(dims().reduce((a, b) => a * b, 1)), integer: true }
            : fold(op, constIn, attrs, (t) => readTensor(t, `${file}: ${where}`));
        consts.set(node.output[0], out);
        if (inputs.some((i) => fromWeights.has(i))) fromWeights.add(node.output[0]);
      } catch (e) {
        // A damaged tensor is the file's fault; anything else (the layers so far do not build) is listed.
        if (e instanceof DataError) throw e;
        refuse(`cannot fold: ${(e as Error).message}`);
      }
      return;
    }
    const entry = entryFor(op);
    if (!entry) return refuse('Cortado has no layer for this operator');
    const name = layerName(node.name || `${op}_${index}`);
    const ctx: In = {
      data: (i) => (consts.has(inputs[i]) ? parameterOf(inputs[i], (key, dims, values) => ctx.weight(key, 'value', dims, values)) : inputs[i]),
      node, op, name, attrs, opset, inputs, outputs: node.output ?? [],
      isConst: (i) => !!inputs[i] && consts.has(inputs[i]),
      fromWeights: (i) => !!inputs[i] && fromWeights.has(inputs[i]),
      const: (i) => (inputs[i] ? consts.get(inputs[i]) : undefined),
      shape: (v) => oracle.shape(v),
      boolInput: (v) => boolInputs.has(v),
      layer: (cfg) => void layers.push({ name, ...cfg } as LayerConfig),
      fresh: (base) => layerName(base),
      weight: (layer, param, dims, values) => {
        setWeight(where, layer, param, dims, values);
        added.push(`${layer}___${param}`);
      },
      weightOf: (layer, param) => weights.get(`${layer}___${param}`),
      drop: (layer) => {
        layers.splice(layers.findIndex((l) => l.name === layer), 1);
        for (const [key, w] of [...weights]) {
          if (key.startsWith(`${layer}___`)) {
            dropped.push([key, w]);
            weights.delete(key);
          }
        }
      },
      layers, pads, consumers: (v) => consumers.get(v) ?? 0,
    };
    let why: string | void;
    try {
      why = entry(ctx);
    } catch (e) {
      if (e instanceof DataError) throw e;
      why = (e as Error).message;
    }
    if (typeof why === 'string') refuse(why);
  });
  for (const l of layers) {
    for (const b of l.bottoms ?? []) if (pads.has(b)) problems.push(`value "${b}": a Pad read by layer "${l.name}" (${l.type}); Cortado reads a Pad only as the padding of the pooling or convolution after it`);
  }
  if (problems.length) {
    const more = after.length ? `\n  and ${after.length} later node(s) reading what these would compute (${after.length > 3 ? `${after.slice(0, 3).join(', ')}...` : after.join(', ')})` : '';
    throw new ConfigError(`${file}: ${problems.length} node(s) Cortado cannot import:\n  ${problems.join('\n  ')}${more}`);
  }
  fuseGelu(layers, (graph.output ?? []).map((o: Msg) => o.name));
  // A graph output holding a constant: a Parameter layer computes it.
  for (const o of graph.output ?? []) {
    if (consts.has(o.name) && !layers.some((l) => l.tops?.includes(o.name))) {
      parameterOf(o.name, (layer, dims, values) => setWeight(`graph output "${o.name}"`, layer, 'value', dims, values));
    }
  }
  for (const o of graph.output ?? []) {
    if (!layers.some((l) => l.tops?.includes(o.name))) throw new ConfigError(`${file}: graph output "${o.name}" is computed by no node`);
  }
  // Each weight against the parameter its layer makes from the shapes it is given: an initializer
  // that does not fit its input (a model whose shapes disagree, or damaged) is found here, not when
  // the weights are loaded.
  let params: Map<string, number[]>;
  try {
    params = oracle.paramShapes();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: the imported layers do not make a net: ${e.message}`, { cause: e });
    if (e instanceof ShapeError) throw new ShapeError(`${file}: the imported layers do not make a net: ${e.message}`, { cause: e });
    throw e;
  }
  for (const [key, w] of weights) {
    const want = params.get(key);
    if (want && want.reduce((a, b) => a * b, 1) !== w.values.length) {
      throw new DataError(`${file}: weight "${key}" has shape [${w.shape.join(', ')}], but its layer, given its input's shape, has a parameter of shape [${want.join(', ')}]`);
    }
  }
  oracle.destroy();
  return { definition: { name: graph.name || 'onnx', layers }, weights };
}

/** The import entry of an operator (own keys only: "constructor" is no operator). */
function entryFor(op: string): Entry | undefined {
  for (const table of [IMPORTS, MORE_IMPORTS, RECURRENT_IMPORTS]) if (Object.hasOwn(table, op)) return table[op];
  return undefined;
}

function shapeOf(shape: number[], attrs: Map<string, any>): Tensor {
  const n = shape.length;
  const at = (v: number | undefined, d: number) => Math.min(n, Math.max(0, v === undefined ? d : v < 0 ? v + n : v));
  const s = shape.slice(at(attrs.get('start'), 0), at(attrs.get('end'), n));
  return { dims: [s.length], values: Float64Array.from(s), integer: true };
}
