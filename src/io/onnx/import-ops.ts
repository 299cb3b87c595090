/**
 * ONNX operator → Cortado layers, one entry per operator: the import column of
 * docs/model-exchange.md. An entry gets the node's context and adds layers and weights, or returns
 * why Cortado cannot hold this use of the operator (an attribute, a computed weight, a broadcast).
 * Weights must be constants (initializers or folded values); data flows through computed values.
 */
import type { LayerConfig } from '../../core/layer.js';
import { MAX_BLOB_COUNT } from '../../core/limits.js';
import type { ArrayEntry } from '../weights-layout.js';
import type { Msg, Tensor } from './codec.js';
import { fullOrder } from '../../layers/permute.js';
import { broadcastDims, broadcastTo } from './fold.js';
import { POOL_IMPORTS } from './import-pooling.js';
import { onnxPads } from './pads.js';

/** What an import entry sees of one node. */
export interface In {
  node: Msg;
  op: string;
  /** The Cortado name of the node's (first) layer. */
  name: string;
  attrs: Map<string, any>;
  opset: number;
  inputs: string[];
  outputs: string[];
  isConst(i: number): boolean;
  /** Whether constant input i holds weights (an initializer, or folded from one), not a value of shapes and literals alone. */
  fromWeights(i: number): boolean;
  const(i: number): Tensor | undefined;
  /** The shape of a computed value. */
  shape(value: string): number[];
  /** Whether a graph input holds booleans (fed to Cortado as 0 and 1). */
  boolInput(value: string): boolean;
  /** Adds a layer (named `name` unless the config names it). */
  layer(cfg: Omit<LayerConfig, 'name'> & { name?: string }): void;
  /** A fresh layer name. */
  fresh(base: string): string;
  weight(layer: string, param: string, dims: readonly number[], values: ArrayLike<number>): void;
  weightOf(layer: string, param: string): ArrayEntry | undefined;
  /**
   * The value of input i as a blob: a computed value as it is; a constant becomes a learned
   * Parameter layer holding it (ViT's class token), one value along axis 0 tiled to the batch.
   */
  data(i: number): string;
  /** Removes an earlier layer and its weights (one this node takes into its own). */
  drop(layer: string): void;
  layers: LayerConfig[];
  /** Pad nodes waiting for the pooling or convolution that reads them: output → input, pads [h, w]. */
  pads: Map<string, { input: string; pads: number[] }>;
  consumers(value: string): number;
}

export type Entry = (x: In) => string | void;

export const one = (x: In) => ({ bottoms: [x.inputs[0]], tops: [x.outputs[0]] });

/** The layer computing `value`, or undefined. */
export function producerOf(x: In, value: string): LayerConfig | undefined {
  return x.layers.find((l) => l.tops?.includes(value));
}

export function needConst(x: In, i: number, what: string): Tensor {
  const t = x.const(i);
  if (!t) throw new Error(`its ${what} (input ${i}, "${x.inputs[i]}") is computed; Cortado needs it constant`);
  return t;
}

const conv = (deconv: boolean): Entry => (x) => {
  const w = needConst(x, 1, 'weight');
  if (w.dims.length !== 4) return `a ${w.dims.length - 2}-d convolution (Cortado's is 2-d)`;
  // A ConvTranspose's auto_pad sizes its output, not its input: left to explicit pads.
  const auto = x.attrs.get('auto_pad') ?? 'NOTSET';
  if (deconv && auto !== 'NOTSET' && auto !== 'VALID') return `auto_pad ${auto} on a ConvTranspose (write explicit pads)`;
  const full = onnxPads(x, w.dims.slice(2));
  if (typeof full === 'string') return full;
  const pads = full.slice(0, 2);
  if (pads.some((p, i) => p !== full[2 + i])) return `asymmetric pads [${full}] (Cortado pads both sides alike)`;
  const group = x.attrs.get('group') ?? 1;
  if (deconv && ((x.attrs.get('output_padding') ?? []).some((p: number) => p) || x.attrs.has('output_shape'))) return 'output_padding or output_shape';
  const b = x.inputs[2] ? needConst(x, 2, 'bias') : undefined;
  const numOutput = deconv ? w.dims[1] * group : w.dims[0];
  const pre = x.pads.get(x.inputs[0]);
  if (pre && deconv) return 'a Pad before a ConvTranspose';
  x.layer({
    type: deconv ? 'Deconvolution' : 'Convolution', bottoms: [pre ? pre.input : x.inputs[0]], tops: [x.outputs[0]], numOutput, kernel: w.dims.slice(2), bias: !!b,
    stride: x.attrs.get('strides') ?? [1, 1], pad: pads.map((p, i) => p + (pre?.pads[i] ?? 0)), dilation: x.attrs.get('dilations') ?? [1, 1], group,
  });
  x.weight(x.name, 'weight', w.dims, w.values);
  if (b) x.weight(x.name, 'bias', [numOutput], b.values);
};

function gemm(x: In): string | void {
  if (x.attrs.get('transA')) return 'transA (Cortado computes x Wᵀ)';
  const B = needConst(x, 1, 'weight B');
  const C = x.inputs[2] ? needConst(x, 2, 'bias C') : undefined;
  const alpha = x.attrs.get('alpha') ?? 1, beta = x.attrs.get('beta') ?? 1;
  const [r, c] = B.dims;
  const trans = !!x.attrs.get('transB');
  const N = trans ? r : c, K = trans ? c : r;
  if (C && C.values.length !== N) return `a bias C of shape [${C.dims}] (Cortado's is one value per output, [${N}])`;
  const W = new Float64Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) W[n * K + k] = alpha * (trans ? B.values[n * K + k] : B.values[k * N + n]);
  x.layer({ type: 'InnerProduct', ...one(x), numOutput: N, bias: !!C, axis: 1 });
  x.weight(x.name, 'weight', [N, K], W);
  if (C) x.weight(x.name, 'bias', [N], C.values.map((v) => v * beta));
}

