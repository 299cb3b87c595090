/**
 * ONNX operator → Cortado layers, the rest of the import table (import-ops.ts has the main one):
 *
 *   ReduceSum, ReduceL1, ReduceSumSquare, ReduceMean   Reduction (SUM, ASUM, SUMSQ, MEAN) over the
 *               trailing axes (other axes moved there first by a Permute: a mean over a sequence),
 *               then a Reshape putting back the reduced axes as 1s with keepdims; ReduceL2 the same
 *               SUMSQ then Power 0.5
 *   ReduceMax, ReduceMin  a max Pooling with a window of 1 × R over a [A, B, 1, R] view of the
 *               input, the R reduced values of each output last (moved there by a Permute), A the
 *               batch axis where it is kept (so that the batch size may change); ReduceMin as
 *               -max(-x) with Powers of scale -1 around it; then a Reshape to the output
 *   Pow         Power, with a constant exponent of one value; the affine Power just before (a
 *               multiplication and an addition by one value), read by nothing else, becomes its
 *               scale and shift
 *   HardSigmoid Power (power 1: alpha x + beta) then Clip [0, 1]
 *   HardSwish   the same with alpha 1/6, beta 1/2, times x (Eltwise PROD)
 *   ArgMax      ArgMax (topK 1) along the axis, then a Reshape without keepdims; ArgMin the same of -x
 *               (a Power of scale -1)
 *   TopK        ArgMax with a constant k, largest: one for the indices, one for the values, as read
 *   Cast        of a computed value: Identity where nothing is lost (to float; to an integer type
 *               only the output of an ArgMax, whole numbers already)
 *   Exp         the Exponential neuron of the Convolution, InnerProduct, Deconvolution or Pooling
 *               that computes its input, when nothing else reads that value; else an Exp layer
 *   Log         a Log layer; either takes in the affine Power (a x + b) before it, read by nothing else
 *   Softplus    Softplus (beta 1)
 *   Erf         Erf (fuse.ts makes the exact GELU written with it one GELU layer)
 *   Gelu        GELU (approximate "none" or "tanh"; opset 20)
 *   Sqrt, Reciprocal, Neg  of a computed value: Power (power 0.5, power -1, scale -1)
 *   Squeeze, Unsqueeze  of a computed value: a Reshape to the shape with the axes taken out or put in
 *   Equal, Less, Greater, LessOrEqual, GreaterOrEqual  of a computed value and a constant of one
 *               value (either side): Compare, 1 and 0 for true and false (PyTorch's `ids == 0`)
 *   Not         of 0s and 1s: Power 1 - c
 *   Where       of a condition of 0s and 1s (a boolean graph input or a comparison, moved, cast
 *               or negated) between two constants of one value each: Power b + (a - b) c (a
 *               padding mask, -Infinity held as MASKED); with a computed value to choose (a
 *               masked_fill), a ⊙ c + b ⊙ (1 - c) of Eltwise PROD and SUM (a constant's term a
 *               Power of c), each operand tiled to the output's shape
 *   Expand      of a computed value: Tile of its axes of size 1
 *   Cast        to bool of 0s and 1s (from a boolean graph input): Identity
 *   LayerNormalization  LayerNorm over the axes from `axis`, with the scale and B as its learned
 *               scale and bias (whenever there is a B, zeros included: a fresh PyTorch
 *               LayerNorm trains them); a scale of ones and no B is affine false
 */
import { BOOL, DOUBLE, FLOAT, INTEGER_TYPES } from './codec.js';
import { broadcastDims } from './fold.js';
import { MASKED, expandTo, needConst, one, producerOf, reshapeTo, type Entry, type In } from './import-ops.js';

const REDUCTIONS: Record<string, string> = { ReduceSum: 'SUM', ReduceL1: 'ASUM', ReduceSumSquare: 'SUMSQ', ReduceMean: 'MEAN', ReduceL2: 'SUMSQ' };

