/**
 * Float64 forward references of RNN and LSTM written from Caffe's formulas, one scalar at a time,
 * independent of the layers' code (no gate-major layout, no backend). Inputs as the layer's
 * bottoms: x [T, N, D], cont [T, N], optional x_static [N, Ds]; `h0`, `c0` the carried state
 * (zeros when absent). Returns the top [T, N, H] and the state left after step T - 1.
 */
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export interface RecurrentDims { T: number; N: number; D: number; H: number; Ds: number }

export interface RecurrentRun { top: Float64Array; h: Float64Array; c: Float64Array }

/** Row r of a [rows, cols] matrix times vector v at offset `off`: Σ_k W[r, k] v[off + k]. */
function rowDot(W: Float64Array, r: number, cols: number, v: ArrayLike<number>, off: number, scale = 1): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += W[r * cols + k] * v[off + k];
  return s * scale;
}

/** LSTM with params { W_xc, b_c, W_xc_static?, W_hc }; gate rows i, f, o, g. */
export function lstmReference(d: RecurrentDims, x: ArrayLike<number>, cont: ArrayLike<number>, xs: ArrayLike<number> | undefined,
  p: Record<string, Float64Array>, h0?: Float64Array, c0?: Float64Array): RecurrentRun {
  const { T, N, D, H, Ds } = d;
  let h = h0 ? Float64Array.from(h0) : new Float64Array(N * H);
  let c = c0 ? Float64Array.from(c0) : new Float64Array(N * H);
  const top = new Float64Array(T * N * H);
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(N * H);
    const cn = new Float64Array(N * H);
    for (let n = 0; n < N; n++) {
      const k = cont[t * N + n];
      const pre = (gate: number, j: number) => {
        const r = gate * H + j;
        let s = p.b_c[r] + rowDot(p.W_xc, r, D, x, (t * N + n) * D) + rowDot(p.W_hc, r, H, h, n * H, k);
        if (xs && Ds) s += rowDot(p.W_xc_static, r, Ds, xs, n * Ds);
        return s;
      };
      for (let j = 0; j < H; j++) {
        const i = sigmoid(pre(0, j)), f = sigmoid(pre(1, j)), o = sigmoid(pre(2, j)), g = Math.tanh(pre(3, j));
        cn[n * H + j] = f * k * c[n * H + j] + i * g;
        hn[n * H + j] = o * Math.tanh(cn[n * H + j]);
        top[(t * N + n) * H + j] = hn[n * H + j];
      }
    }
    h = hn;
    c = cn;
  }
  return { top, h, c };
}

/** RNN with params { W_xh, b_h, W_xh_static?, W_hh, W_ho, b_o }. */
export function rnnReference(d: RecurrentDims, x: ArrayLike<number>, cont: ArrayLike<number>, xs: ArrayLike<number> | undefined,
  p: Record<string, Float64Array>, h0?: Float64Array, o: { output?: boolean; activation?: 'tanh' | 'relu' } = {}): RecurrentRun {
  const f = o.activation === 'relu' ? (v: number) => Math.max(0, v) : Math.tanh;
  const { T, N, D, H, Ds } = d;
  let h = h0 ? Float64Array.from(h0) : new Float64Array(N * H);
  const top = new Float64Array(T * N * H);
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(N * H);
    for (let n = 0; n < N; n++) {
      const k = cont[t * N + n];
      for (let j = 0; j < H; j++) {
        let s = p.b_h[j] + rowDot(p.W_xh, j, D, x, (t * N + n) * D) + rowDot(p.W_hh, j, H, h, n * H, k);
        if (xs && Ds) s += rowDot(p.W_xh_static, j, Ds, xs, n * Ds);
        hn[n * H + j] = f(s);
      }
      for (let j = 0; j < H; j++) {
        top[(t * N + n) * H + j] = o.output === false ? hn[n * H + j] : Math.tanh(p.b_o[j] + rowDot(p.W_ho, j, H, hn, n * H));
      }
    }
    h = hn;
  }
  return { top, h, c: new Float64Array(0) };
}

/**
 * GRU with params { W_x, b_x, W_x_static?, W_h, b_h }, gate rows r, z, n, written from PyTorch's
 * nn.GRU documentation: n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h; with
 * resetAfter false from ONNX's GRU (linear_before_reset 0): n = tanh(W_in x + b_in + W_hn (r h) + b_hn).
 */
export function gruReference(d: RecurrentDims, x: ArrayLike<number>, cont: ArrayLike<number>, xs: ArrayLike<number> | undefined,
  p: Record<string, Float64Array>, h0?: Float64Array, resetAfter = true): RecurrentRun {
  const { T, N, D, H, Ds } = d;
  let h = h0 ? Float64Array.from(h0) : new Float64Array(N * H);
  const top = new Float64Array(T * N * H);
  for (let t = 0; t < T; t++) {
    const hn = new Float64Array(N * H);
    for (let n = 0; n < N; n++) {
      const k = cont[t * N + n];
      const input = (gate: number, j: number) => {
        const r = gate * H + j;
        return p.b_x[r] + rowDot(p.W_x, r, D, x, (t * N + n) * D) + (xs && Ds ? rowDot(p.W_x_static, r, Ds, xs, n * Ds) : 0);
      };
      const hidden = (gate: number, j: number) => p.b_h[gate * H + j] + rowDot(p.W_h, gate * H + j, H, h, n * H, k);
      const r = Float64Array.from({ length: H }, (_, j) => sigmoid(input(0, j) + hidden(0, j)));
      // r ⊙ (cont-scaled) h, for resetAfter false
      const rh = Float64Array.from({ length: H }, (_, j) => r[j] * k * h[n * H + j]);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(input(1, j) + hidden(1, j));
        const c = Math.tanh(input(2, j) + (resetAfter ? r[j] * hidden(2, j) : p.b_h[2 * H + j] + rowDot(p.W_h, 2 * H + j, H, rh, 0)));
        hn[n * H + j] = (1 - z) * c + z * k * h[n * H + j];
        top[(t * N + n) * H + j] = hn[n * H + j];
      }
    }
    h = hn;
  }
  return { top, h, c: new Float64Array(0) };
}