function matmul(x: In): string | void {
  if (x.isConst(0)) return 'a constant first operand (Cortado multiplies computed values)';
  const B = x.const(1);
  if (!B) return matmulComputed(x);
  if (B.dims.length !== 2) return `a constant second operand of shape [${B.dims}] (Cortado's InnerProduct takes a matrix)`;
  const [K, N] = B.dims;
  const W = new Float64Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) W[n * K + k] = B.values[k * N + n];
  x.layer({ type: 'InnerProduct', ...one(x), numOutput: N, bias: false, axis: x.shape(x.inputs[0]).length - 1 });
  x.weight(x.name, 'weight', [N, K], W);
}

/**
 * MatMul of two computed values: a MatMul layer (same batch axes, or b a matrix shared by the
 * batch). A Transpose of b's last two axes read by nothing else becomes its transposeB.
 */
function matmulComputed(x: In): string | void {
  const [sa, sb] = [x.shape(x.inputs[0]), x.shape(x.inputs[1])];
  if (sa.length < 2 || sb.length < 2) return `operands of shapes [${sa}] and [${sb}] (Cortado's MatMul multiplies matrices, batched over the axes before the last two)`;
  if (sb.length > 2 && sa.slice(0, -2).join() !== sb.slice(0, -2).join()) return `batch axes [${sa.slice(0, -2)}] and [${sb.slice(0, -2)}] that differ (Cortado's MatMul broadcasts only a b without batch axes)`;
  let b = x.inputs[1];
  let transposeB = false;
  const p = producerOf(x, b);
  const n = sb.length;
  if (p?.type === 'Permute' && x.consumers(b) === 1) {
    const order = fullOrder(p.order as number[], n);
    const swaps = order.every((a, i) => (i < n - 2 ? a === i : a === (i === n - 2 ? n - 1 : n - 2)));
    if (swaps) {
      b = p.bottoms![0]!;
      transposeB = true;
      x.drop(p.name);
    }
  }
  x.layer({ type: 'MatMul', bottoms: [x.inputs[0], b], tops: [x.outputs[0]], ...(transposeB ? { transposeB } : {}) });
}

/** A constant operand's dims relative to x: Cortado's axis, numAxes and parameter shape. */
function broadcastOf(x: In, dims: number[], data: string): { axis: number; numAxes: number; shape: number[] } {
  const rank = x.shape(data).length;
  let lead = 0;
  while (lead < dims.length && dims[lead] === 1) lead++;
  const rest = dims.slice(lead);
  let end = rest.length;
  while (end > 0 && rest[end - 1] === 1) end--;
  return { axis: end ? rank - rest.length : 0, numAxes: end, shape: rest.slice(0, end) };
}

/** What an imported mask holds in place of -Infinity: finite, and far below any score. */
export const MASKED = -1e30;