/**
 * The axes a Reduce node reduces, sorted, and those it keeps: from its axes input (ReduceSum from
 * opset 13, the others from 18) or attribute, every axis when none are given; null where none
 * are given and noop_with_empty_axes says to reduce nothing; a reason for axes the input lacks.
 */
function reducedAxes(x: In, shape: number[]): { sorted: number[]; kept: number[] } | null | string {
  const rank = shape.length;
  const fromInput = x.op === 'ReduceSum' ? x.opset >= 13 : x.opset >= 18;
  let axes: number[] | undefined;
  if (fromInput) axes = x.inputs[1] ? Array.from(needConst(x, 1, 'axes').values) : undefined;
  else axes = x.attrs.get('axes');
  if (!axes || axes.length === 0) {
    if (fromInput && x.attrs.get('noop_with_empty_axes')) return null;
    axes = shape.map((_, i) => i);
  }
  const sorted = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (sorted.some((a) => a < 0 || a >= rank)) return `axes [${axes}] of a ${rank}-d input`;
  return { sorted, kept: shape.map((_, i) => i).filter((i) => !sorted.includes(i)) };
}

/** The node's input with the reduced axes moved after the kept ones (a Permute where they are not there already). */
function reducedLast(x: In, from: string, sorted: number[], kept: number[]): string {
  if (sorted.every((a, i) => a === kept.length + i)) return from;
  const moved = x.fresh(`${x.outputs[0]}_moved`);
  x.layer({ type: 'Permute', name: x.fresh(`${x.name}_move`), bottoms: [from], tops: [moved], order: [...kept, ...sorted] });
  return moved;
}

const reduce = (x: In): string | void => {
  const shape = x.shape(x.inputs[0]);
  const axes = reducedAxes(x, shape);
  if (axes === null) return void x.layer({ type: 'Identity', ...one(x) });
  if (typeof axes === 'string') return axes;
  const { sorted, kept } = axes;
  // Cortado's Reduction reduces every axis from one to the last: other axes are moved there first.
  const axis = kept.length;
  const input = reducedLast(x, x.inputs[0], sorted, kept);
  const keepdims = (x.attrs.get('keepdims') ?? 1) !== 0;
  const l2 = x.op === 'ReduceL2';
  const reduced = keepdims || l2 ? x.fresh(`${x.outputs[0]}_reduced`) : x.outputs[0];
  x.layer({ type: 'Reduction', name: x.name, bottoms: [input], tops: [reduced], operation: REDUCTIONS[x.op], axis });
  let current = reduced;
  if (l2) {
    const root = keepdims ? x.fresh(`${x.outputs[0]}_root`) : x.outputs[0];
    x.layer({ type: 'Power', name: x.fresh(`${x.name}_sqrt`), bottoms: [current], tops: [root], power: 0.5 });
    current = root;
  }
  if (keepdims) reshapeTo(x, x.fresh(`${x.name}_keepdims`), current, x.outputs[0], shape.map((d, i) => (sorted.includes(i) ? 1 : d)), Math.min(axis, sorted[0]!));
};

