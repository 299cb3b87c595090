/**
 * ONNX's RNN, LSTM and GRU → Cortado's RNN (with `output: false`), LSTM and GRU with x as their
 * only bottom: every forward runs whole sequences from a zero state, as ONNX's do without initial
 * states.
 *
 *   X [T, N, I] → RNN, LSTM or GRU (numOutput hidden_size) → h [T, N, H]
 *   Y   [T, dirs, N, H]  each direction's h through a Reshape to [T, 1, N, H], Concat over axis 1
 *   Y_h [dirs, N, H]     each direction's last step (a Slice of h), Concat over axis 0
 *
 * The RNN's activation is Tanh or Relu, each direction its own; its two biases are summed into b_h.
 * The rows of W, R and B are reordered by gate: ONNX's LSTM holds i, o, f, c and Cortado's
 * (Caffe's) i, f, o, g, the two biases (input and recurrent) summed into b_c; ONNX's GRU holds
 * z, r, h and Cortado's (PyTorch's) r, z, n, the biases kept apart (b_x, b_h). The GRU's
 * linear_before_reset 1 (PyTorch's) is Cortado's default, 0 (ONNX's default) its resetAfter
 * false. The reverse direction (direction reverse, or the second half of bidirectional) is a
 * layer over X reversed in time by a Reverse layer; its h is reversed back for Y, and its last
 * step is Y_h.
 *
 * Refused, each by name: layout 1 (batch first), activations other than the defaults, clip, an
 * initial state that is computed or not zero, sequence_lens shorter than T; for the LSTM
 * input_forget, nonzero peepholes and Y_c read (Cortado's LSTM keeps its cell state inside).
 */
import { needConst, type Entry, type In } from './import-ops.js';
import type { ParamSpec } from '../../core/layer.js';

/** Reverses `from` [T, ...] along axis 0 (time) into `to`. */
function reverseTime(x: In, name: string, from: string, to: string): void {
  x.layer({ type: 'Reverse', name, bottoms: [from], tops: [to], axis: 0 });
}

/** The constant input i, if given, must be all zeros; `what` names it in the refusal. */
function zeroInput(x: In, i: number, what: string, why: string): string | undefined {
  if (!x.inputs[i]) return undefined;
  const t = x.const(i);
  if (!t) return `${what} computed by the graph (${why})`;
  if (t.values.some((v) => v !== 0)) return `a nonzero ${what} (${why})`;
  return undefined;
}

interface Kind {
  type: 'RNN' | 'LSTM' | 'GRU';
  /** Cortado's gate k is ONNX's gate order[k]. */
  order: number[];
  /** One direction's activations (the RNN's: Tanh, or Relu in its place). */
  activations: string[];
  /** Cortado's parameters from ONNX's W, R and B of one direction (gates reordered). */
  params(W: Float64Array, R: Float64Array, B: Float64Array | undefined, H: number, I: number): [string, number[], Float64Array][];
}

/** The rows of each gate of a [gates · H, cols] matrix, in Cortado's order. */
function reorder(m: Float64Array, order: number[], H: number, cols: number): Float64Array {
  const out = new Float64Array(order.length * H * cols);
  order.forEach((g, k) => out.set(m.subarray(g * H * cols, (g + 1) * H * cols), k * H * cols));
  return out;
}

const LSTM_KIND: Kind = {
  type: 'LSTM', order: [0, 2, 1, 3], activations: ['Sigmoid', 'Tanh', 'Tanh'],
  params: (W, R, B, H, I) => {
    // one bias: the input and recurrent biases summed
    const wb = B ? reorder(B.subarray(0, 4 * H), LSTM_KIND.order, H, 1) : new Float64Array(4 * H);
    const rb = B ? reorder(B.subarray(4 * H), LSTM_KIND.order, H, 1) : new Float64Array(4 * H);
    return [['W_xc', [4 * H, I], reorder(W, LSTM_KIND.order, H, I)], ['b_c', [4 * H], wb.map((v, i) => v + rb[i]!)], ['W_hc', [4 * H, H], reorder(R, LSTM_KIND.order, H, H)]];
  },
};

const RNN_KIND: Kind = {
  type: 'RNN', order: [0], activations: ['Tanh'],
  params: (W, R, B, H, I) => [
    ['W_xh', [H, I], W.slice()],
    ['b_h', [H], B ? B.subarray(0, H).map((v, i) => v + B[H + i]!) : new Float64Array(H)],
    ['W_hh', [H, H], R.slice()],
  ],
};