/** Add, Sub, Mul, Div, Max, Min, Sum, Mean: Eltwise on computed values; Bias or Scale with a constant. */
const binary = (op: string): Entry => (x) => {
  const k = x.inputs.findIndex((_, i) => x.isConst(i));
  if (k < 0) {
    const shapes = x.inputs.map((v) => x.shape(v).join(','));
    if (shapes.some((s) => s !== shapes[0])) return broadcast(x, op);
    return elementwise(x, op, x.inputs);
  }
  const c0 = x.const(0);
  // c - x with one value c (an attention mask's 1 - mask): a Power of scale -1 and shift c
  if (op === 'Sub' && k === 0 && x.inputs.length === 2 && !x.isConst(1) && c0!.values.length === 1 && c0!.dims.length <= x.shape(x.inputs[1]!).length) {
    if (!Number.isFinite(c0!.values[0])) return `a constant "${x.inputs[0]}" of ${c0!.values[0]} (Cortado's Power takes a finite shift)`;
    return void x.layer({ type: 'Power', bottoms: [x.inputs[1]!], tops: [x.outputs[0]], power: 1, scale: -1, shift: c0!.values[0] });
  }
  if (x.inputs.length !== 2 || op === 'Max' || op === 'Min' || op === 'Mean' || ((op === 'Sub' || op === 'Div') && k === 0)) return 'a constant operand here (Cortado adds or multiplies by constants)';
  const data = x.inputs[1 - k];
  const t = x.const(k)!;
  const values = op === 'Sub' ? t.values.map((v) => -v) : op === 'Div' ? t.values.map((v) => 1 / v) : t.values;
  const producer = producerOf(x, data);
  // MatMul + Add as PyTorch writes a Linear layer: the bias joins the InnerProduct.
  const linearBias = (op === 'Add' || op === 'Sub') && producer?.type === 'InnerProduct' && producer.bias === false && x.consumers(data) === 1 && t.values.length === producer.numOutput;
  // An added constant of 0s and -Infinity is a mask (a causal one over attention scores), unless
  // named as exportOnnx names a parameter or added as a Linear layer's bias: a Bias that does not
  // learn, -Infinity held as MASKED, which a Softmax after it sends to 0 as well. -Infinity
  // anywhere else is a damaged weight (a bias of zeros but one -Infinity included).
  const mask = (op === 'Add' || op === 'Sub') && values.length > 1 && values.some((v) => v === -Infinity) && values.every((v) => v === -Infinity || v === 0);
  if (mask && !linearBias && !/___(scale|bias)$/.test(x.inputs[k]!)) {
    const b = broadcastOf(x, t.dims, data);
    x.layer({ type: 'Bias', bottoms: [data], tops: [x.outputs[0]], axis: b.axis, numAxes: b.numAxes, params: [{ lrMult: 0, decayMult: 0 }] });
    return void x.weight(x.name, 'bias', b.shape, values.map((v) => (v === -Infinity ? MASKED : v)));
  }
  if (linearBias) {
    producer.bias = true;
    producer.tops = [x.outputs[0]];
    x.weight(producer.name, 'bias', [t.values.length], values);
    return;
  }
  // A Reduction's coefficient, as exportOnnx writes it (a Mul by one value after the Reduction).
  if ((op === 'Mul' || op === 'Div') && values.length === 1 && producer?.type === 'Reduction' && x.consumers(data) === 1) {
    producer.coeff = ((producer.coeff as number | undefined) ?? 1) * values[0]!;
    producer.tops = [x.outputs[0]];
    return;
  }
  // One value, a constant of the model: Power's scale or shift, joining an affine Power just before
  // that nothing else reads (x * a + b is one layer). Named as exportOnnx names a parameter
  // (`<key>___scale`, a Scale of one learned value), it stays a parameter.
  const parameter = /___(scale|bias)$/.test(x.inputs[k]!);
  if (t.values.length === 1 && t.dims.length <= x.shape(data).length && !parameter) {
    if (!Number.isFinite(t.values[0])) return `a constant "${x.inputs[k]}" of ${t.values[0]} (Cortado's Power takes a finite scale and shift)`;
    const v = values[0]!;
    const isMul = op === 'Mul' || op === 'Div';
    if (producer?.type === 'Power' && (producer.power ?? 1) === 1 && x.consumers(data) === 1) {
      const [scale, shift] = [(producer.scale as number | undefined) ?? 1, (producer.shift as number | undefined) ?? 0];
      Object.assign(producer, isMul ? { scale: scale * v, shift: shift * v } : { shift: shift + v });
      producer.tops = [x.outputs[0]];
      return;
    }
    return void x.layer({ type: 'Power', bottoms: [data], tops: [x.outputs[0]], power: 1, ...(isMul ? { scale: v } : { shift: v }) });
  }
  const b = broadcastOf(x, t.dims, data);
  // A constant computed from shapes and literals alone (no initializer in it) is not learned.
  const frozen = !x.fromWeights(k);
  // One of size 1 inside the axes it spans where the value has more (Swin's attention mask, one
  // for every head) is repeated there when frozen; a weight would have its copies learn apart.
  const spanned = x.shape(data).slice(b.axis, b.axis + b.numAxes);
  let [shape, held] = [b.shape, values];
  if (shape.some((d, i) => d !== spanned[i])) {
    if (!frozen) return `a weight of shape [${t.dims}] repeated along axes inside the ones it spans of a value of shape [${x.shape(data)}] (Cortado's Bias and Scale hold one weight per position)`;
    [shape, held] = [spanned, broadcastTo({ dims: b.shape, values }, spanned).values];
  }
  // Mul + Add of the same broadcast (a Scale with a bias, as exportOnnx writes it).
  // The scale is a parameter, or the second bottom (a computed factor).
  const scaled = !frozen && producer?.type === 'Scale' && !producer.bias && x.consumers(data) === 1;
  const scale = scaled ? (x.weightOf(producer.name, 'scale')?.shape ?? (producer.bottoms?.length === 2 ? x.shape(producer.bottoms[1]!) : undefined)) : undefined;
  if ((op === 'Add' || op === 'Sub') && scale && scale.join() === b.shape.join() && producer!.axis === b.axis) {
    producer!.bias = true;
    producer!.tops = [x.outputs[0]];
    x.weight(producer!.name, 'bias', b.shape, values);
    return;
  }
  const isMul = op === 'Mul' || op === 'Div';
  x.layer({ type: isMul ? 'Scale' : 'Bias', bottoms: [data], tops: [x.outputs[0]], axis: b.axis, numAxes: b.numAxes, ...(frozen ? { params: [{ lrMult: 0, decayMult: 0 }] } : {}) });
  x.weight(x.name, isMul ? 'scale' : 'bias', shape, held);
};

/**
 * A binary operator of computed values of different shapes. Mul or Add with one value broadcast
 * over the other as a block of contiguous axes (a squeeze-and-excitation gate) is a Scale or Bias;
 * anything else numpy's rules allow (an attention mask [N, 1, 1, T] over scores [N, H, T, T], a
 * Sub, operands each broadcast over the other) tiles each operand to the output's shape first.
 */
function broadcast(x: In, op: string): string | void {
  if ((op === 'Mul' || op === 'Add') && x.inputs.length === 2 && factorBroadcast(x, op) === undefined) return;
  return tiledBroadcast(x, op);
}

/**
 * Each computed operand reshaped to the output's rank (1s in front) and tiled along every axis
 * where it has 1 and the output more (Cortado's Tile of an axis of 1 copies it), then the
 * element-wise layer of equal shapes.
 */
function tiledBroadcast(x: In, op: string): string | void {
  const shapes = x.inputs.map((v) => x.shape(v));
  const out = broadcastDims(shapes);
  if (!out) return `a broadcast between computed values of shapes ${shapes.map((s) => `[${s}]`).join(', ')} (numpy's rules: each size 1 or the largest)`;
  elementwise(x, op, x.inputs.map((input, i) => expandTo(x, input, out, String(i))));
}

