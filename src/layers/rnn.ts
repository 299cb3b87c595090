/**
 * RNN (Caffe's RNNLayer): a simple recurrent net with a tanh hidden state and a tanh output,
 * unrolled over the T steps of a batch; with `output: false` the top is the hidden state itself
 * (PyTorch's nn.RNN, ONNX's RNN), and `activation: 'relu'` puts a ReLU on the hidden state.
 *
 * Bottoms, top and carried state (h) as in recurrent.ts; H = numOutput is the size of both the
 * hidden state and the output. Parameters, in Caffe's order: W_xh [H, D], b_h [H], W_xh_static
 * [H, D_s] (only with a static input), W_hh [H, H], then with the output W_ho [H, H], b_o [H].
 * For each step t, with f the activation (tanh by default):
 *   hₜ = f(W_hh (cont_t ⊙ hₜ₋₁) + W_xh xₜ + b_h + W_xh_static x_static)
 *   oₜ = tanh(W_ho hₜ + b_o)                     (the top holds oₜ, or hₜ without the output)
 * Backward: dõ = (1 - o²) ⊙ do; dW_ho += dõᵀ h; db_o += Σ dõ; then t from T - 1 down to 0:
 *   dh̃ₜ = f'(hₜ) ⊙ (W_hoᵀ dõₜ + cont_{t+1} ⊙ W_hhᵀ dh̃ₜ₊₁);  dW_hh += dh̃ₜ (cont_t ⊙ hₜ₋₁)ᵀ
 * (without the output, dhₜ itself in place of W_hoᵀ dõₜ), and over all steps dW_xh, db_h, dx (and
 * the static input's, summed over time).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType, Param } from '../core/layer.js';
import { RecurrentLayer, parseRecurrent, type RecurrentConfig } from './recurrent.js';

export interface RNNConfig extends RecurrentConfig {
  /** Whether the top is Caffe's output layer tanh(W_ho h + b_o) (true, default) or h itself (false). */
  output: boolean;
  /** The hidden state's nonlinearity: 'tanh' (default) or 'relu'. */
  activation: 'tanh' | 'relu';
}

export class RNNLayer extends RecurrentLayer<RNNConfig> {
  protected readonly stateNames = ['h'];
  private whh!: Param;
  private who?: Param;
  private bo?: Param;
  /** Hidden states h, their pre-activation diffs, cont-scaled previous h [T, N, H]; output diffs [T, N, H]. */
  private hidden!: Buf;
  private dhidden!: Buf;
  private hPrev!: Buf;
  private dout?: Buf;
  /** Static contribution [N, H] (forward), its diff summed over time (backward); carried dh [N, H]. */
  private shidden?: Buf;
  private dh!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const top = this.setupRecurrent(bottoms);
    const c = this.config;
    const { T, N, H } = this;
    this.shidden = this.setupInputs(1, ['W_xh', 'b_h', 'W_xh_static']);
    this.whh = this.param('W_hh', [H, H], c.weightInit);
    if (c.output) {
      this.who = this.param('W_ho', [H, H], c.weightInit);
      this.bo = this.param('b_o', [H], c.biasInit);
      this.dout = this.ctx.buffer(T * N * H);
    }
    [this.hidden, this.dhidden, this.hPrev] = [0, 1, 2].map(() => this.ctx.buffer(T * N * H));
    this.dh = this.ctx.buffer(N * H);
    return [top];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, cont, xs] = bottoms;
    const nh = N * H;
    this.expandCont(cont);
    this.projectInputs(1, x, xs, this.hidden, this.shidden);
    const [h0] = this.state;
    for (let t = 0; t < T; t++) {
      const h = this.step(this.hidden, t);
      const hp = this.step(this.hPrev, t);
      b.mul(nh, this.step(this.contH, t), t === 0 ? h0 : this.step(this.hidden, t - 1), hp);
      if (this.shidden) b.axpy(nh, 1, this.shidden, h);
      b.gemm(false, true, N, H, H, 1, hp, this.whh.blob.data, 1, h);
      b.neuronForward(this.config.activation, nh, h, h, 0);
    }
    b.copy(nh, this.step(this.hidden, T - 1), h0);
    if (!this.who) {
      b.copy(T * nh, this.hidden, tops[0].data);
      return;
    }
    b.gemm(false, true, T * N, H, H, 1, this.hidden, this.who.blob.data, 0, tops[0].data);
    b.biasForward(T * N, H, 1, this.bo!.blob.data, tops[0].data);
    b.neuronForward('tanh', T * nh, tops[0].data, tops[0].data, 0);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, , xs] = bottoms;
    const nh = N * H;
    const learn = !this.frozen;
    const top = tops[0];
    if (this.who) {
      const dout = this.dout!;
      b.neuronBackward('tanh', T * nh, top.data, top.diff, dout, 0);
      if (learn) {
        b.gemm(true, false, H, H, T * N, 1, dout, this.hidden, 1, this.who.blob.diff);
        b.biasBackward(T * N, H, 1, dout, this.bo!.blob.diff);
      }
      // dhidden first holds W_hoᵀ dõ, the gradient reaching each h from the output
      b.gemm(false, false, T * N, H, H, 1, dout, this.who.blob.data, 0, this.dhidden);
    } else {
      b.copy(T * nh, top.diff, this.dhidden);
    }
    b.set(nh, 0, this.dh);
    for (let t = T - 1; t >= 0; t--) {
      const dht = this.step(this.dhidden, t);
      b.add(nh, dht, this.dh, dht);
      b.neuronBackward(this.config.activation, nh, this.step(this.hidden, t), dht, dht, 0);
      if (learn) b.gemm(true, false, H, H, N, 1, dht, this.step(this.hPrev, t), 1, this.whh.blob.diff);
      b.gemm(false, false, N, H, H, 1, dht, this.whh.blob.data, 0, this.dh);
      b.mul(nh, this.dh, this.step(this.contH, t), this.dh);
    }
    this.projectInputsBackward(1, this.dhidden, x, xs, this.shidden, propagateDown);
  }
}

export const RNN: LayerType<RNNConfig> = {
  type: 'RNN',
  parse: (r, base) => ({
    ...parseRecurrent(r, base),
    output: r.bool('output', true),
    activation: r.oneOf('activation', ['tanh', 'relu'] as const, 'tanh'),
  }),
  create: (c) => new RNNLayer(c),
};
