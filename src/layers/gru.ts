/**
 * GRU, the gated recurrent unit, unrolled over the T steps of a batch like Caffe's LSTM. By
 * default as PyTorch's nn.GRU, cuDNN and Keras (reset_after) compute it: the reset gate applies to
 * the recurrent product, after its bias. With `resetAfter: false` it applies to h before the
 * product, as in Cho et al. (2014) and ONNX's default (linear_before_reset 0).
 *
 * Bottoms, top and carried state (h) as in recurrent.ts; H = numOutput. Parameters: W_x [3H, D],
 * b_x [3H], W_x_static [3H, D_s] (only with a static input), W_h [3H, H], b_h [3H]; the 3H rows
 * are the gates r, z, n in that order (PyTorch's weight_ih, bias_ih, weight_hh, bias_hh). For each
 * step t (σ the logistic function):
 *   h' = cont_t ⊙ hₜ₋₁
 *   r = σ(W_xr xₜ + b_xr + W_hr h' + b_hr),  z = σ(W_xz xₜ + b_xz + W_hz h' + b_hz)
 *   n = tanh(W_xn xₜ + b_xn + r ⊙ (W_hn h' + b_hn))      (resetAfter false: W_hn (r ⊙ h') + b_hn)
 *   hₜ = (1 - z) ⊙ n + z ⊙ h'   (the top holds hₜ)
 * (the static input, when given, adds W_x_static x_static to the input side of every gate).
 * Backward, t from T - 1 down to 0, with dh = dtopₜ + cont_{t+1} ⊙ dh'ₜ₊₁:
 *   dñ = dh ⊙ (1 - z) ⊙ (1 - n²);  dz̃ = dh ⊙ (h' - n) ⊙ z(1 - z)
 *   dr̃ = dñ ⊙ (W_hn h' + b_hn) ⊙ r(1 - r)
 *   the input side's diffs are dr̃, dz̃, dñ; the recurrent side's dr̃, dz̃, dñ ⊙ r, giving
 *   dh'ₜ = dh ⊙ z + W_hᵀ [dr̃, dz̃, dñ ⊙ r]
 *   then over all steps dW_h += [dr̃, dz̃, dñ ⊙ r] h'ᵀ, db_h, dW_x, db_x, dx (and the static
 *   input's, summed over time).
 * With resetAfter false, g = W_hnᵀ dñ is the diff of r ⊙ h': dr̃ = g ⊙ h' ⊙ r(1 - r), dh'ₜ gains
 * g ⊙ r, and the recurrent side of n is dñ itself, against r ⊙ h' for dW_hn.
 * Activations live gate-major, [3, T, N, H], so each gate of a step is one contiguous block.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import type { LayerType, Param } from '../core/layer.js';
import { RecurrentLayer, parseRecurrent, type RecurrentConfig } from './recurrent.js';

export interface GRUConfig extends RecurrentConfig {
  /** The reset gate multiplies W_hn h' + b_hn (true, default: PyTorch, cuDNN) or h' before W_hn (false). */
  resetAfter: boolean;
}

