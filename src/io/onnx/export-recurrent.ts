/**
 * Cortado's LSTM → ONNX's LSTM (the import is import-recurrent.ts):
 *   x [T, N, ...] → Reshape [T, N, D] (where x has more axes) → LSTM (hidden_size H; W, R and B
 *   with the gates in ONNX's order i, o, f, c, B's recurrent half zero) → Y [T, 1, N, H] →
 *   Reshape to the top [T, N, H].
 * Only the LSTM with x as its only bottom is written: every run from a zero state, as ONNX's LSTM
 * without initial states computes. Continuation markers and the state carried from one forward to
 * the next have no ONNX form, nor has the RNN's output layer (Caffe's RNN computes
 * o = tanh(W_ho h + b_o) after ONNX's RNN step).
 */
import type { Ctx } from './export-pooling.js';

/** ONNX's gate g (of i, o, f, c) is Cortado's gate ORDER[g] (of i, f, o, g). */
const ORDER = [0, 2, 1, 3];

function lstm(x: Ctx): string | void {
  if (x.bottoms.length > 1) return 'an LSTM with continuation markers (ONNX\'s LSTM runs whole sequences from a zero state: give the LSTM x alone)';
  const [T, N] = x.inShape(0) as [number, number];
  const H: number = x.c.numOutput;
  const D = x.inShape(0).slice(2).reduce((a, b) => a * b, 1);
  const reorder = (values: number[], cols: number) => {
    const out = new Array<number>(values.length);
    ORDER.forEach((k, g) => { for (let i = 0; i < H * cols; i++) out[g * H * cols + i] = values[k * H * cols + i]; });
    return out;
  };
  let input = x.bottom(0);
  if (x.inShape(0).length !== 3) {
    input = x.g.fresh(`${x.name}_steps`);
    x.g.node('Reshape', `${x.name}_flatten`, [x.bottom(0), x.g.ints(`${x.name}_steps_shape`, [T, N, D])], [input]);
  }
  const W = x.g.floats(`${x.name}_W`, [1, 4 * H, D], reorder(x.paramValues('W_xc'), D));
  const R = x.g.floats(`${x.name}_R`, [1, 4 * H, H], reorder(x.paramValues('W_hc'), H));
  const B = x.g.floats(`${x.name}_B`, [1, 8 * H], [...reorder(x.paramValues('b_c'), 1), ...new Array(4 * H).fill(0)]);
  const y = x.g.fresh(`${x.name}_Y`);
  x.g.node('LSTM', x.name, [input, W, R, B], [y], { hidden_size: H });
  x.g.node('Reshape', `${x.name}_reshape`, [y, x.g.ints(`${x.name}_shape`, [T, N, H])], [x.top(0)]);
}

export const EXPORTS_RECURRENT = {
  LSTM: lstm,
  RNN: () => 'Cortado\'s RNN (Caffe\'s) computes o = tanh(W_ho h + b_o) after each step, which ONNX\'s RNN lacks',
} as Readonly<Record<string, (x: Ctx) => string | void>>;
