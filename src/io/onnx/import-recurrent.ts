/**
 * ONNX's LSTM → Cortado's LSTM with x as its only bottom: every forward runs whole sequences from
 * a zero state, as an ONNX LSTM without initial_h and initial_c does.
 *
 *   X [T, N, I] → LSTM (numOutput hidden_size) → h [T, N, H]
 *   Y   [T, dirs, N, H]  each direction's h through a Reshape to [T, 1, N, H], Concat over axis 1
 *   Y_h [dirs, N, H]     each direction's last step (a Slice of h), Concat over axis 0
 *
 * ONNX holds the gates i, o, f, c; Cortado's (Caffe's) rows are i, f, o, g: the rows of W and R
 * are reordered, and the two biases (input and recurrent) summed into b_c. The reverse direction
 * (direction reverse, or the second half of bidirectional) is an LSTM over X reversed in time; its
 * h is reversed back for Y, and its last step is Y_h. A reversal is a Slice into the T steps and a
 * Concat of them in the other order.
 *
 * Refused, each by name: layout 1 (batch first), activations other than Sigmoid, Tanh, Tanh, clip,
 * input_forget, nonzero peepholes, sequence_lens shorter than T, an initial state that is computed
 * or not zero, and Y_c read (Cortado's LSTM keeps its cell state inside).
 */
import { needConst, type Entry, type In } from './import-ops.js';

/** Cortado's gate k (i, f, o, g) is ONNX's gate GATES[k] (of i, o, f, c). */
const GATES = [0, 2, 1, 3];
const DEFAULT_ACTIVATIONS = ['Sigmoid', 'Tanh', 'Tanh'];

/** Reverses `from` [T, ...] along axis 0 into `to`: a Slice into steps and a Concat of them backwards. */
function reverseTime(x: In, name: string, from: string, to: string, T: number): void {
  if (T === 1) return void x.layer({ type: 'Identity', name, bottoms: [from], tops: [to] });
  const steps = Array.from({ length: T }, (_, t) => x.fresh(`${to}_t${t}`));
  x.layer({ type: 'Slice', name, bottoms: [from], tops: steps, axis: 0 });
  x.layer({ type: 'Concat', name: x.fresh(`${name}_join`), bottoms: [...steps].reverse(), tops: [to], axis: 0 });
}

/** The constant input i, if given, must be all zeros; `what` names it in the refusal. */
function zeroInput(x: In, i: number, what: string, why: string): string | undefined {
  if (!x.inputs[i]) return undefined;
  const t = x.const(i);
  if (!t) return `${what} computed by the graph (${why})`;
  if (t.values.some((v) => v !== 0)) return `a nonzero ${what} (${why})`;
  return undefined;
}

const lstm: Entry = (x) => {
  const H: number = x.attrs.get('hidden_size');
  const direction: string = x.attrs.get('direction') ?? 'forward';
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') return `direction "${direction}"`;
  if (x.attrs.get('layout')) return 'layout 1 (batch first; Cortado\'s LSTM reads [T, N, features])';
  const acts: string[] | undefined = x.attrs.get('activations');
  const expected = Array.from({ length: dirs }, () => DEFAULT_ACTIVATIONS).flat();
  if (acts && acts.some((a, i) => a.toLowerCase() !== expected[i]?.toLowerCase())) return `activations [${acts}] (Cortado's LSTM uses Sigmoid, Tanh, Tanh)`;
  if (x.attrs.has('clip')) return 'clip (Cortado\'s LSTM does not clip its cell input)';
  if (x.attrs.get('input_forget')) return 'input_forget 1 (coupled input and forget gates)';
  const shape = x.shape(x.inputs[0]);
  if (shape.length !== 3) return `an input of shape [${shape}] (ONNX's LSTM reads [T, N, features])`;
  const [T, N, I] = shape as [number, number, number];
  const W = needConst(x, 1, 'weight W'), R = needConst(x, 2, 'recurrence weight R');
  const B = x.inputs[3] ? needConst(x, 3, 'bias B') : undefined;
  const want = (t: { dims: number[] }, dims: number[], what: string) =>
    t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]) ? `${what} of shape [${t.dims}] (expected [${dims}] for hidden_size ${H}, ${dirs} direction(s), ${I} inputs)` : undefined;
  const bad = want(W, [dirs, 4 * H, I], 'a weight W') ?? want(R, [dirs, 4 * H, H], 'a recurrence weight R') ?? (B && want(B, [dirs, 8 * H], 'a bias B'));
  if (bad) return bad;
  if (x.inputs[4]) {
    const lens = x.const(4);
    if (!lens) return 'sequence_lens computed by the graph (Cortado runs every sequence for all T steps)';
    if (Array.from(lens.values).some((v) => v !== T)) return `sequence_lens [${lens.values}] shorter than T = ${T} (Cortado runs every sequence for all T steps)`;
  }
  const zero = 'Cortado\'s imported LSTM starts each run from a zero state';
  const state = zeroInput(x, 5, 'initial_h', zero) ?? zeroInput(x, 6, 'initial_c', zero) ?? zeroInput(x, 7, 'peephole weight P', 'Cortado\'s LSTM has no peepholes');
  if (state) return state;
  const [Y, Yh, Yc] = x.outputs;
  if (Yc && x.consumers(Yc) > 0) return 'Y_c read (Cortado\'s LSTM keeps its cell state inside)';
  const ys: string[] = [];
  const lasts: string[] = [];
  for (let d = 0; d < dirs; d++) {
    const backward = direction === 'reverse' || d === 1;
    const name = dirs === 1 ? x.name : x.fresh(`${x.name}_${backward ? 'backward' : 'forward'}`);
    let input = x.inputs[0];
    if (backward) {
      input = x.fresh(`${name}_reversed_input`);
      reverseTime(x, x.fresh(`${name}_reverse_input`), x.inputs[0], input, T);
    }
    const h = x.fresh(`${name}_h`);
    x.layer({ type: 'LSTM', name, bottoms: [input], tops: [h], numOutput: H });
    const wx = new Float64Array(4 * H * I), wh = new Float64Array(4 * H * H), bc = new Float64Array(4 * H);
    GATES.forEach((g, k) => {
      wx.set(W.values.subarray((d * 4 + g) * H * I, (d * 4 + g + 1) * H * I), k * H * I);
      wh.set(R.values.subarray((d * 4 + g) * H * H, (d * 4 + g + 1) * H * H), k * H * H);
      for (let j = 0; j < H && B; j++) bc[k * H + j] = B.values[d * 8 * H + g * H + j] + B.values[d * 8 * H + (4 + g) * H + j];
    });
    x.weight(name, 'W_xc', [4 * H, I], wx);
    x.weight(name, 'b_c', [4 * H], bc);
    x.weight(name, 'W_hc', [4 * H, H], wh);
    if (Y && x.consumers(Y) > 0) {
      let inTime = h;
      if (backward) {
        inTime = x.fresh(`${name}_h_in_time`);
        reverseTime(x, x.fresh(`${name}_reverse_h`), h, inTime, T);
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

export const RECURRENT_IMPORTS: Readonly<Record<string, Entry>> = { LSTM: lstm };
