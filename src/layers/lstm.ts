/**
 * LSTM (Caffe's LSTMLayer with its LSTMUnit), unrolled over the T steps of a batch.
 *
 * Bottoms, top and carried state as in recurrent.ts; H = numOutput. Parameters, in Caffe's order:
 * W_xc [4H, D], b_c [4H], W_xc_static [4H, D_s] (only with a static input), W_hc [4H, H]; the
 * 4H rows are the gates i, f, o, g in that order. For each step t (σ the logistic function):
 *   h'ₜ₋₁ = cont_t ⊙ hₜ₋₁,  c'ₜ₋₁ = cont_t ⊙ cₜ₋₁
 *   [ĩ f̃ õ g̃] = W_xc xₜ + b_c + W_xc_static x_static + W_hc h'ₜ₋₁
 *   i = σ(ĩ), f = σ(f̃), o = σ(õ), g = tanh(g̃)
 *   cₜ = f ⊙ c'ₜ₋₁ + i ⊙ g,  hₜ = o ⊙ tanh(cₜ)   (the top holds hₜ)
 * Backward, t from T - 1 down to 0, with dh = dtopₜ + cont_{t+1} ⊙ dh'ₜ and dc = dcₜ from step t + 1:
 *   dc += dh ⊙ o ⊙ (1 - tanh²cₜ);  dõ = dh ⊙ tanh cₜ ⊙ o(1 - o);  dĩ = dc ⊙ g ⊙ i(1 - i);
 *   df̃ = dc ⊙ c'ₜ₋₁ ⊙ f(1 - f);  dg̃ = dc ⊙ i ⊙ (1 - g²);  dcₜ₋₁ = cont_t ⊙ f ⊙ dc;
 *   dh'ₜ₋₁ = W_hcᵀ dgates;  dW_hc += dgates h'ₜ₋₁ᵀ;  then over all steps dW_xc, db_c, dx (and static).
 * Gate pre-activations live gate-major, [4, T, N, H], so each gate of a step is one contiguous block.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType, Param } from '../core/layer.js';
import { RecurrentLayer, parseRecurrent, type RecurrentConfig } from './recurrent.js';

export class LSTMLayer extends RecurrentLayer {
  protected readonly stateNames = ['h', 'c'];
  private wh!: Param;
  /** Gate activations and their diffs [4, T, N, H]; cont-scaled previous h and c, c, tanh c [T, N, H]. */
  private gates!: Buf;
  private dgates!: Buf;
  private hPrev!: Buf;
  private cPrev!: Buf;
  private cell!: Buf;
  private tanhC!: Buf;
  /** Per-step scratch [N, H]: dh, dc, a product, and the static gates [4, N, H]. */
  private dh!: Buf;
  private dc!: Buf;
  private tmp!: Buf;
  private sgates?: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const top = this.setupRecurrent(bottoms);
    const c = this.config;
    const { T, N, H } = this;
    this.sgates = this.setupInputs(4, ['W_xc', 'b_c', 'W_xc_static']);
    this.wh = this.param('W_hc', [4 * H, H], c.weightInit);
    const tnh = T * N * H;
    [this.gates, this.dgates] = [this.ctx.buffer(4 * tnh), this.ctx.buffer(4 * tnh)];
    [this.hPrev, this.cPrev, this.cell, this.tanhC] = [0, 1, 2, 3].map(() => this.ctx.buffer(tnh));
    [this.dh, this.dc, this.tmp] = [0, 1, 2].map(() => this.ctx.buffer(N * H));
    return [top];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, cont, xs] = bottoms;
    const nh = N * H;
    this.expandCont(cont);
    this.projectInputs(4, x, xs, this.gates, this.sgates);
    const [h0, c0] = this.state;
    for (let t = 0; t < T; t++) {
      const contT = this.step(this.contH, t);
      const hp = this.step(this.hPrev, t);
      const cp = this.step(this.cPrev, t);
      b.mul(nh, contT, t === 0 ? h0 : this.step(tops[0].data, t - 1), hp);
      b.mul(nh, contT, t === 0 ? c0 : this.step(this.cell, t - 1), cp);
      for (let g = 0; g < 4; g++) {
        const a = this.step(this.gates, t, g);
        if (this.sgates) b.axpy(nh, 1, b.view(this.sgates, g * nh, nh), a);
        b.gemm(false, true, N, H, H, 1, hp, this.gateRows(this.wh.blob.data, g, H), 1, a);
        b.neuronForward(g < 3 ? 'sigmoid' : 'tanh', nh, a, a, 0);
      }
      const [i, f, o, gg] = [0, 1, 2, 3].map((g) => this.step(this.gates, t, g));
      const ct = this.step(this.cell, t);
      b.mul(nh, f, cp, ct);
      b.mul(nh, i, gg, this.tmp);
      b.add(nh, ct, this.tmp, ct);
      const tc = this.step(this.tanhC, t);
      b.neuronForward('tanh', nh, ct, tc, 0);
      b.mul(nh, o, tc, this.step(tops[0].data, t));
    }
    b.copy(nh, this.step(tops[0].data, T - 1), h0);
    b.copy(nh, this.step(this.cell, T - 1), c0);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, , xs] = bottoms;
    const nh = N * H;
    const learn = !this.frozen;
    b.set(nh, 0, this.dh);
    b.set(nh, 0, this.dc);
    for (let t = T - 1; t >= 0; t--) {
      const [i, f, o, gg] = [0, 1, 2, 3].map((g) => this.step(this.gates, t, g));
      const [di, df, dO, dg] = [0, 1, 2, 3].map((g) => this.step(this.dgates, t, g));
      const tc = this.step(this.tanhC, t);
      b.add(nh, this.dh, this.step(tops[0].diff, t), this.dh);
      // dõ, then dc += dh ⊙ o ⊙ (1 - tanh²c)
      b.mul(nh, this.dh, tc, dO);
      b.neuronBackward('sigmoid', nh, o, dO, dO, 0);
      b.mul(nh, this.dh, o, this.tmp);
      b.neuronBackward('tanh', nh, tc, this.tmp, this.tmp, 0);
      b.add(nh, this.dc, this.tmp, this.dc);
      b.mul(nh, this.dc, gg, di);
      b.neuronBackward('sigmoid', nh, i, di, di, 0);
      b.mul(nh, this.dc, this.step(this.cPrev, t), df);
      b.neuronBackward('sigmoid', nh, f, df, df, 0);
      b.mul(nh, this.dc, i, dg);
      b.neuronBackward('tanh', nh, gg, dg, dg, 0);
      // carried into step t - 1: dc ⊙ f ⊙ cont, and W_hcᵀ dgates ⊙ cont
      const contT = this.step(this.contH, t);
      b.mul(nh, this.dc, f, this.dc);
      b.mul(nh, this.dc, contT, this.dc);
      for (let g = 0; g < 4; g++) {
        const dgate = this.step(this.dgates, t, g);
        b.gemm(false, false, N, H, H, 1, dgate, this.gateRows(this.wh.blob.data, g, H), g === 0 ? 0 : 1, this.dh);
        if (learn) b.gemm(true, false, H, H, N, 1, dgate, this.step(this.hPrev, t), 1, this.gateRows(this.wh.blob.diff, g, H));
      }
      b.mul(nh, this.dh, contT, this.dh);
    }
    this.projectInputsBackward(4, this.dgates, x, xs, this.sgates, propagateDown);
  }
}

export const LSTM: LayerType<RecurrentConfig> = {
  type: 'LSTM',
  parse: parseRecurrent,
  create: (c) => new LSTMLayer(c),
};