/**
 * The element-wise layer of `op` over computed values of one shape: ElementWise for Sub and Div,
 * else Eltwise (Mean a SUM with coefficients 1/n; Min the MAX of the negated operands, negated). A
 * Sum, Max, Min or Mean of one operand is an Identity.
 */
function elementwise(x: In, op: string, bottoms: string[]): void {
  const out = x.outputs[0];
  if (op === 'Sub' || op === 'Div') return void x.layer({ type: 'ElementWise', bottoms, tops: [out], operation: op === 'Sub' ? 'subtract' : 'divide' });
  if (bottoms.length === 1) return void x.layer({ type: 'Identity', bottoms, tops: [out] });
  if (op === 'Mean') return void x.layer({ type: 'Eltwise', bottoms, tops: [out], operation: 'SUM', coeff: bottoms.map(() => 1 / bottoms.length) });
  if (op === 'Min') {
    const negated = bottoms.map((b, i) => {
      const n = x.fresh(`${out}_negated${i}`);
      x.layer({ type: 'Power', name: x.fresh(`${x.name}_negate${i}`), bottoms: [b], tops: [n], power: 1, scale: -1, shift: 0 });
      return n;
    });
    const max = x.fresh(`${out}_max_negated`);
    x.layer({ type: 'Eltwise', name: x.fresh(`${x.name}_max`), bottoms: negated, tops: [max], operation: 'MAX' });
    return void x.layer({ type: 'Power', bottoms: [max], tops: [out], power: 1, scale: -1, shift: 0 });
  }
  x.layer({ type: 'Eltwise', bottoms, tops: [out], operation: op === 'Mul' ? 'PROD' : op === 'Max' ? 'MAX' : 'SUM' });
}

/**
 * The computed value `input` broadcast to `out` (numpy's rules, checked by the caller): a Reshape
 * to out's rank (1s in front) where its rank is lower, then a Tile of each axis where it has 1 and
 * out more (Cortado's Tile of an axis of 1 copies it). Returns the blob holding it: `to` where
 * given (an Identity when nothing changes), else a fresh blob, or input itself when the shapes
 * agree; `tag` keeps the names of several operands apart.
 */
export function expandTo(x: In, input: string, out: number[], tag = '', to?: string): string {
  const shape = x.shape(input);
  const padded = [...new Array(out.length - shape.length).fill(1), ...shape];
  const steps: [Record<string, unknown>, string][] = [];
  if (shape.length !== out.length) steps.push([{ type: 'Reshape', shape: padded }, 'rank']);
  padded.forEach((d, a) => { if (d === 1 && out[a]! > 1) steps.push([{ type: 'Tile', axis: a, tiles: out[a] }, `tile${a}_`]); });
  if (!steps.length && to) steps.push([{ type: 'Identity' }, 'same']);
  let current = input;
  steps.forEach(([layer, what], k) => {
    const next = k === steps.length - 1 && to ? to : x.fresh(`${x.outputs[0]}_${what}${tag}`);
    x.layer({ ...layer, name: k === steps.length - 1 && to ? x.name : x.fresh(`${x.name}_${what}${tag}`), bottoms: [current], tops: [next] } as never);
    current = next;
  });
  return current;
}

/**
 * Mul or Add of two computed values, one broadcast over the other (a squeeze-and-excitation gate):
 * Scale or Bias with the smaller as the second bottom, reshaped to the axes it covers. Its sizes
 * other than 1 must be a run of the larger's axes; axis 0 counts as covered when the sizes agree
 * there (the batch, 1 at import), so that the net still fits at another batch size. Returns why
 * not, adding nothing, where the shapes do not fit.
 */
function factorBroadcast(x: In, op: string): string | void {
  const [s0, s1] = x.inputs.map((v) => x.shape(v));
  const refused = `a broadcast between computed values of shapes [${s0}], [${s1}]`;
  const bigFirst = s0!.length > s1!.length || (s0!.length === s1!.length && s0!.reduce((a, d) => a * d, 1) >= s1!.reduce((a, d) => a * d, 1));
  const [a, b] = bigFirst ? [s0!, s1!] : [s1!, s0!];
  const [data, factor] = bigFirst ? x.inputs : [x.inputs[1]!, x.inputs[0]!];
  const padded = [...new Array(a.length - b.length).fill(1), ...b];
  if (padded.some((d, i) => d !== 1 && d !== a[i])) return refused;
  const covered = padded.map((d, i) => d !== 1 || (i === 0 && d === a[0]));
  const start = covered.indexOf(true), end = covered.lastIndexOf(true) + 1;
  if (start < 0 || covered.slice(start, end).some((c, i) => !c && padded[start + i] !== a[start + i])) return refused;
  const target = a.slice(start, end);
  let second = factor!;
  if (b.join() !== target.join()) {
    second = x.fresh(`${x.outputs[0]}_factor`);
    x.layer({ type: 'Reshape', name: x.fresh(`${x.name}_reshape`), bottoms: [factor!], tops: [second], shape: target.map((d, i) => (start + i === 0 ? 0 : d)) });
  }
  x.layer({ type: op === 'Mul' ? 'Scale' : 'Bias', bottoms: [data!, second], tops: [x.outputs[0]], axis: start });
}