/** ReduceMax and ReduceMin: a max Pooling of the reduced axes (see the top of this file). */
const reduceExtreme = (x: In): string | void => {
  const shape = x.shape(x.inputs[0]);
  const axes = reducedAxes(x, shape);
  if (axes === null) return void x.layer({ type: 'Identity', ...one(x) });
  if (typeof axes === 'string') return axes;
  const { sorted, kept } = axes;
  const R = sorted.reduce((n, a) => n * shape[a]!, 1);
  if (R === 0) return 'an empty reduction (no values to take the extreme of)';
  const min = x.op === 'ReduceMin';
  const step = (what: string, cfg: Record<string, unknown>, from: string): string => {
    const to = x.fresh(`${x.outputs[0]}_${what}`);
    x.layer({ name: x.fresh(`${x.name}_${what}`), bottoms: [from], tops: [to], ...cfg } as Parameters<In['layer']>[0]);
    return to;
  };
  let v = x.inputs[0];
  if (min) v = step('negated', { type: 'Power', power: 1, scale: -1 }, v);
  v = reducedLast(x, v, sorted, kept);
  const batchKept = kept[0] === 0;
  v = step('view', { type: 'Reshape', shape: [batchKept ? 0 : 1, -1, 1, R] }, v);
  x.layer({ type: 'Pooling', name: x.name, bottoms: [v], tops: [v = x.fresh(`${x.outputs[0]}_pooled`)], method: 'max', kernel: [1, R], stride: 1 });
  if (min) v = step('min', { type: 'Power', power: 1, scale: -1 }, v);
  const keepdims = (x.attrs.get('keepdims') ?? 1) !== 0;
  const out = keepdims ? shape.map((d, i) => (sorted.includes(i) ? 1 : d)) : kept.map((a) => shape[a]!);
  reshapeTo(x, x.fresh(`${x.name}_shape`), v, x.outputs[0], out, batchKept ? 1 : 0);
};

/**
 * The affine Power (a x + b, power 1) computing the node's input when nothing else reads that
 * value: dropped, and its bottoms, scale and shift returned for the node's layer to take in.
 */
function takeAffine(x: In): { bottoms: string[]; scale: number; shift: number } | undefined {
  const p = producerOf(x, x.inputs[0]);
  if (p?.type !== 'Power' || (p.power ?? 1) !== 1 || x.consumers(x.inputs[0]) !== 1) return undefined;
  x.drop(p.name);
  return { bottoms: p.bottoms!, scale: (p.scale as number | undefined) ?? 1, shift: (p.shift as number | undefined) ?? 0 };
}

/** Pow with a constant exponent: Power, taking in the affine Power (a x + b) just before it. */
function pow(x: In): string | void {
  const e = needConst(x, 1, 'exponent');
  if (e.values.length !== 1) return `an exponent of shape [${e.dims}] (Cortado's Power has one)`;
  if (!Number.isFinite(e.values[0])) return `an exponent of ${e.values[0]} (Cortado's Power takes a finite one)`;
  const a = takeAffine(x);
  if (a) return void x.layer({ type: 'Power', bottoms: a.bottoms, tops: [x.outputs[0]], power: e.values[0], scale: a.scale, shift: a.shift });
  x.layer({ type: 'Power', bottoms: [x.inputs[0]], tops: [x.outputs[0]], power: e.values[0] });
}

/** HardSigmoid (and HardSwish, times x): Power for alpha x + beta, Clip to [0, 1]. */
const hard = (swish: boolean): Entry => (x) => {
  const alpha = swish ? 1 / 6 : x.attrs.get('alpha') ?? 0.2;
  const beta = swish ? 0.5 : x.attrs.get('beta') ?? 0.5;
  const line = x.fresh(`${x.outputs[0]}_linear`);
  x.layer({ type: 'Power', bottoms: [x.inputs[0]], tops: [line], power: 1, scale: alpha, shift: beta });
  const gate = swish ? x.fresh(`${x.outputs[0]}_gate`) : x.outputs[0];
  x.layer({ type: 'Clip', name: x.fresh(`${x.name}_clip`), bottoms: [line], tops: [gate], min: 0, max: 1 });
  if (swish) x.layer({ type: 'Eltwise', name: x.fresh(`${x.name}_times`), bottoms: [x.inputs[0], gate], tops: [x.outputs[0]], operation: 'PROD' });
};

