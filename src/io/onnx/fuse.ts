/**
 * Rewrites of the imported layers, after every node is in: the exact GELU that PyTorch and
 * exportOnnx write as ONNX nodes (opset 17 has no Gelu),
 *
 *   x / √2 → Erf → + 1 → × x → × 0.5                                  (nn.GELU)
 *   x · x · x → × 0.044715 → + x → × √(2/π) → Tanh → + 1 → × x → × 0.5  (approximate='tanh')
 *
 * or any order of the same product, arrives as Power (x/√2) and Erf (or the cube's Eltwise PRODs
 * or Power, Powers, an Eltwise SUM and TanH), affine Powers and one Eltwise PROD with x. When
 * every value between them is read only by the next of them, the chain is one GELU layer (with
 * approximate 'tanh' for the second), named as the chain's last layer, whose top is the chain's
 * last value. Anything else keeps its layers (an Erf layer computes erf on its own).
 */
import type { LayerConfig } from '../../core/layer.js';
import { attributes, makeAttributes, type Msg, type Tensor } from './codec.js';

const CLOSE = 1e-6;
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

/** Power with power 1: its (scale, shift), else null. */
function affine(l: LayerConfig | undefined): [number, number] | null {
  if (!l || l.type !== 'Power' || num(l.power, 1) !== 1) return null;
  return [num(l.scale, 1), num(l.shift, 0)];
}

/** Each value → the items (layers or nodes) reading it, each once however often it reads it. */
function readersOf<T>(items: readonly T[], inputs: (item: T) => readonly string[]): Map<string, T[]> {
  const readers = new Map<string, T[]>();
  for (const item of items) for (const v of new Set(inputs(item))) readers.get(v)?.push(item) ?? readers.set(v, [item]);
  return readers;
}

/** Replaces each GELU chain of `layers` (in place) by one GELU layer; `outputs` are the graph's outputs. */
export function fuseGelu(layers: LayerConfig[], outputs: readonly string[]): void {
  const chains = findChains(layers, outputs);
  if (!chains.length) return;
  // Each GELU takes the place of its chain's last layer; the chains are disjoint (every value
  // inside one is read only by the next layer of the same chain).
  const index = new Map(layers.map((l, i) => [l, i]));
  const removed = new Set(chains.flatMap((c) => c.remove));
  const at = new Map(chains.map((c) => [layers[Math.max(...c.remove.map((l) => index.get(l)!))]!, c]));
  const fused = layers.flatMap((l) => {
    const c = at.get(l);
    if (c) return [{ type: 'GELU', name: c.name, bottoms: [c.input], tops: [c.output], ...(c.tanh ? { approximate: 'tanh' } : {}) } as LayerConfig];
    return removed.has(l) ? [] : [l];
  });
  layers.splice(0, layers.length, ...fused);
}

interface Chain { name: string; input: string; output: string; remove: LayerConfig[]; tanh: boolean }

