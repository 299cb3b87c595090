/**
 * Constant folding for importOnnx: nodes whose inputs are all known at import time (initializers,
 * Constant nodes, the shapes of computed values) are evaluated here instead of becoming layers.
 * This is how the shape arithmetic exporters write (PyTorch's flatten: Shape → Gather → Unsqueeze
 * → Concat → Reshape) reduces to a constant shape. Tensors are numbers (Float64Array) with dims,
 * marked when of an integer type, whose division truncates (ShuffleNet's chunk: a size / 2).
 */
import { INTEGER_TYPES, type Tensor } from './codec.js';

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** numpy broadcasting of tensors through f (one value of each, in order). */
/** Each shape with 1s in front to the largest rank. */
function padShapes(shapes: readonly (readonly number[])[]): number[][] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return shapes.map((s) => [...new Array(rank - s.length).fill(1), ...s]);
}

/** The shape numpy's rules broadcast `shapes` to (each size 1 or the largest), or undefined. */
export function broadcastDims(shapes: readonly (readonly number[])[]): number[] | undefined {
  const padded = padShapes(shapes);
  const dims = padded[0]!.map((_, i) => Math.max(...padded.map((p) => p[i]!)));
  return padded.some((p) => p.some((d, i) => d !== dims[i] && d !== 1)) ? undefined : dims;
}

function broadcastAll(ts: Tensor[], f: (v: number[]) => number): Tensor {
  const dims = broadcastDims(ts.map((t) => t.dims));
  if (!dims) throw new Error(`shapes ${ts.map((t) => `[${t.dims}]`).join(', ')} do not broadcast`);
  const rank = dims.length;
  const padded = padShapes(ts.map((t) => t.dims));
  const n = count(dims);
  const values = new Float64Array(n);
  const at = new Array<number>(ts.length);
  const v = new Array<number>(ts.length);
  for (let k = 0; k < n; k++) {
    at.fill(0);
    let rest = k;
    const strides = ts.map(() => 1);
    for (let i = rank - 1; i >= 0; i--) {
      const coord = rest % dims[i];
      rest = (rest - coord) / dims[i];
      padded.forEach((p, j) => {
        if (p[i] !== 1) at[j] += coord * strides[j];
        strides[j] *= p[i];
      });
    }
    ts.forEach((t, j) => (v[j] = t.values[at[j]]));
    values[k] = f(v);
  }
  return { dims, values };
}

function broadcast(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  return broadcastAll([a, b], ([x, y]) => f(x, y));
}

/** `t` repeated along its axes of size 1 (and before its first) to `dims`, as numpy's rules allow. */
export function broadcastTo(t: Tensor, dims: readonly number[]): Tensor {
  return broadcast(t, { dims: [...dims], values: new Float64Array(count(dims)) }, (x) => x);
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y,
  Max: Math.max, Min: Math.min, Pow: Math.pow, Equal: (x, y) => Number(x === y),
  Less: (x, y) => Number(x < y), Greater: (x, y) => Number(x > y), LessOrEqual: (x, y) => Number(x <= y), GreaterOrEqual: (x, y) => Number(x >= y),
  And: (x, y) => Number(x !== 0 && y !== 0), Or: (x, y) => Number(x !== 0 || y !== 0), Xor: (x, y) => Number((x !== 0) !== (y !== 0)),
};

/** The ops folded when every input is constant. */
export const FOLDABLE = new Set(['Constant', 'Identity', 'Cast', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Flatten', 'Slice', 'Neg', 'Floor', 'Ceil', 'Sqrt',
  'ConstantOfShape', 'Where', 'Expand', 'Mod', 'Range', 'ScatterND', 'Transpose', 'Not', ...Object.keys(BINARY)]);

/** Folded tensors larger than this are refused (an Expand to a huge shape would fill the memory). */
const MAX_FOLDED = 1 << 26;

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/**
 * Evaluates one node on constant inputs (`inputs[i]` undefined for an absent optional input);
 * `attrs` as codec.ts's attributes. Throws an Error saying what it cannot do.
 */