/**
 * BatchNormalization: BatchNorm, then a Scale of γ and β (left out for γ = 1, β = 0, unless the
 * graph was exported for training). The layer normalizes with the batch's statistics in the
 * train phase and the running ones in the test phase, as PyTorch's module does in train() and
 * eval(); training_mode 1 (an export with TrainingMode.TRAINING) is the same layer. Its running
 * statistics follow ONNX's momentum λ as PyTorch's do, running = λ running + (1 - λ) batch: Caffe's
 * averages (Σ λ^t μ_t over scaleFactor = Σ λ^t) are at that fixed point when scaleFactor is
 * 1 / (1 - λ), so the statistics are stored times it.
 */
function batchNorm(x: In): string | void {
  const training = !!x.attrs.get('training_mode');
  if (x.outputs.slice(1).some((o) => o && x.consumers(o) > 0)) return 'running statistics read as outputs (Cortado\'s BatchNorm updates its own)';
  // A momentum of 1 (PyTorch's momentum 0: running statistics never updated) has no fixed point;
  // it matters only to training, so an inference graph takes Caffe's default decay instead.
  let momentum: number = x.attrs.get('momentum') ?? 0.9;
  if (!(momentum >= 0 && momentum < 1)) {
    if (training) return `momentum ${momentum} (Cortado's moving averages need 0 <= momentum < 1)`;
    momentum = 0.999;
  }
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => needConst(x, i, ['scale', 'B', 'mean', 'var'][i - 1]));
  const C = mean.values.length;
  const affine = training || scale.values.some((v) => v !== 1) || bias.values.some((v) => v !== 0);
  const mid = affine ? `${x.outputs[0]}_normalized` : x.outputs[0];
  x.layer({ type: 'BatchNorm', bottoms: [x.inputs[0]], tops: [mid], eps: x.attrs.get('epsilon') ?? 1e-5, movingAverageFraction: momentum });
  const factor = 1 / (1 - momentum);
  x.weight(x.name, 'mean', [C], mean.values.map((v) => v * factor));
  x.weight(x.name, 'variance', [C], variance.values.map((v) => v * factor));
  x.weight(x.name, 'scaleFactor', [1], [factor]);
  if (!affine) return;
  const s = x.fresh(`${x.name}_scale`);
  x.layer({ type: 'Scale', name: s, bottoms: [mid], tops: [x.outputs[0]], axis: 1, bias: true });
  x.weight(s, 'scale', [C], scale.values);
  x.weight(s, 'bias', [C], bias.values);
}

/**
 * Slice of a computed value: Cortado Slices along each axis, the parts cut off into a Silence. A
 * step k > 1 (Swin's x[:, 0::2, 1::2]) takes a run of m k positions holding the m wanted at
 * offset j of every k (from start - j, j as large as the start and k allow), seen as [m, k] (a
 * Reshape), and offset j of each k (a Slice, a Reshape dropping the axis); the run must fit in
 * the axis.
 */
function slice(x: In): string | void {
  const shape = x.shape(x.inputs[0]);
  const [starts, ends] = [1, 2].map((i) => needConst(x, i, ['starts', 'ends'][i - 1]).values);
  const axes = x.inputs[3] ? needConst(x, 3, 'axes').values : starts.map((_, i) => i);
  const steps = x.inputs[4] ? needConst(x, 4, 'steps').values : undefined;
  if (steps && steps.length === 1 && steps[0] === -1) {
    // a whole axis backwards (torch.flip; exportOnnx's Reverse): Reverse
    const a = axes[0]! < 0 ? axes[0]! + shape.length : axes[0]!;
    const n = shape[a]!;
    const from = starts[0]! < 0 ? starts[0]! + n : starts[0]!, to = ends[0]! < 0 ? ends[0]! + n : ends[0]!;
    if (from >= n - 1 && to < 0) return void x.layer({ type: 'Reverse', ...one(x), axis: a });
  }
  if (steps?.some((s) => s < 1)) return 'steps below 1 (Cortado\'s Slice takes runs of positions; a step of -1 over a whole axis is a Reverse)';
  // per axis cut: the run [s, e) taken, and with a step k the m positions at offset j of each k in it
  const real: { a: number; s: number; e: number; n: number; k: number; m: number; j: number }[] = [];
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]! < 0 ? axes[i]! + shape.length : axes[i]!;
    const n = shape[a];
    const k = steps?.[i] ?? 1;
    const clamp = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    const [s, e] = [clamp(starts[i]), clamp(ends[i])];
    if (e <= s) throw new Error(`an empty slice [${starts[i]}, ${ends[i]}) of an axis of ${n}`);
    const m = Math.ceil((e - s) / k), j = Math.min(s, k - 1);
    if (k > 1 && s - j + m * k > n) return `a step of ${k} from ${s} over an axis of ${n}: its last run of ${k} passes the end`;
    if (k > 1) real.push({ a, s: s - j, e: s - j + m * k, n, k, m, j });
    else if (s > 0 || e < n) real.push({ a, s, e, n, k, m, j: 0 });
  }
  if (!real.length) return void x.layer({ type: 'Identity', ...one(x) });
  let current = x.inputs[0];
  const dims = [...shape];
  const dropped: string[] = [];
  real.forEach(({ a, s, e, n, k, m, j }, i) => {
    const last = i === real.length - 1;
    if (s > 0 || e < n) {
      const run = last && k === 1 ? x.outputs[0] : x.fresh(`${x.outputs[0]}_axis${a}`);
      dropped.push(...sliceKeeping(x, x.fresh(`${x.name}_axis${a}`), current, run, a, s, e, n));
      current = run;
    }
    if (k > 1) {
      // [.., m k, ..] as [.., m, k, ..], offset j of each k kept, the axis of 1 dropped
      const keep = a > 0 ? 1 : 0;
      const seen = x.fresh(`${x.outputs[0]}_axis${a}_runs`), first = x.fresh(`${x.outputs[0]}_axis${a}_first`);
      reshapeTo(x, x.fresh(`${x.name}_axis${a}_runs`), current, seen, [...dims.slice(0, a), m, k, ...dims.slice(a + 1)], keep);
      dropped.push(...sliceKeeping(x, x.fresh(`${x.name}_axis${a}_first`), seen, first, a + 1, j, j + 1, k));
      dims[a] = m;
      current = last ? x.outputs[0] : x.fresh(`${x.outputs[0]}_axis${a}_stepped`);
      reshapeTo(x, x.fresh(`${x.name}_axis${a}_stepped`), first, current, dims, keep);
    } else {
      dims[a] = e - s;
    }
  });
  x.layer({ type: 'Silence', name: x.fresh(`${x.name}_cut`), bottoms: dropped });
}