function argmax(x: In): string | void {
  if (x.attrs.get('select_last_index')) return 'select_last_index 1 (Cortado breaks ties to the lower index)';
  const shape = x.shape(x.inputs[0]);
  const a0 = x.attrs.get('axis') ?? 0;
  const axis = a0 < 0 ? a0 + shape.length : a0;
  const keepdims = (x.attrs.get('keepdims') ?? 1) !== 0;
  const top = keepdims ? x.outputs[0] : x.fresh(`${x.outputs[0]}_kept`);
  // ArgMin: the ArgMax of -x (the first of equal smallest is the first of equal largest there)
  let input = x.inputs[0];
  if (x.op === 'ArgMin') x.layer({ type: 'Power', name: x.fresh(`${x.name}_negated`), bottoms: [input], tops: [input = x.fresh(`${x.outputs[0]}_negated`)], power: 1, scale: -1 });
  x.layer({ type: 'ArgMax', bottoms: [input], tops: [top], axis, topK: 1 });
  if (!keepdims) reshapeTo(x, x.fresh(`${x.name}_squeeze`), top, x.outputs[0], shape.filter((_, i) => i !== axis), axis);
}

function topk(x: In): string | void {
  if ((x.attrs.get('largest') ?? 1) !== 1) return 'largest 0 (Cortado\'s ArgMax finds the largest)';
  const k = needConst(x, 1, 'k').values;
  if (k.length !== 1) return `k of shape [${k.length}]`;
  const rank = x.shape(x.inputs[0]).length;
  const a0 = x.attrs.get('axis') ?? -1;
  const axis = a0 < 0 ? a0 + rank : a0;
  const [values, indices] = x.outputs;
  const used = (v: string | undefined) => !!v && x.consumers(v) > 0;
  if (!used(values) && !used(indices)) return 'neither output is read';
  if (used(indices)) x.layer({ type: 'ArgMax', bottoms: [x.inputs[0]], tops: [indices!], axis, topK: k[0] });
  if (used(values)) x.layer({ type: 'ArgMax', name: used(indices) ? x.fresh(`${x.name}_values`) : x.name, bottoms: [x.inputs[0]], tops: [values!], axis, topK: k[0], outMaxVal: true });
}

const FLOAT16 = 10, BFLOAT16 = 16;

/** Layers that move values without changing them: what they compute holds what their bottoms hold. */
const MOVES = new Set(['Reshape', 'Flatten', 'Identity', 'Tile', 'Permute', 'Slice', 'Concat']);

/** Whether `value` holds only 0 and 1: a boolean graph input or a comparison, moved (reshaped, tiled...), cast or negated. */
function zeroOne(x: In, value: string, depth = 0): boolean {
  if (x.boolInput(value)) return true;
  const p = producerOf(x, value);
  if (!p || depth > 64) return false;
  if (p.type === 'Compare') return true;
  // a x + b taking 0 and 1 to 0 or 1 (1 - c, a Where between 1 and 0)
  if (p.type === 'Power' && (p.power ?? 1) === 1) {
    const [a, b] = [(p.scale as number | undefined) ?? 1, (p.shift as number | undefined) ?? 0];
    if ((b === 0 || b === 1) && (a + b === 0 || a + b === 1)) return zeroOne(x, p.bottoms![0]!, depth + 1);
  }
  return MOVES.has(p.type) && (p.bottoms ?? []).length > 0 && p.bottoms!.every((b) => zeroOne(x, b, depth + 1));
}

function cast(x: In): string | void {
  const to = x.attrs.get('to');
  if (to === BOOL && zeroOne(x, x.inputs[0]!)) return void x.layer({ type: 'Identity', ...one(x) });
  // Follow Reshape, Flatten and Identity back to what computed the values.
  let p = producerOf(x, x.inputs[0]);
  while (p && (p.type === 'Reshape' || p.type === 'Flatten' || p.type === 'Identity')) p = producerOf(x, p.bottoms![0]!);
  const whole = p?.type === 'ArgMax' && !p.outMaxVal;
  if (to === FLOAT || to === DOUBLE || to === FLOAT16 || to === BFLOAT16 || (INTEGER_TYPES.has(to) && to !== BOOL && whole)) return void x.layer({ type: 'Identity', ...one(x) });
  return `a cast to type ${to} of computed values (Cortado computes in float; it casts an ArgMax's indices)`;
}