export function fold(op: string, inputs: (Tensor | undefined)[], attrs: Map<string, any>, readTensor: (t: any) => Tensor): Tensor {
  const out = values(op, inputs, attrs, readTensor);
  // Integer tensors stay integers through the ops that move values; a Cast or a Constant says its own.
  if (out.integer === undefined) out.integer = op in BINARY || op === 'Concat' ? inputs.every((t) => !t || t.integer) : !!inputs[0]?.integer;
  return out;
}

function values(op: string, inputs: (Tensor | undefined)[], attrs: Map<string, any>, readTensor: (t: any) => Tensor): Tensor {
  const [a, b] = inputs;
  if (BINARY[op]) {
    const f = op === 'Div' && inputs.every((t) => !t || t.integer) ? (x: number, y: number) => Math.trunc(x / y) : BINARY[op];
    return inputs.slice(1).reduce<Tensor>((acc, t) => broadcast(acc, t!, f), a!);
  }
  switch (op) {
    case 'ConstantOfShape': {
      const dims = Array.from(a!.values);
      if (dims.some((d) => !Number.isInteger(d) || d < 0) || count(dims) > MAX_FOLDED) throw new Error(`ConstantOfShape of shape [${dims}]`);
      const fill = attrs.has('value') ? readTensor(attrs.get('value')) : { dims: [1], values: Float64Array.of(0), integer: false };
      return { dims, values: new Float64Array(count(dims)).fill(fill.values[0] ?? 0), integer: !!fill.integer };
    }
    case 'Where': {
      const out = broadcastAll([a!, b!, inputs[2]!], ([c, x, y]) => (c ? x : y));
      return { ...out, integer: !!b!.integer && !!inputs[2]!.integer };
    }
    case 'Expand': {
      const shape = Array.from(b!.values);
      if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`Expand to shape [${shape}]`);
      const rank = Math.max(shape.length, a!.dims.length);
      const pa = [...new Array(rank - a!.dims.length).fill(1), ...a!.dims], ps = [...new Array(rank - shape.length).fill(1), ...shape];
      if (count(pa.map((d, i) => Math.max(d, ps[i]))) > MAX_FOLDED) throw new Error(`Expand of [${a!.dims}] to [${shape}] (too large to fold)`);
      return broadcastTo(a!, shape);
    }
    case 'Constant': {
      if (attrs.has('value')) return readTensor(attrs.get('value'));
      if (attrs.has('value_float')) return { dims: [], values: Float64Array.of(attrs.get('value_float')) };
      if (attrs.has('value_int')) return { dims: [], values: Float64Array.of(attrs.get('value_int')), integer: true };
      for (const k of ['value_floats', 'value_ints']) if (attrs.has(k)) return { dims: [attrs.get(k).length], values: Float64Array.from(attrs.get(k)), integer: k === 'value_ints' };
      throw new Error('a Constant without a value Cortado reads');
    }
    case 'Identity': return a!;
    case 'Cast': {
      const to = attrs.get('to');
      const integer = INTEGER_TYPES.has(to);
      return { dims: a!.dims, values: to === 9 ? a!.values.map((v) => Number(v !== 0)) : integer ? a!.values.map(Math.trunc) : a!.values, integer };
    }
    // fmod 0: the remainder takes the divisor's sign (Python's %), integers only; fmod 1: the dividend's (C's fmod)
    case 'Mod': {
      const fmod = (attrs.get('fmod') ?? 0) !== 0;
      if (!fmod && !(a!.integer && b!.integer)) throw new Error('Mod with fmod 0 of floats (ONNX allows it of integers only)');
      return broadcast(a!, b!, (x, y) => {
        const r = x % y;
        return fmod || r === 0 || r < 0 === y < 0 ? r : r + y;
      });
    }
    case 'Range': {
      const [start, limit, delta] = [a!.values[0]!, b!.values[0]!, inputs[2]!.values[0]!];
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      if (!Number.isFinite(n) || n > MAX_FOLDED) throw new Error(`Range from ${start} to ${limit} by ${delta}`);
      return { dims: [n], values: Float64Array.from({ length: n }, (_, i) => start + i * delta), integer: !!a!.integer };
    }
    // data with the slices that indices' last axis addresses replaced by (or added to, multiplied by) updates
    case 'ScatterND': {
      const reduction: string = attrs.get('reduction') ?? 'none';
      const op = { none: (_: number, u: number) => u, add: (x: number, u: number) => x + u, mul: (x: number, u: number) => x * u }[reduction];
      if (!op) throw new Error(`ScatterND with reduction "${reduction}"`);
      const idx = b!, upd = inputs[2]!;
      const k = idx.dims[idx.dims.length - 1] ?? 0;
      if (k < 1 || k > a!.dims.length) throw new Error(`ScatterND with indices of shape [${idx.dims}] into data of shape [${a!.dims}]`);
      const slice = count(a!.dims.slice(k)), n = count(idx.dims.slice(0, -1));
      if (upd.values.length !== n * slice) throw new Error(`ScatterND with ${upd.values.length} updates for ${n} slices of ${slice}`);
      const values = Float64Array.from(a!.values);
      for (let i = 0; i < n; i++) {
        let at = 0;
        for (let j = 0; j < k; j++) {
          const size = a!.dims[j]!;
          const ix = idx.values[i * k + j]! < 0 ? idx.values[i * k + j]! + size : idx.values[i * k + j]!;
          if (!Number.isInteger(ix) || ix < 0 || ix >= size) throw new Error(`ScatterND index ${idx.values[i * k + j]} outside an axis of ${size}`);
          at = at * size + ix;
        }
        for (let s = 0; s < slice; s++) values[at * slice + s] = op(values[at * slice + s]!, upd.values[i * slice + s]!);
      }
      return { dims: a!.dims, values, integer: !!a!.integer };
    }
    case 'Transpose': {
      const rank = a!.dims.length;
      const perm: number[] = attrs.get('perm') ?? a!.dims.map((_, i) => rank - 1 - i);
      if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !(p >= 0 && p < rank))) throw new Error(`Transpose by perm [${perm}] of a ${rank}-d tensor`);
      const dims = perm.map((p) => a!.dims[p]!);
      const strides = a!.dims.map((_, i) => count(a!.dims.slice(i + 1)));
      const values = new Float64Array(a!.values.length);
      for (let k = 0; k < values.length; k++) {
        let rest = k, at = 0;
        for (let i = rank - 1; i >= 0; i--) {
          const c = rest % dims[i]!;
          rest = (rest - c) / dims[i]!;
          at += c * strides[perm[i]!]!;
        }
        values[k] = a!.values[at]!;
      }
      return { dims, values };
    }
    case 'Not': return { dims: a!.dims, values: a!.values.map((v) => Number(v === 0)) };
    case 'Neg': return { dims: a!.dims, values: a!.values.map((v) => -v) };
    case 'Floor': return { dims: a!.dims, values: a!.values.map(Math.floor) };
    case 'Ceil': return { dims: a!.dims, values: a!.values.map(Math.ceil) };
    case 'Sqrt': return { dims: a!.dims, values: a!.values.map(Math.sqrt) };
    case 'Gather': {
      const axis = norm(attrs.get('axis') ?? 0, a!.dims.length);
      const outer = count(a!.dims.slice(0, axis)), size = a!.dims[axis], inner = count(a!.dims.slice(axis + 1));
      const idx = Array.from(b!.values, (i) => (i < 0 ? i + size : i));
      if (idx.some((i) => i < 0 || i >= size || !Number.isInteger(i))) throw new Error(`Gather indices [${b!.values}] outside an axis of ${size}`);
      const values = new Float64Array(outer * idx.length * inner);
      let k = 0;
      for (let o = 0; o < outer; o++) for (const i of idx) for (let j = 0; j < inner; j++) values[k++] = a!.values[(o * size + i) * inner + j];
      return { dims: [...a!.dims.slice(0, axis), ...b!.dims, ...a!.dims.slice(axis + 1)], values };
    }
    case 'Unsqueeze': {
      const axes: number[] = b ? Array.from(b.values) : attrs.get('axes');
      const rank = a!.dims.length + axes.length;
      const set = new Set(axes.map((x) => norm(x, rank)));
      const rest = [...a!.dims];
      return { dims: Array.from({ length: rank }, (_, i) => (set.has(i) ? 1 : rest.shift()!)), values: a!.values };
    }
    case 'Squeeze': {
      const axes: number[] | undefined = b ? Array.from(b.values) : attrs.get('axes');
      const set = new Set((axes ?? a!.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((x) => norm(x, a!.dims.length)));
      return { dims: a!.dims.filter((_, i) => !set.has(i)), values: a!.values };
    }
    case 'Concat': {
      const rank = a!.dims.length;
      const axis = norm(attrs.get('axis'), rank);
      const ts = inputs as Tensor[];
      if (!(axis >= 0 && axis < rank) || ts.some((t) => t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== a!.dims[i]))) {
        throw new Error(`constant Concat along axis ${attrs.get('axis')} of shapes ${ts.map((t) => `[${t.dims}]`).join(', ')}`);
      }
      // [outer, size_t · inner] blocks of each input, one after another for every o
      const outer = count(a!.dims.slice(0, axis)), inner = count(a!.dims.slice(axis + 1));
      const values: number[] = [];
      for (let o = 0; o < outer; o++) for (const t of ts) { const w = t.dims[axis]! * inner; for (let j = 0; j < w; j++) values.push(t.values[o * w + j]!); }
      return { dims: a!.dims.map((d, i) => (i === axis ? ts.reduce((n, t) => n + t.dims[axis]!, 0) : d)), values: Float64Array.from(values) };
    }
    case 'Reshape': {
      const target = Array.from(b!.values, (d, i) => (d === 0 ? a!.dims[i] : d));
      const known = target.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
      return { dims: target.map((d) => (d === -1 ? a!.values.length / known : d)), values: a!.values };
    }
    case 'Flatten': {
      const axis = norm(attrs.get('axis') ?? 1, a!.dims.length);
      return { dims: [count(a!.dims.slice(0, axis)), count(a!.dims.slice(axis))], values: a!.values };
    }
    case 'Slice': {
      // ONNX's rules: negative starts and ends count from the end, then clamp; any nonzero step
      const dims = a!.dims.length ? a!.dims : [a!.values.length];
      const starts = Array.from(inputs[1]!.values), ends = Array.from(inputs[2]!.values);
      const axes = inputs[3] ? Array.from(inputs[3].values, (v) => (v < 0 ? v + dims.length : v)) : starts.map((_, i) => i);
      const picks = dims.map((d) => Array.from({ length: d }, (_, i) => i));
      axes.forEach((axis, k) => {
        const d = dims[axis];
        if (d === undefined) throw new Error(`constant Slice along axis ${axis} of a ${dims.length}-d tensor`);
        const step = inputs[4]?.values[k] ?? 1;
        if (step === 0) throw new Error('constant Slice with a step of 0');
        const from = starts[k]! < 0 ? starts[k]! + d : starts[k]!, to = ends[k]! < 0 ? ends[k]! + d : ends[k]!;
        const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
        const at: number[] = [];
        for (let i = Math.min(hi, Math.max(step > 0 ? lo : 0, from)), e = Math.min(hi, Math.max(lo, to)); step > 0 ? i < e : i > e; i += step) at.push(i);
        picks[axis] = at;
      });
      const out = picks.map((p) => p.length);
      const values = new Float64Array(count(out));
      const strides = dims.map((_, i) => count(dims.slice(i + 1)));
      values.forEach((_, flat) => {
        let rest = flat, src = 0;
        for (let i = out.length - 1; i >= 0; i--) {
          src += picks[i]![rest % out[i]!]! * strides[i]!;
          rest = Math.floor(rest / out[i]!);
        }
        values[flat] = a!.values[src]!;
      });
      return { dims: out, values };
    }
  }
  throw new Error(`no folding for ${op}`);
}