/**
 * Gather of a computed value by constant indices: one index (ViT's class token, x[:, 0]) is a
 * Slice then a Reshape without the axis; a run of consecutive indices is a Slice. Gather of rows
 * of a constant matrix by computed indices (nn.Embedding) is an Embed holding the matrix.
 */
function gather(x: In): string | void {
  if (x.isConst(0)) {
    const table = x.const(0)!;
    const axis = x.attrs.get('axis') ?? 0;
    if (table.dims.length !== 2 || axis !== 0) return `computed indices into a constant of shape [${table.dims}] along axis ${axis} (Cortado's Embed looks up rows of a matrix)`;
    const [inputDim, numOutput] = table.dims;
    x.layer({ type: 'Embed', bottoms: [x.inputs[1]], tops: [x.outputs[0]], inputDim, numOutput, bias: false });
    return void x.weight(x.name, 'weight', table.dims, table.values);
  }
  const idx = needConst(x, 1, 'indices');
  const shape = x.shape(x.inputs[0]);
  const axis0 = x.attrs.get('axis') ?? 0;
  const a = axis0 < 0 ? axis0 + shape.length : axis0;
  if (a < 0 || a >= shape.length) return `axis ${axis0} of a ${shape.length}-d input`;
  const n = shape[a]!;
  const at = Array.from(idx.values, (i) => (i < 0 ? i + n : i));
  if (at.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) throw new Error(`indices [${idx.values}] outside an axis of ${n}`);
  if (idx.dims.length > 1 || at.some((v, i) => v !== at[0] + i)) return `indices [${idx.values}] (Cortado gathers one index or a run of consecutive ones from a computed value)`;
  const [s, e] = [at[0]!, at[at.length - 1]! + 1];
  const scalar = idx.dims.length === 0;
  const out = scalar ? `${x.outputs[0]}_kept` : x.outputs[0];
  if (s === 0 && e === n) x.layer({ type: 'Identity', bottoms: [x.inputs[0]], tops: [out] });
  else x.layer({ type: 'Silence', name: x.fresh(`${x.name}_cut`), bottoms: sliceKeeping(x, x.name, x.inputs[0], out, a, s, e, n) });
  if (scalar) reshapeTo(x, x.fresh(`${x.name}_squeeze`), out, x.outputs[0], shape.filter((_, i) => i !== a), a !== 0 ? 1 : 0);
}

/**
 * A Slice layer `name` keeping [s, e) of axis `axis` (of size n) of `from` as `out`; returns the
 * tops holding the parts cut off, for a Silence.
 */
function sliceKeeping(x: In, name: string, from: string, out: string, axis: number, s: number, e: number, n: number): string[] {
  const tops = [...(s > 0 ? [`${out}_before`] : []), out, ...(e < n ? [`${out}_after`] : [])];
  x.layer({ type: 'Slice', name, bottoms: [from], tops, axis, slicePoints: [s, e].filter((p) => p > 0 && p < n) });
  return tops.filter((t) => t !== out);
}

/** A Reshape of `from` into `to` keeping the first `keep` axes as they come (0: copy) and giving the rest. */
export function reshapeTo(x: In, name: string, from: string, to: string, shape: number[], keep: number): void {
  x.layer({ type: 'Reshape', name, bottoms: [from], tops: [to], shape: shape.map((d, i) => (i < keep ? 0 : d)) });
}

function split(x: In): string | void {
  const shape = x.shape(x.inputs[0]);
  const axis0 = x.attrs.get('axis') ?? 0;
  const axis = axis0 < 0 ? axis0 + shape.length : axis0;
  const sizes: number[] | undefined = x.inputs[1] ? Array.from(needConst(x, 1, 'split').values) : x.attrs.get('split');
  const points = sizes ? sizes.slice(0, -1).map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b, 0)) : null;
  x.layer({ type: 'Slice', bottoms: [x.inputs[0]], tops: x.outputs, axis, ...(points ? { slicePoints: points } : {}) });
}

function reshape(x: In): string | void {
  if (x.attrs.get('allowzero')) return 'allowzero 1';
  x.layer({ type: 'Reshape', ...one(x), shape: Array.from(needConst(x, 1, 'shape').values) });
}

function flatten(x: In): string | void {
  const shape = x.shape(x.inputs[0]);
  const a0 = x.attrs.get('axis') ?? 1;
  const axis = a0 < 0 ? a0 + shape.length : a0;
  if (axis === 1) return void x.layer({ type: 'Flatten', ...one(x), axis: 1, endAxis: -1 });
  x.layer({ type: 'Reshape', ...one(x), shape: [shape.slice(0, axis).reduce((a, b) => a * b, 1), -1] });
}