const GRU_KIND: Kind = {
  type: 'GRU', order: [1, 0, 2], activations: ['Sigmoid', 'Tanh'],
  params: (W, R, B, H, I) => [
    ['W_x', [3 * H, I], reorder(W, GRU_KIND.order, H, I)],
    ['b_x', [3 * H], B ? reorder(B.subarray(0, 3 * H), GRU_KIND.order, H, 1) : new Float64Array(3 * H)],
    ['W_h', [3 * H, H], reorder(R, GRU_KIND.order, H, H)],
    ['b_h', [3 * H], B ? reorder(B.subarray(3 * H), GRU_KIND.order, H, 1) : new Float64Array(3 * H)],
  ],
};

/**
 * How the solver treats the biases, so that fine-tuning moves them as PyTorch does. PyTorch's RNN
 * and LSTM train two biases (b_ih and b_hh, ONNX's B in two halves) that Cortado's layers hold as
 * their sum: both get the same gradient, so their sum moves twice as far, and decays by lr ×
 * weight decay of the sum; lrMult 2 and decayMult 0.5 do that (exactly for SGD and momentum, L2
 * decay included, and for Adam with decoupled decay or none; Adam with L2 decay gives PyTorch's two
 * biases different gradients, which one bias cannot follow). A recurrent half of zeros is a one-bias model (Keras's): left alone. No B
 * at all (PyTorch's bias=False) is no bias: Cortado's, at zero, gets lrMult 0. The GRU keeps the
 * halves apart, so only the absent B matters there.
 */
function biasSpecs(kind: Kind, B: Float64Array | undefined): { params?: ParamSpec[] } {
  const frozen = { lrMult: 0, decayMult: 0 };
  // Parameter order: the RNN's W_xh, b_h, W_hh; the LSTM's W_xc, b_c, W_hc; the GRU's W_x, b_x, W_h, b_h.
  if (kind.type === 'GRU') return B ? {} : { params: [{}, frozen, {}, frozen] };
  if (!B) return { params: [{}, frozen, {}] };
  const half = B.length / 2;
  return B.subarray(half).some((v) => v !== 0) ? { params: [{}, { lrMult: 2, decayMult: 0.5 }, {}] } : {};
}