/**
 * Exp and Log: an Exp after a Convolution, InnerProduct, Deconvolution or Pooling that nothing
 * else reads is its Exponential neuron; otherwise an Exp or Log layer, taking in the affine Power
 * (a x + b) just before it when nothing else reads that.
 */
function expLog(x: In): string | void {
  const p = producerOf(x, x.inputs[0]);
  if (x.op === 'Exp' && x.consumers(x.inputs[0]) === 1 && p && ['Convolution', 'InnerProduct', 'Deconvolution', 'Pooling'].includes(p.type) && (p.neuron === undefined || p.neuron === 'Identity')) {
    p.neuron = 'Exponential';
    p.tops = [x.outputs[0]];
    return;
  }
  const a = takeAffine(x);
  if (a) return void x.layer({ type: x.op, bottoms: a.bottoms, tops: [x.outputs[0]], scale: a.scale, shift: a.shift });
  x.layer({ type: x.op, ...one(x) });
}

function gelu(x: In): string | void {
  const approximate = x.attrs.get('approximate') ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') return `approximate "${approximate}" (Cortado's GELU is exact or the tanh approximation)`;
  x.layer({ type: 'GELU', ...one(x), ...(approximate === 'tanh' ? { approximate } : {}) });
}

function layerNorm(x: In): string | void {
  if (x.outputs.slice(1).some((o) => o && x.consumers(o) > 0)) return 'Mean or InvStdDev read as outputs';
  const shape = x.shape(x.inputs[0]);
  const axis0: number = x.attrs.get('axis') ?? -1;
  const axis = axis0 < 0 ? axis0 + shape.length : axis0;
  if (axis < 0 || axis >= shape.length) return `axis ${axis0} of a ${shape.length}-d input`;
  const normalized = shape.slice(axis);
  const D = normalized.reduce((a, b) => a * b, 1);
  // The scale is required by ONNX; fuse.ts leaves it empty where the pattern it read had none.
  const scale = x.inputs[1] ? needConst(x, 1, 'scale') : undefined;
  const bias = x.inputs[2] ? needConst(x, 2, 'B') : undefined;
  for (const [t, what] of [[scale, 'scale'], [bias, 'B']] as const) {
    if (t && t.values.length !== D) return `a ${what} of shape [${t.dims}] broadcast over [${normalized}] (Cortado's holds one value per normalized element)`;
  }
  // A B, even of zeros, is an affine LayerNorm (PyTorch's elementwise_affine, fresh or trained):
  // its scale and bias train. A scale of ones alone is the normalization without them.
  const affine = bias !== undefined || !!scale?.values.some((v) => v !== 1);
  x.layer({ type: 'LayerNorm', ...one(x), axis, eps: x.attrs.get('epsilon') ?? 1e-5, ...(affine ? {} : { affine: false }) });
  if (!affine) return;
  x.weight(x.name, 'scale', normalized, scale ? scale.values : new Float64Array(D).fill(1));
  x.weight(x.name, 'bias', normalized, bias ? bias.values : new Float64Array(D));
}

const COMPARISONS: Record<string, [string, string]> = {
  // the operation with the constant second, and with it first
  Equal: ['equal', 'equal'], Less: ['less', 'greater'], Greater: ['greater', 'less'],
  LessOrEqual: ['lessOrEqual', 'greaterOrEqual'], GreaterOrEqual: ['greaterOrEqual', 'lessOrEqual'],
};

/** Whether a constant of `dims` broadcasts over `shape` without making it larger (numpy's rules). */
const fitsIn = (dims: readonly number[], shape: readonly number[]) => broadcastDims([shape, dims])?.join() === shape.join();