function clip(x: In): string | void {
  const bound = (i: number, attr: string, d: number) => (x.inputs[i] ? needConst(x, i, attr).values[0] : x.attrs.get(attr) ?? d);
  x.layer({ type: 'Clip', ...one(x), min: bound(1, 'min', -3.4e38), max: bound(2, 'max', 3.4e38) });
}

function prelu(x: In): string | void {
  const s = needConst(x, 1, 'slope');
  const rank = x.shape(x.inputs[0]).length;
  if (s.values.length === 1) {
    x.layer({ type: 'PReLU', ...one(x), channelShared: true });
    return void x.weight(x.name, 'slope', [1], s.values);
  }
  const b = broadcastOf(x, s.dims, x.inputs[0]);
  if (b.axis !== 1 || b.numAxes !== 1 || rank < 2) return `a slope of shape [${s.dims}] (Cortado's PReLU has one per channel, axis 1)`;
  x.layer({ type: 'PReLU', ...one(x) });
  x.weight(x.name, 'slope', b.shape, s.values);
}

/** Softmax and LogSoftmax: over one axis (opset 13 on), or over the axes from `axis` on, flattened (before). */
function softmax(x: In, type: 'Softmax' | 'LogSoftmax'): string | void {
  const rank = x.shape(x.inputs[0]).length;
  const given = x.attrs.get('axis') ?? (x.opset >= 13 ? -1 : 1);
  const axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) return `axis ${given} of a ${rank}-d input`;
  if (x.opset < 13 && axis !== rank - 1) return `opset ${x.opset} ${x.op} over axes ${given}.. flattened (Cortado's ${type} is over one axis)`;
  x.layer({ type, ...one(x), axis });
}

/**
 * Resize and Upsample of mode nearest by whole factors on the spatial axes: Cortado's Upsample,
 * which copies x[floor(i / s)] to i. The scales come from `scales` (an attribute before opset 9
 * of Upsample, an input after) or as output `sizes` over the input's; the pixel each output
 * position reads under the node's coordinate_transformation_mode and nearest_mode is worked out
 * along every axis and must be floor(i / s).
 */
function resize(x: In): string | void {
  const shape = x.shape(x.inputs[0]);
  const mode = x.attrs.get('mode') ?? 'nearest';
  if (mode !== 'nearest') return `mode "${mode}" (Cortado's Upsample is nearest-neighbour)`;
  if (x.attrs.has('axes')) return 'the axes attribute (scales for every axis are needed)';
  if ((x.attrs.get('antialias') ?? 0) !== 0) return 'antialias';
  const modern = x.op === 'Resize' && x.opset >= 11;
  let scales: number[] | undefined;
  if (x.op === 'Upsample' && x.opset < 9) scales = x.attrs.get('scales');
  else {
    const at = modern ? 2 : 1;
    const given = x.inputs[at] ? needConst(x, at, 'scales').values : [];
    if (given.length > 0) scales = Array.from(given);
    else if (modern && x.inputs[3]) scales = Array.from(needConst(x, 3, 'sizes').values, (m, a) => m / shape[a]);
  }
  if (!scales) return 'neither scales nor sizes';
  if (scales.length !== shape.length) return `${scales.length} scales for a ${shape.length}-d input`;
  if (shape.length < 3 || scales[0] !== 1 || scales[1] !== 1) return `scales [${scales.join(', ')}] (Cortado's Upsample scales the axes after the batch and channel axes)`;
  const spatial = scales.slice(2);
  if (spatial.some((s) => !Number.isInteger(s) || s < 1)) return `scales [${scales.join(', ')}] (Cortado's Upsample repeats values a whole number of times)`;
  const out = shape.reduce((n, d, a) => n * d * scales![a], 1);
  if (out > MAX_BLOB_COUNT) return `an output of ${out} values (a blob holds at most ${MAX_BLOB_COUNT})`;
  const ctm = modern ? x.attrs.get('coordinate_transformation_mode') ?? 'half_pixel' : 'asymmetric';
  const rounding = modern ? x.attrs.get('nearest_mode') ?? 'round_prefer_floor' : 'floor';
  for (let a = 2; a < shape.length; a++) {
    const n = shape[a], s = scales[a], m = n * s;
    for (let i = 0; i < m; i++) {
      const src = nearestSource(ctm, rounding, i, s, n, m);
      if (typeof src === 'string') return src;
      if (src !== Math.floor(i / s)) {
        return `coordinate_transformation_mode "${ctm}" with nearest_mode "${rounding}": output ${i} of axis ${a} reads input ${src}, not ${Math.floor(i / s)} (Cortado's Upsample repeats each value in place)`;
      }
    }
  }
  x.layer({ type: 'Upsample', ...one(x), scale: spatial.every((s) => s === spatial[0]) ? [spatial[0]] : spatial });
}

/** The input pixel ONNX's nearest Resize reads for output i of an axis of n (m = n s out), or why it cannot say. */
function nearestSource(ctm: string, rounding: string, i: number, s: number, n: number, m: number): number | string {
  let c: number;
  switch (ctm) {
    case 'half_pixel': c = (i + 0.5) / s - 0.5; break;
    case 'pytorch_half_pixel': c = m > 1 ? (i + 0.5) / s - 0.5 : 0; break;
    case 'align_corners': c = m === 1 ? 0 : (i * (n - 1)) / (m - 1); break;
    case 'asymmetric': c = i / s; break;
    case 'tf_half_pixel_for_nn': c = (i + 0.5) / s; break;
    default: return `coordinate_transformation_mode "${ctm}"`;
  }
  let k: number;
  switch (rounding) {
    case 'round_prefer_floor': k = c - Math.floor(c) === 0.5 ? Math.floor(c) : Math.round(c); break;
    case 'round_prefer_ceil': k = c - Math.floor(c) === 0.5 ? Math.ceil(c) : Math.round(c); break;
    case 'floor': k = Math.floor(c); break;
    case 'ceil': k = Math.ceil(c); break;
    default: return `nearest_mode "${rounding}"`;
  }
  return Math.min(Math.max(k, 0), n - 1);
}

