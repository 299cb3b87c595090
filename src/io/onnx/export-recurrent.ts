/**
 * Cortado's RNN, LSTM and GRU → ONNX's (the import is import-recurrent.ts):
 *   x [T, N, ...] → Reshape [T, N, D] (where x has more axes) → RNN, LSTM or GRU (hidden_size H;
 *   W, R and B with the gates in ONNX's order) → Y [T, 1, N, H] → Reshape to the top [T, N, H].
 * RNN: W_xh, W_hh and b_h (B's input half), activations [Tanh] or [Relu]; only with `output:
 * false`, as Caffe's output layer (o = tanh(W_ho h + b_o) after each step) has no ONNX form.
 * LSTM: ONNX's gates i, o, f, c from Cortado's i, f, o, g; b_c is B's input half, the recurrent
 * half zero. GRU: z, r, h from r, z, n; b_x and b_h are B's two halves; linear_before_reset 1
 * (resetAfter false: 0).
 * Only layers with x as their only bottom are written: every run from a zero state, as ONNX's
 * computes without initial states. Continuation markers and the state carried from one forward to
 * the next have no ONNX form.
 */
import type { Ctx } from './export-pooling.js';

/**
 * ONNX's gate g is Cortado's gate order[g]; the parameters become W, R and B (the input then the
 * recurrent bias; `null` for zeros).
 */
interface Kind { op: string; order: number[]; w: string; r: string; biases: [string, string | null]; attrs(c: any): Record<string, number | string[]> }

const RNN: Kind = { op: 'RNN', order: [0], w: 'W_xh', r: 'W_hh', biases: ['b_h', null], attrs: (c) => ({ activations: [c.activation === 'relu' ? 'Relu' : 'Tanh'] }) };
const LSTM: Kind = { op: 'LSTM', order: [0, 2, 1, 3], w: 'W_xc', r: 'W_hc', biases: ['b_c', null], attrs: () => ({}) };
const GRU: Kind = { op: 'GRU', order: [1, 0, 2], w: 'W_x', r: 'W_h', biases: ['b_x', 'b_h'], attrs: (c) => ({ linear_before_reset: c.resetAfter ? 1 : 0 }) };

const recurrent = (kind: Kind) => (x: Ctx): string | void => {
  if (kind.op === 'RNN' && x.c.output) return 'Cortado\'s RNN with its output layer (Caffe\'s: o = tanh(W_ho h + b_o) after each step), which ONNX\'s RNN lacks; a layer with output: false exports';
  if (x.bottoms.length > 1) return `a ${kind.op} with continuation markers (ONNX's ${kind.op} runs whole sequences from a zero state: give the layer x alone)`;
  const [T, N] = x.inShape(0) as [number, number];
  const H: number = x.c.numOutput;
  const G = kind.order.length;
  const D = x.inShape(0).slice(2).reduce((a, b) => a * b, 1);
  const reorder = (values: number[], cols: number) => {
    const out = new Array<number>(values.length);
    kind.order.forEach((k, g) => { for (let i = 0; i < H * cols; i++) out[g * H * cols + i] = values[k * H * cols + i]!; });
    return out;
  };
  let input = x.bottom(0);
  if (x.inShape(0).length !== 3) {
    input = x.g.fresh(`${x.name}_steps`);
    x.g.node('Reshape', `${x.name}_flatten`, [x.bottom(0), x.g.ints(`${x.name}_steps_shape`, [T, N, D])], [input]);
  }
  const W = x.g.floats(`${x.name}_W`, [1, G * H, D], reorder(x.paramValues(kind.w), D));
  const R = x.g.floats(`${x.name}_R`, [1, G * H, H], reorder(x.paramValues(kind.r), H));
  const bias = (p: string | null) => (p ? reorder(x.paramValues(p), 1) : new Array<number>(G * H).fill(0));
  const B = x.g.floats(`${x.name}_B`, [1, 2 * G * H], [...bias(kind.biases[0]), ...bias(kind.biases[1])]);
  const y = x.g.fresh(`${x.name}_Y`);
  x.g.node(kind.op, x.name, [input, W, R, B], [y], { hidden_size: H, ...kind.attrs(x.c) });
  x.g.node('Reshape', `${x.name}_reshape`, [y, x.g.ints(`${x.name}_shape`, [T, N, H])], [x.top(0)]);
};

export const EXPORTS_RECURRENT = {
  LSTM: recurrent(LSTM),
  GRU: recurrent(GRU),
  RNN: recurrent(RNN),
} as Readonly<Record<string, (x: Ctx) => string | void>>;