/** A comparison of a computed value with a constant of one value: Compare (1 for true, 0 for false). */
function comparison(x: In): string | void {
  const k = x.inputs.findIndex((_, i) => x.isConst(i));
  if (k < 0) return 'a comparison of two computed values (Cortado\'s Compare compares with a constant)';
  const t = x.const(k)!;
  if (t.values.some((v) => v !== t.values[0])) return `a constant of several values, [${t.dims}] (Cortado's Compare compares with one value)`;
  const input = x.inputs[1 - k]!;
  if (Number.isNaN(t.values[0])) return 'a constant of NaN (every comparison with it is false)';
  const shape = x.shape(input);
  if (!fitsIn(t.dims, shape)) return `a constant of shape [${t.dims}] beyond the compared value's [${shape}]`;
  x.layer({ type: 'Compare', bottoms: [input], tops: [x.outputs[0]!], operation: COMPARISONS[x.op]![k === 1 ? 0 : 1], value: t.values[0] ?? 0 });
}

/** One value to choose, -Infinity held as MASKED, or why it cannot be. */
function chosenValue(t: { dims: number[]; values: ArrayLike<number> }): number | string {
  if (Array.from(t.values).some((v) => v !== t.values[0])) return `a constant to choose of several values, [${t.dims}] (Cortado's Where chooses a single value)`;
  const v = t.values[0] ?? 0;
  if (Number.isNaN(v) || v === Infinity) return `a constant of ${v} to choose (Cortado holds -Infinity as ${MASKED}, nothing else that is not finite)`;
  return v === -Infinity ? MASKED : v;
}

/**
 * Where with a computed condition of 0s and 1s (a boolean graph input or a comparison, moved, cast
 * or negated: a padding mask). Between two constants of one value each: a Power, b + (a - b) c,
 * with -Infinity held as MASKED (the mask then added to attention scores). With a computed value
 * to choose: a ⊙ c + b ⊙ (1 - c), c and each computed operand tiled to the output's shape; a
 * constant's term is a Power of c. Where the mask picks a constant, the computed value must be
 * finite there (it is multiplied by 0).
 */
function where(x: In): string | void {
  if (!zeroOne(x, x.inputs[0]!)) return 'a condition not read from a boolean graph input or a comparison (Cortado\'s Where takes 0 and 1 as they are)';
  const cond = x.inputs[0]!;
  const computed = [1, 2].map((i) => x.isConst(i) === false);
  const shape = x.shape(cond);
  if (!computed[0] && !computed[1]) {
    const [va, vb] = [1, 2].map((i) => { const t = x.const(i)!; return fitsIn(t.dims, shape) ? chosenValue(t) : `a constant of shape [${t.dims}] beyond the condition's [${shape}]`; });
    if (typeof va === 'string') return va;
    if (typeof vb === 'string') return vb;
    return void x.layer({ type: 'Power', ...one(x), power: 1, scale: va! - vb!, shift: vb });
  }
  const values = [1, 2].map((i) => (computed[i - 1] ? undefined : chosenValue(x.const(i)!)));
  const bad = values.find((v) => typeof v === 'string');
  if (bad) return bad as string;
  const out = broadcastDims([shape, ...[1, 2].map((i) => (computed[i - 1] ? x.shape(x.inputs[i]!) : x.const(i)!.dims))]);
  if (!out) return `a broadcast of shapes [${shape}], ${[1, 2].map((i) => `[${computed[i - 1] ? x.shape(x.inputs[i]!) : x.const(i)!.dims}]`).join(', ')} (numpy's rules: each size 1 or the largest)`;
  const c = expandTo(x, cond, out, 'c');
  const fresh = (what: string) => x.fresh(`${x.name}_${what}`);
  let notC: string | undefined;
  const inverse = () => {
    if (!notC) {
      notC = fresh('not_c');
      x.layer({ type: 'Power', name: notC, bottoms: [c], tops: [notC], power: 1, scale: -1, shift: 1 });
    }
    return notC;
  };
  // the term of operand i (1: chosen where c is 1, 2: where c is 0)
  const term = (i: number): string => {
    const y = fresh(`term${i}`);
    const v = values[i - 1] as number | undefined;
    if (v !== undefined) x.layer({ type: 'Power', name: y, bottoms: [c], tops: [y], power: 1, scale: i === 1 ? v : -v, shift: i === 1 ? 0 : v });
    else x.layer({ type: 'Eltwise', name: y, bottoms: [expandTo(x, x.inputs[i]!, out, String(i)), i === 1 ? c : inverse()], tops: [y], operation: 'PROD' });
    return y;
  };
  x.layer({ type: 'Eltwise', ...one(x), bottoms: [term(1), term(2)], operation: 'SUM' });
}