/** Every GELU chain of `layers`, found with the readers and producer of each value indexed once. */
function findChains(layers: LayerConfig[], outputs: readonly string[]): Chain[] {
  const readerMap = readersOf(layers, (l) => l.bottoms ?? []);
  const producerMap = new Map<string, LayerConfig>();
  for (const l of layers) for (const t of l.tops ?? []) if (!producerMap.has(t)) producerMap.set(t, l);
  const graphOutputs = new Set(outputs);
  const producer = (v: string) => producerMap.get(v);
  /** The one layer reading `v`, when v is no graph output. */
  const only = (v: string) => {
    const r = readerMap.get(v) ?? [];
    return r.length === 1 && !graphOutputs.has(v) ? r[0] : undefined;
  };
  /** The affine Power (scale ≈ `scale`, no shift) computing `v` for `reader` alone, or undefined. */
  const scaled = (v: string, scale: number, reader: LayerConfig) => {
    const l = producer(v);
    const p = affine(l);
    return p && p[1] === 0 && Math.abs(p[0] / scale - 1) <= CLOSE && only(v) === reader ? l : undefined;
  };
  const prod = (l: LayerConfig | undefined) => (l?.type === 'Eltwise' && l.operation === 'PROD' && l.bottoms?.length === 2 ? l : undefined);
  /** erf(x/√2) or tanh(c (x + k x³)) computed by `core`: x and the layers from x to core. */
  const coreOf = (core: LayerConfig): { x: string; layers: LayerConfig[] } | undefined => {
    const input = core.bottoms![0]!;
    if (core.type === 'Erf') {
      const pre = scaled(input, Math.SQRT1_2, core);
      return pre && { x: pre.bottoms![0]!, layers: [pre, core] };
    }
    const pre = scaled(input, Math.sqrt(2 / Math.PI), core);
    const sum = pre && producer(pre.bottoms![0]!);
    if (!pre || sum?.type !== 'Eltwise' || (sum.operation ?? 'SUM') !== 'SUM' || sum.bottoms?.length !== 2 || (sum.coeff as number[] | undefined)?.some((c) => c !== 1) || only(pre.bottoms![0]!) !== pre) return undefined;
    for (const [x, w] of [[sum.bottoms[0]!, sum.bottoms[1]!], [sum.bottoms[1]!, sum.bottoms[0]!]]) {
      const k = scaled(w, 0.044715, sum);
      const cube = k && producer(k.bottoms![0]!);
      if (!k || !cube || only(k.bottoms![0]!) !== k) continue;
      // x³: Pow(x, 3), or x · (x · x) in either order
      if (cube.type === 'Power' && num(cube.power, 1) === 3 && num(cube.scale, 1) === 1 && num(cube.shift, 0) === 0 && cube.bottoms![0] === x) {
        return { x, layers: [cube, k, sum, pre, core] };
      }
      const outer = prod(cube);
      const sqName = outer?.bottoms![0] === x ? outer.bottoms[1]! : outer?.bottoms![1] === x ? outer.bottoms[0]! : undefined;
      const sq = sqName ? prod(producer(sqName)) : undefined;
      if (outer && sq && sq.bottoms![0] === x && sq.bottoms![1] === x && only(sqName!) === outer) return { x, layers: [sq, outer, k, sum, pre, core] };
    }
    return undefined;
  };
  const chains: Chain[] = [];
  const claimed = new Set<LayerConfig>();
  for (const core of layers) {
    if (core.type !== 'Erf' && core.type !== 'TanH') continue;
    const found = coreOf(core);
    if (!found) continue;
    const { x } = found;
    const remove: LayerConfig[] = [...found.layers];
    // value = alpha core + beta, then times gamma x
    let [alpha, beta, gamma] = [1, 0, 1];
    let v = core.tops![0]!;
    let next = only(v);
    for (let a = affine(next); next && a; next = only(v), a = affine(next)) {
      [alpha, beta] = [a[0] * alpha, a[0] * beta + a[1]];
      remove.push(next);
      v = next.tops![0]!;
    }
    if (!next || next.type !== 'Eltwise' || next.operation !== 'PROD' || next.bottoms?.length !== 2) continue;
    const w = next.bottoms[0] === v ? next.bottoms[1]! : next.bottoms[0]!;
    if (w !== x) {
      const half = producer(w);
      const a = affine(half);
      if (!a || a[1] !== 0 || half!.bottoms![0] !== x || only(w) !== next) continue;
      gamma = a[0];
      remove.push(half!);
    }
    remove.push(next);
    v = next.tops![0]!;
    for (let k = only(v), a = affine(k); k && a && a[1] === 0; k = only(v), a = affine(k)) {
      gamma *= a[0];
      remove.push(k);
      v = k.tops![0]!;
    }
    if (Math.abs(alpha * gamma - 0.5) > CLOSE || Math.abs(beta * gamma - 0.5) > CLOSE || remove.some((l) => claimed.has(l))) continue;
    for (const l of remove) claimed.add(l);
    chains.push({ name: remove[remove.length - 1]!.name, input: x, output: v, remove, tanh: core.type === 'TanH' });
  }
  return chains;
}

/**
 * Before import: the LayerNorm that exporters write without LayerNormalization (PyTorch below
 * opset 17),
 *
 *   m = ReduceMean(x); d = x - m; v = ReduceMean(d ^ 2) (or d · d); y = d / Sqrt(v + eps)
 *   [· scale] [+ B]
 *
 * over the same trailing axes, given as negative numbers ending at -1 (whatever the rank, they
 * are the trailing ones), both means with keepdims, every value between read only inside the
 * pattern, becomes one LayerNormalization node named as the last node, whose scale and B are the
 * constants of the Mul and the Add (left empty when absent, which the import reads as ones and
 * zeros). Constants come from initializers and Constant nodes (`read` decodes a tensor).
 */
