/**
 * What RNN, LSTM and GRU share (Caffe's RecurrentLayer): the bottoms, the continuation markers,
 * and the recurrent state carried from one forward to the next.
 *
 * Shapes: bottoms x [T, N, ...] (D features per time step and stream), cont [T, N] and, optionally,
 * x_static [N, ...] (D_s features, the same at every step); top [T, N, numOutput].
 * cont[t, n] multiplies the state entering step t of stream n: 0 starts a new sequence, 1 goes on.
 * The state left by step T - 1 enters step 0 of the next forward (of the next batch), so a stream
 * cut into windows of T steps continues across batches where cont[0, n] = 1. Back-propagation is
 * truncated at the batch boundary: no gradient reaches the previous batch. getState/setState
 * carry that state (Net.getDataState puts it in snapshots, so a resumed run continues exactly).
 * With x as the only bottom, cont is 0 at t = 0 and 1 after: every forward holds whole sequences
 * that start from a zero state (PyTorch's nn.LSTM and nn.GRU called without a state; ONNX's LSTM
 * and GRU).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { ConfigReader } from '../core/config.js';
import { Layer, expectBlobs, type BaseConfig, type Param } from '../core/layer.js';
import { constant, readInitializer, xavier, type Initializer } from '../initializers/initializer.js';
import { where } from './shapes.js';

export interface RecurrentConfig extends BaseConfig {
  /** Size of the hidden state and of the top's last axis (required). */
  numOutput: number;
  /** Initializer of every weight matrix (default Xavier). */
  weightInit: Initializer;
  /** Initializer of every bias (default Constant 0). */
  biasInit: Initializer;
}

/** Reads the fields common to RNN, LSTM and GRU: 1 to 3 bottoms, 1 top, numOutput and the fillers. */
export function parseRecurrent(r: ConfigReader, base: BaseConfig): RecurrentConfig {
  expectBlobs(r, base, [1, 3], 1);
  return {
    ...base,
    numOutput: r.int('numOutput', undefined, { min: 1 }),
    weightInit: readInitializer(r, 'weightInit', xavier()),
    biasInit: readInitializer(r, 'biasInit', constant(0)),
  };
}

export abstract class RecurrentLayer<C extends RecurrentConfig = RecurrentConfig> extends Layer<C> {
  /** Time steps, streams, hidden size, input features, static input features (0 without). */
  protected T = 0;
  protected N = 0;
  protected H = 0;
  protected D = 0;
  protected Ds = 0;
  /** cont broadcast along the hidden axis: contH[t, n, j] = cont[t, n], [T, N, H]. */
  protected contH!: Buf;
  /** Ones, max(T, H) of them: the broadcasts and sums over time are gemm/gemv against it. */
  protected ones!: Buf;
  /** The carried state, [N, H] each: h (and c for the LSTM). */
  protected state: Buf[] = [];
  protected abstract readonly stateNames: string[];

  /** Checks the bottoms, sets T, N, D, Ds, H and allocates the shared buffers; returns the top shape. */
  protected setupRecurrent(bottoms: Blob[]): Shape {
    const c = this.config;
    const x = bottoms[0]!;
    const cont: Blob | undefined = bottoms[1], xs: Blob | undefined = bottoms[2];
    if (x.shape.length < 2) throw new ShapeError(`${where(c)}: bottom "${x.name}" must be [T, N, ...] (time, streams, features), found ${shapeStr(x.shape)}`);
    [this.T, this.N] = x.shape;
    this.D = x.count / (this.T * this.N);
    if (cont && (cont.shape.length !== 2 || cont.shape[0] !== this.T || cont.shape[1] !== this.N)) {
      throw new ShapeError(`${where(c)}: bottom "${cont.name}" (continuation markers) must be [T, N] = [${this.T}, ${this.N}] like the first axes of "${x.name}", found ${shapeStr(cont.shape)}`);
    }
    if (xs && (xs.shape.length < 1 || xs.shape[0] !== this.N)) {
      throw new ShapeError(`${where(c)}: bottom "${xs.name}" (static input) must be [N, ...] with N = ${this.N}, found ${shapeStr(xs.shape)}`);
    }
    this.Ds = xs ? xs.count / this.N : 0;
    this.H = c.numOutput;
    const b = this.ctx.backend;
    this.contH = this.ctx.buffer(this.T * this.N * this.H);
    this.ones = this.ctx.buffer(Math.max(this.T, this.H));
    b.set(Math.max(this.T, this.H), 1, this.ones);
    this.state = this.stateNames.map(() => this.ctx.buffer(this.N * this.H));
    if (!cont) {
      // fresh sequences in every forward: contH is fixed, 0 for step 0 and 1 after
      b.set(this.T * this.N * this.H, 1, this.contH);
      b.set(this.N * this.H, 0, b.view(this.contH, 0, this.N * this.H));
    }
    return [this.T, this.N, this.H];
  }

  override propagatesTo(i: number): boolean {
    return i !== 1;
  }