/** Not of 0s and 1s: Power 1 - c. */
function not(x: In): string | void {
  if (!zeroOne(x, x.inputs[0]!)) return 'a value not known to hold only 0 and 1 (a boolean graph input or a comparison)';
  x.layer({ type: 'Power', ...one(x), power: 1, scale: -1, shift: 1 });
}

/** Expand of a computed value: Tile along its axes of size 1 (a Reshape first where the rank grows). */
function expand(x: In): string | void {
  const shape = x.shape(x.inputs[0]!);
  const target = Array.from(needConst(x, 1, 'shape').values);
  const out = broadcastDims([shape, target]);
  if (!out) return `shape [${target}] for an input of shape [${shape}]`;
  expandTo(x, x.inputs[0]!, out, '', x.outputs[0]!);
}

/** Squeeze and Unsqueeze of a computed value: a Reshape (of constants they are folded). */
const squeeze = (x: In): string | void => {
  const shape = x.shape(x.inputs[0]);
  const given: number[] | undefined = x.opset >= 13 ? (x.inputs[1] ? Array.from(needConst(x, 1, 'axes').values) : undefined) : x.attrs.get('axes');
  const rank = x.op === 'Squeeze' ? shape.length : shape.length + (given?.length ?? 0);
  if (x.op === 'Unsqueeze' && !given) return 'no axes';
  const axes = (given ?? shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => (a < 0 ? a + rank : a));
  if (axes.some((a) => a < 0 || a >= rank) || new Set(axes).size !== axes.length) return `axes [${given}] of a ${rank}-d ${x.op === 'Squeeze' ? 'input' : 'output'}`;
  let out: number[];
  if (x.op === 'Squeeze') {
    const wide = axes.find((a) => shape[a] !== 1);
    if (wide !== undefined) return `axis ${wide} of size ${shape[wide]} (Squeeze takes out axes of size 1)`;
    out = shape.filter((_, i) => !axes.includes(i));
  } else {
    const rest = [...shape];
    out = Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
  }
  x.layer({ type: 'Reshape', ...one(x), shape: out });
};

export const MORE_IMPORTS: Readonly<Record<string, Entry>> = {
  ReduceSum: reduce, ReduceL1: reduce, ReduceSumSquare: reduce, ReduceMean: reduce, ReduceL2: reduce,
  ReduceMax: reduceExtreme, ReduceMin: reduceExtreme,
  Pow: pow,
  HardSigmoid: hard(false),
  HardSwish: hard(true),
  ArgMax: argmax, ArgMin: argmax,
  TopK: topk,
  Cast: cast,
  Exp: expLog,
  Log: expLog,
  Erf: (x) => void x.layer({ type: 'Erf', ...one(x) }),
  Softplus: (x) => void x.layer({ type: 'Softplus', ...one(x) }),
  Gelu: gelu,
  LayerNormalization: layerNorm,
  Squeeze: squeeze, Unsqueeze: squeeze,
  Where: where,
  Not: not,
  Equal: comparison, Less: comparison, Greater: comparison, LessOrEqual: comparison, GreaterOrEqual: comparison,
  Expand: expand,
  // of computed values (of constants they are folded)
  Sqrt: (x) => void x.layer({ type: 'Power', ...one(x), power: 0.5 }),
  Reciprocal: (x) => void x.layer({ type: 'Power', ...one(x), power: -1 }),
  Neg: (x) => void x.layer({ type: 'Power', ...one(x), scale: -1 }),
};