export function fuseLayerNormNodes(graph: Msg, read: (t: Msg, where: string) => Tensor): void {
  const nodes: Msg[] = graph.node ?? [];
  // Nodes without inputs or outputs (a damaged file) take no part; the import reports them.
  const whole = (n: Msg) => Array.isArray(n.input) && Array.isArray(n.output) && n.output.length > 0;
  const consts = new Map<string, Msg>();
  for (const t of graph.initializer ?? []) consts.set(t.name, t);
  for (const n of nodes) if (n.op_type === 'Constant' && n.output?.[0]) for (const a of n.attribute ?? []) if (a.name === 'value' && a.t) consts.set(n.output[0], a.t);
  const value = (name: string): Tensor | undefined => {
    const t = consts.get(name);
    if (!t) return undefined;
    try {
      return read(t, `constant "${name}"`);
    } catch {
      return undefined; // a damaged constant is reported when the import reads it
    }
  };
  const outputs = new Set<string>((graph.output ?? []).map((o: Msg) => o.name));
  const readers = readersOf(nodes.filter(whole), (n) => n.input as string[]);
  /** The one node reading `v` (v no graph output), of type `op` when given. */
  const only = (v: string, op?: string): Msg | undefined => {
    const r = readers.get(v) ?? [];
    return r.length === 1 && !outputs.has(v) && (!op || r[0].op_type === op) ? r[0] : undefined;
  };
  const axesOf = (n: Msg): number[] | undefined => {
    const attrs = attributes(n);
    if ((attrs.get('keepdims') ?? 1) !== 1) return undefined;
    const attr = attrs.get('axes');
    if (attr) return attr;
    const t = n.input?.[1] ? value(n.input[1]) : undefined;
    return t ? Array.from(t.values) : undefined;
  };
  const other = (n: Msg, v: string) => (n.input[0] === v ? n.input[1] : n.input[0]);
  const single = (name: string): number | undefined => {
    const t = value(name);
    return t && t.values.length === 1 ? t.values[0] : undefined;
  };
  const remove = new Set<Msg>();
  const replace = new Map<Msg, Msg>();
  for (const mean of nodes) {
    if (mean.op_type !== 'ReduceMean' || !whole(mean) || remove.has(mean)) continue;
    const axes = axesOf(mean);
    if (!axes?.length) continue;
    const sorted = [...axes].sort((a, b) => a - b);
    if (sorted[sorted.length - 1] !== -1 || sorted.some((a, i) => a !== sorted[0] + i)) continue;
    const x = mean.input[0];
    const sub = only(mean.output[0], 'Sub');
    if (!sub || sub.input[0] !== x || sub.input[1] !== mean.output[0]) continue;
    const d = sub.output[0];
    const dReaders = readers.get(d) ?? [];
    if (dReaders.length !== 2 || outputs.has(d)) continue;
    const square = dReaders.find((n) => (n.op_type === 'Pow' && n.input[0] === d && single(n.input[1]) === 2) || (n.op_type === 'Mul' && n.input[0] === d && n.input[1] === d));
    const div = dReaders.find((n) => n.op_type === 'Div' && n.input[0] === d);
    if (!square || !div) continue;
    const varMean = only(square.output[0], 'ReduceMean');
    if (!varMean || axesOf(varMean)?.join() !== axes.join()) continue;
    const addEps = only(varMean.output[0], 'Add');
    const eps = addEps ? single(other(addEps, varMean.output[0])) : undefined;
    const sqrt = addEps && eps !== undefined && eps > 0 ? only(addEps.output[0], 'Sqrt') : undefined;
    if (!sqrt || div.input[1] !== sqrt.output[0] || only(sqrt.output[0]) !== div) continue;
    const chain = [mean, sub, square, varMean, addEps!, sqrt, div];
    let y = div.output[0];
    let scale: string | undefined, bias: string | undefined;
    const mul = only(y, 'Mul');
    if (mul && consts.has(other(mul, y))) {
      scale = other(mul, y);
      chain.push(mul);
      y = mul.output[0];
    }
    const add = only(y, 'Add');
    if (add && consts.has(other(add, y))) {
      bias = other(add, y);
      chain.push(add);
      y = add.output[0];
    }
    const last = chain[chain.length - 1]!;
    // No Mul or Add: an input left empty, read by the import as ones or zeros.
    replace.set(mean, { name: last.name, op_type: 'LayerNormalization', input: [x, scale ?? '', bias ?? ''], output: [y], attribute: makeAttributes({ axis: sorted[0]!, epsilon: eps! }) });
    for (const n of chain.slice(1)) remove.add(n);
  }
  if (!replace.size) return;
  graph.node = nodes.filter((n) => !remove.has(n)).map((n) => replace.get(n) ?? n);
}