  /** Fills contH from the cont bottom (a rank-1 gemm: cont [TN, 1] × ones [1, H]); without one, it is fixed at setup. */
  protected expandCont(cont: Blob | undefined): void {
    if (!cont) return;
    const { T, N, H } = this;
    this.ctx.backend.gemm(false, false, T * N, H, 1, 1, cont.data, this.ones, 0, this.contH);
  }

  /** The input side of G gates, x and the static input projected; see projectInputs. */
  protected inputWeights!: { w: Param; bias: Param; ws?: Param };

  /** [H, cols] rows of gate g in a [G·H, cols] parameter. */
  protected gateRows(p: Buf, g: number, cols: number): Buf {
    return this.ctx.backend.view(p, g * this.H * cols, this.H * cols);
  }

  /**
   * Creates the input side's parameters of G gates, named in `names` (weight [G·H, D], bias [G·H],
   * static weight [G·H, D_s] with a static input), before the layer's others as in Caffe's order;
   * returns the static input's buffer [G, N, H], or undefined without one.
   */
  protected setupInputs(G: number, names: [string, string, string]): Buf | undefined {
    const c = this.config;
    const { N, H, D, Ds } = this;
    this.inputWeights = {
      w: this.param(names[0], [G * H, D], c.weightInit),
      bias: this.param(names[1], [G * H], c.biasInit),
      ...(Ds ? { ws: this.param(names[2], [G * H, Ds], c.weightInit) } : {}),
    };
    return Ds ? this.ctx.buffer(G * N * H) : undefined;
  }

  /**
   * The input side of G gates, gate by gate: out [G, T, N, H] = W x + b, and with a static input
   * sgates [G, N, H] = W_static x_static (added at each step by the layer).
   */
  protected projectInputs(G: number, x: Blob, xs: Blob | undefined, out: Buf, sgates: Buf | undefined): void {
    const b = this.ctx.backend;
    const { T, N, H, D, Ds } = this;
    const { w, bias, ws } = this.inputWeights;
    const nh = N * H;
    for (let g = 0; g < G; g++) {
      const block = b.view(out, g * T * nh, T * nh);
      b.gemm(false, true, T * N, H, D, 1, x.data, this.gateRows(w.blob.data, g, D), 0, block);
      b.biasForward(T * N, H, 1, b.view(bias.blob.data, g * H, H), block);
      if (ws && sgates && xs) b.gemm(false, true, N, H, Ds, 1, xs.data, this.gateRows(ws.blob.data, g, Ds), 0, b.view(sgates, g * nh, nh));
    }
  }

  /**
   * Backward of projectInputs from dOut [G, T, N, H], the diffs of the input side: dW, db, dx, and
   * for the static input (its diff the sum over time, held in sgates) dW_static and dx_static.
   */
  protected projectInputsBackward(G: number, dOut: Buf, x: Blob, xs: Blob | undefined, sgates: Buf | undefined, propagateDown: boolean[]): void {
    const b = this.ctx.backend;
    const { T, N, H, D, Ds } = this;
    const { w, bias, ws } = this.inputWeights;
    const nh = N * H;
    const learn = !this.frozen;
    for (let g = 0; g < G; g++) {
      const block = b.view(dOut, g * T * nh, T * nh);
      if (learn) {
        b.gemm(true, false, H, D, T * N, 1, block, x.data, 1, this.gateRows(w.blob.diff, g, D));
        b.biasBackward(T * N, H, 1, block, b.view(bias.blob.diff, g * H, H));
      }
      if (propagateDown[0]) b.gemm(false, false, T * N, D, H, 1, block, this.gateRows(w.blob.data, g, D), g === 0 ? 0 : 1, x.diff);
      if (ws && sgates && xs && (learn || propagateDown[2])) {
        const sum = b.view(sgates, g * nh, nh);
        b.gemv(true, T, nh, 1, block, this.ones, 0, sum);
        if (learn) b.gemm(true, false, H, Ds, N, 1, sum, xs.data, 1, this.gateRows(ws.blob.diff, g, Ds));
        if (propagateDown[2]) b.gemm(false, false, N, Ds, H, 1, sum, this.gateRows(ws.blob.data, g, Ds), g === 0 ? 0 : 1, xs.diff);
      }
    }
  }

  /** [N, H] slice of a [T, N, H] buffer at step t (or of gate g's block in a [4, T, N, H] buffer). */
  protected step(buf: Buf, t: number, g = 0): Buf {
    const nh = this.N * this.H;
    return this.ctx.backend.view(buf, (g * this.T + t) * nh, nh);
  }

  override getState(): Record<string, unknown> {
    const b = this.ctx.backend;
    const out: Record<string, unknown> = {};
    this.stateNames.forEach((name, k) => { out[name] = Array.from(b.download(this.state[k])); });
    return out;
  }

  override setState(s: Record<string, unknown>): void {
    const b = this.ctx.backend;
    this.stateNames.forEach((name, k) => {
      const v = s[name];
      if (!Array.isArray(v) || v.length !== this.N * this.H) {
        throw new ShapeError(`${where(this.config)}: saved state "${name}" must hold N × numOutput = ${this.N * this.H} numbers, found ${Array.isArray(v) ? v.length : typeof v}`);
      }
      b.upload(this.state[k], v as number[]);
    });
  }
}