const recurrent = (kind: Kind): Entry => (x) => {
  const lstm = kind.type === 'LSTM';
  const G = kind.order.length;
  const H: number = x.attrs.get('hidden_size');
  const direction: string = x.attrs.get('direction') ?? 'forward';
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') return `direction "${direction}"`;
  if (x.attrs.get('layout')) return `layout 1 (batch first; Cortado's ${kind.type} reads [T, N, features])`;
  const acts: string[] | undefined = x.attrs.get('activations');
  const expected = Array.from({ length: dirs }, () => kind.activations).flat();
  // The RNN's activation per direction: Tanh (its default) or Relu
  const rnnActs = kind.type === 'RNN' ? (acts ?? expected).map((a) => a.toLowerCase()) : [];
  if (kind.type === 'RNN') {
    if (rnnActs.length !== dirs || rnnActs.some((a) => a !== 'tanh' && a !== 'relu')) return `activations [${acts}] (Cortado's RNN uses Tanh or Relu, one per direction)`;
    if (x.attrs.has('activation_alpha') || x.attrs.has('activation_beta')) return 'activation_alpha or activation_beta (Cortado\'s RNN uses plain Tanh or Relu)';
  } else if (acts && acts.some((a, i) => a.toLowerCase() !== expected[i]?.toLowerCase())) {
    return `activations [${acts}] (Cortado's ${kind.type} uses ${kind.activations.join(', ')})`;
  }
  if (x.attrs.has('clip')) return `clip (Cortado's ${kind.type} does not clip)`;
  if (lstm && x.attrs.get('input_forget')) return 'input_forget 1 (coupled input and forget gates)';
  const shape = x.shape(x.inputs[0]);
  if (shape.length !== 3) return `an input of shape [${shape}] (ONNX's ${kind.type} reads [T, N, features])`;
  const [T, N, I] = shape as [number, number, number];
  const W = needConst(x, 1, 'weight W'), R = needConst(x, 2, 'recurrence weight R');
  const B = x.inputs[3] ? needConst(x, 3, 'bias B') : undefined;
  const want = (t: { dims: number[] }, dims: number[], what: string) =>
    t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]) ? `${what} of shape [${t.dims}] (expected [${dims}] for hidden_size ${H}, ${dirs} direction(s), ${I} inputs)` : undefined;
  const bad = want(W, [dirs, G * H, I], 'a weight W') ?? want(R, [dirs, G * H, H], 'a recurrence weight R') ?? (B && want(B, [dirs, 2 * G * H], 'a bias B'));
  if (bad) return bad;
  if (x.inputs[4]) {
    const lens = x.const(4);
    if (!lens) return 'sequence_lens computed by the graph (Cortado runs every sequence for all T steps)';
    if (Array.from(lens.values).some((v) => v !== T)) return `sequence_lens [${lens.values}] shorter than T = ${T} (Cortado runs every sequence for all T steps)`;
  }
  const zero = `Cortado's imported ${kind.type} starts each run from a zero state`;
  const state = zeroInput(x, 5, 'initial_h', zero) ?? (lstm ? zeroInput(x, 6, 'initial_c', zero) ?? zeroInput(x, 7, 'peephole weight P', 'Cortado\'s LSTM has no peepholes') : undefined);
  if (state) return state;
  const [Y, Yh, Yc] = x.outputs;
  if (lstm && Yc && x.consumers(Yc) > 0) return 'Y_c read (Cortado\'s LSTM keeps its cell state inside)';
  const ys: string[] = [];
  const lasts: string[] = [];
  for (let d = 0; d < dirs; d++) {
    const backward = direction === 'reverse' || d === 1;
    const name = dirs === 1 ? x.name : x.fresh(`${x.name}_${backward ? 'backward' : 'forward'}`);
    let input = x.inputs[0];
    if (backward) {
      input = x.fresh(`${name}_reversed_input`);
      reverseTime(x, x.fresh(`${name}_reverse_input`), x.inputs[0], input);
    }
    const h = x.fresh(`${name}_h`);
    // ONNX's default GRU resets h before the recurrent product; PyTorch's (linear_before_reset 1) after
    const options = kind.type === 'GRU' && !x.attrs.get('linear_before_reset') ? { resetAfter: false }
      : kind.type === 'RNN' ? { output: false, activation: rnnActs[d] } : {};
    const part = (t: Float64Array, n: number) => t.subarray(d * n, (d + 1) * n);
    const bias = B && part(B.values, 2 * G * H);
    x.layer({ type: kind.type, name, bottoms: [input], tops: [h], numOutput: H, ...options, ...biasSpecs(kind, bias) });
    for (const [param, dims, values] of kind.params(part(W.values, G * H * I), part(R.values, G * H * H), bias, H, I)) x.weight(name, param, dims, values);
    if (Y && x.consumers(Y) > 0) {
      let inTime = h;
      if (backward) {
        inTime = x.fresh(`${name}_h_in_time`);
        reverseTime(x, x.fresh(`${name}_reverse_h`), h, inTime);
      }
      const y = dirs === 1 ? Y : x.fresh(`${name}_y`);
      x.layer({ type: 'Reshape', name: x.fresh(`${name}_y`), bottoms: [inTime], tops: [y], shape: [T, 1, N, H] });
      ys.push(y);
    }
    if (Yh && x.consumers(Yh) > 0) {
      const last = dirs === 1 ? Yh : x.fresh(`${name}_last`);
      const before = x.fresh(`${name}_before_last`);
      if (T === 1) x.layer({ type: 'Identity', name: x.fresh(`${name}_last`), bottoms: [h], tops: [last] });
      else {
        x.layer({ type: 'Slice', name: x.fresh(`${name}_last`), bottoms: [h], tops: [before, last], axis: 0, slicePoints: [T - 1] });
        x.layer({ type: 'Silence', name: x.fresh(`${name}_cut`), bottoms: [before] });
      }
      lasts.push(last);
    }
  }
  if (dirs === 2 && ys.length) x.layer({ type: 'Concat', name: x.fresh(`${x.name}_Y`), bottoms: ys, tops: [Y!], axis: 1 });
  if (dirs === 2 && lasts.length) x.layer({ type: 'Concat', name: x.fresh(`${x.name}_Y_h`), bottoms: lasts, tops: [Yh!], axis: 0 });
};

export const RECURRENT_IMPORTS: Readonly<Record<string, Entry>> = { RNN: recurrent(RNN_KIND), LSTM: recurrent(LSTM_KIND), GRU: recurrent(GRU_KIND) };