export const IMPORTS: Readonly<Record<string, Entry>> = {
  ...POOL_IMPORTS,
  Conv: conv(false),
  ConvTranspose: conv(true),
  Gemm: gemm,
  MatMul: matmul,
  Relu: (x) => x.layer({ type: 'ReLU', ...one(x) }),
  LeakyRelu: (x) => x.layer({ type: 'ReLU', ...one(x), negativeSlope: x.attrs.get('alpha') ?? 0.01 }),
  Sigmoid: (x) => x.layer({ type: 'Sigmoid', ...one(x) }),
  Tanh: (x) => x.layer({ type: 'TanH', ...one(x) }),
  Abs: (x) => x.layer({ type: 'AbsVal', ...one(x) }),
  Elu: (x) => x.layer({ type: 'ELU', ...one(x), alpha: x.attrs.get('alpha') ?? 1 }),
  // Selu is γ · elu_α: an ELU, then a Power of scale γ (ONNX's defaults are the SELU paper's).
  Selu: (x) => {
    const mid = x.fresh(`${x.outputs[0]}_elu`);
    x.layer({ type: 'ELU', name: x.fresh(`${x.name}_elu`), bottoms: [x.inputs[0]], tops: [mid], alpha: x.attrs.get('alpha') ?? 1.67326319217681884765625 });
    x.layer({ type: 'Power', bottoms: [mid], tops: [x.outputs[0]], power: 1, scale: x.attrs.get('gamma') ?? 1.05070102214813232421875, shift: 0 });
  },
  PRelu: prelu,
  Clip: clip,
  Softmax: (x) => softmax(x, 'Softmax'),
  LogSoftmax: (x) => softmax(x, 'LogSoftmax'),
  Resize: resize,
  Upsample: resize,
  BatchNormalization: batchNorm,
  LRN: (x) => {
    const size = x.attrs.get('size');
    if (size % 2 === 0) return `an even size ${size} (Caffe's window is centred: odd sizes)`;
    x.layer({ type: 'LRN', ...one(x), localSize: size, alpha: x.attrs.get('alpha') ?? 1e-4, beta: x.attrs.get('beta') ?? 0.75, k: x.attrs.get('bias') ?? 1 });
  },
  Concat: (x) => x.layer({ type: 'Concat', bottoms: x.inputs.map((_, i) => x.data(i)), tops: [x.outputs[0]], axis: x.attrs.get('axis') }),
  Split: split,
  Slice: slice,
  Gather: gather,
  Reshape: reshape,
  Flatten: flatten,
  Add: binary('Add'), Sub: binary('Sub'), Mul: binary('Mul'), Div: binary('Div'), Max: binary('Max'), Min: binary('Min'), Sum: binary('Sum'), Mean: binary('Mean'),
  Dropout: (x) => {
    if (x.outputs[1] && x.consumers(x.outputs[1])) return 'its mask output is used';
    const ratio = x.inputs[1] ? needConst(x, 1, 'ratio').values[0] : x.attrs.get('ratio') ?? 0.5;
    x.layer({ type: 'Dropout', ...one(x), ratio });
  },
  Pad: (x) => {
    const mode = x.attrs.get('mode') ?? 'constant';
    const p = x.inputs[1] ? Array.from(needConst(x, 1, 'pads').values) : x.attrs.get('pads') ?? [];
    const value = x.inputs[2] ? needConst(x, 2, 'constant_value').values[0] : x.attrs.get('value') ?? 0;
    // nothing added (Swin's pad to a whole number of windows where the size is one already)
    if (p.every((v: number) => v === 0)) return void x.layer({ type: 'Identity', ...one(x) });
    if (mode !== 'constant' || value !== 0 || x.inputs[3]) return `mode ${mode}, value ${value} or axes (Cortado reads zero padding)`;
    if (p.length !== 8 || p[0] || p[1] || p[4] || p[5] || p[2] !== p[6] || p[3] !== p[7]) return `pads [${p}] (Cortado reads equal zero padding of height and width)`;
    x.pads.set(x.outputs[0], { input: x.inputs[0], pads: [p[2], p[3]] });
  },
  Identity: (x) => x.layer({ type: 'Identity', ...one(x) }),
  Transpose: (x) => {
    const rank = x.shape(x.inputs[0]).length;
    const perm: number[] = x.attrs.get('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    x.layer({ type: 'Permute', ...one(x), order: perm.map((a) => (a < 0 ? a + rank : a)) });
  },
  Tile: (x) => {
    const reps = Array.from(needConst(x, 1, 'repeats').values);
    const axes = reps.map((r, i) => (r !== 1 ? i : -1)).filter((i) => i >= 0);
    if (axes.length > 1) return `repeats [${reps}] on more than one axis`;
    if (!axes.length) return void x.layer({ type: 'Identity', ...one(x) });
    x.layer({ type: 'Tile', ...one(x), axis: axes[0], tiles: reps[axes[0]] });
  },
};