export class GRULayer extends RecurrentLayer<GRUConfig> {
  protected readonly stateNames = ['h'];
  private wh!: Param;
  private bh!: Param;
  /** Gates r, z, n after their activations; the diffs of the input side's pre-activations [3, T, N, H]. */
  private gates!: Buf;
  private dgates!: Buf;
  /**
   * W_hn h' + b_hn (resetAfter false: r ⊙ h'), cont-scaled previous h, the recurrent side's diff of
   * n (dñ ⊙ r; resetAfter false: unused, dñ is the input side's) [T, N, H].
   */
  private hn!: Buf;
  private hPrev!: Buf;
  private dhn!: Buf;
  /** Per-step scratch [N, H]: dh, a product; the static gates [3, N, H]. */
  private dh!: Buf;
  private tmp!: Buf;
  private sgates?: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const top = this.setupRecurrent(bottoms);
    const c = this.config;
    const { T, N, H } = this;
    this.sgates = this.setupInputs(3, ['W_x', 'b_x', 'W_x_static']);
    this.wh = this.param('W_h', [3 * H, H], c.weightInit);
    this.bh = this.param('b_h', [3 * H], c.biasInit);
    const tnh = T * N * H;
    [this.gates, this.dgates] = [this.ctx.buffer(3 * tnh), this.ctx.buffer(3 * tnh)];
    [this.hn, this.hPrev, this.dhn] = [0, 1, 2].map(() => this.ctx.buffer(tnh));
    [this.dh, this.tmp] = [0, 1].map(() => this.ctx.buffer(N * H));
    return [top];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, cont, xs] = bottoms;
    const nh = N * H;
    this.expandCont(cont);
    this.projectInputs(3, x, xs, this.gates, this.sgates);
    const [h0] = this.state;
    for (let t = 0; t < T; t++) {
      const hp = this.step(this.hPrev, t);
      b.mul(nh, this.step(this.contH, t), t === 0 ? h0 : this.step(tops[0].data, t - 1), hp);
      const [r, z, n] = [0, 1, 2].map((g) => this.step(this.gates, t, g));
      if (this.sgates) for (let g = 0; g < 3; g++) b.axpy(nh, 1, b.view(this.sgates, g * nh, nh), this.step(this.gates, t, g));
      for (const [g, a] of [[0, r], [1, z]] as const) {
        b.gemm(false, true, N, H, H, 1, hp, this.gateRows(this.wh.blob.data, g, H), 1, a);
        b.biasForward(N, H, 1, b.view(this.bh.blob.data, g * H, H), a);
        b.neuronForward('sigmoid', nh, a, a, 0);
      }
      const hn = this.step(this.hn, t);
      if (this.config.resetAfter) {
        b.gemm(false, true, N, H, H, 1, hp, this.gateRows(this.wh.blob.data, 2, H), 0, hn);
        b.biasForward(N, H, 1, b.view(this.bh.blob.data, 2 * H, H), hn);
        b.mul(nh, r, hn, this.tmp);
        b.add(nh, n, this.tmp, n);
      } else {
        b.mul(nh, r, hp, hn);
        b.gemm(false, true, N, H, H, 1, hn, this.gateRows(this.wh.blob.data, 2, H), 1, n);
        b.biasForward(N, H, 1, b.view(this.bh.blob.data, 2 * H, H), n);
      }
      b.neuronForward('tanh', nh, n, n, 0);
      // hₜ = n + z ⊙ (h' - n)
      const ht = this.step(tops[0].data, t);
      b.sub(nh, hp, n, this.tmp);
      b.mul(nh, z, this.tmp, this.tmp);
      b.add(nh, n, this.tmp, ht);
    }
    b.copy(nh, this.step(tops[0].data, T - 1), h0);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { T, N, H } = this;
    const [x, , xs] = bottoms;
    const nh = N * H;
    const learn = !this.frozen;
    b.set(nh, 0, this.dh);
    for (let t = T - 1; t >= 0; t--) {
      const [r, z, n] = [0, 1, 2].map((g) => this.step(this.gates, t, g));
      const [dr, dz, dn] = [0, 1, 2].map((g) => this.step(this.dgates, t, g));
      const hp = this.step(this.hPrev, t);
      b.add(nh, this.dh, this.step(tops[0].diff, t), this.dh);
      // dz̃ = dh ⊙ (h' - n) ⊙ z(1 - z)
      b.sub(nh, hp, n, this.tmp);
      b.mul(nh, this.dh, this.tmp, dz);
      b.neuronBackward('sigmoid', nh, z, dz, dz, 0);
      // dñ = (dh - dh ⊙ z) ⊙ (1 - n²); dh now holds dh ⊙ z, the direct path to h'
      b.mul(nh, this.dh, z, this.tmp);
      b.sub(nh, this.dh, this.tmp, dn);
      b.neuronBackward('tanh', nh, n, dn, dn, 0);
      b.copy(nh, this.tmp, this.dh);
      let dhn = dn;
      if (this.config.resetAfter) {
        // dr̃ = dñ ⊙ (W_hn h' + b_hn) ⊙ r(1 - r); the recurrent side of n gets dñ ⊙ r
        b.mul(nh, dn, this.step(this.hn, t), dr);
        dhn = this.step(this.dhn, t);
        b.mul(nh, dn, r, dhn);
      } else {
        // g = W_hnᵀ dñ, the diff of r ⊙ h': dr̃ = g ⊙ h' ⊙ r(1 - r), and h' gets g ⊙ r
        const g = this.step(this.dhn, t);
        b.gemm(false, false, N, H, H, 1, dn, this.gateRows(this.wh.blob.data, 2, H), 0, g);
        b.mul(nh, g, hp, dr);
        b.mul(nh, g, r, g);
        b.add(nh, this.dh, g, this.dh);
      }
      b.neuronBackward('sigmoid', nh, r, dr, dr, 0);
      const recurrentGates: [number, typeof dr][] = this.config.resetAfter ? [[0, dr], [1, dz], [2, dhn]] : [[0, dr], [1, dz]];
      for (const [g, d] of recurrentGates) b.gemm(false, false, N, H, H, 1, d, this.gateRows(this.wh.blob.data, g, H), 1, this.dh);
      b.mul(nh, this.dh, this.step(this.contH, t), this.dh);
    }
    if (learn) {
      // the recurrent side over all steps: its diffs are the input side's, but dñ ⊙ r for n
      // (resetAfter false: dñ itself, against r ⊙ h')
      for (let g = 0; g < 3; g++) {
        const recurrent = g === 2 && this.config.resetAfter ? this.dhn : b.view(this.dgates, g * T * nh, T * nh);
        const against = g === 2 && !this.config.resetAfter ? this.hn : this.hPrev;
        b.gemm(true, false, H, H, T * N, 1, recurrent, against, 1, this.gateRows(this.wh.blob.diff, g, H));
        b.biasBackward(T * N, H, 1, recurrent, b.view(this.bh.blob.diff, g * H, H));
      }
    }
    this.projectInputsBackward(3, this.dgates, x, xs, this.sgates, propagateDown);
  }
}

export const GRU: LayerType<GRUConfig> = {
  type: 'GRU',
  parse: (r, base) => ({ ...parseRecurrent(r, base), resetAfter: r.bool('resetAfter', true) }),
  create: (c) => new GRULayer(c),
};
