/**
 * Softplus: y = log(1 + exp(beta x)) / beta elementwise (PyTorch's nn.Softplus; with beta 1,
 * Caffe's BNLL and ONNX's Softplus).
 *
 * Shapes: top the shape of the bottom.
 *   forward   y = max(x, 0) + log(1 + exp(-beta |x|)) / beta   (the same value, with no exp of a
 *             large positive number: finite for every finite x)
 *   backward  dx = sigmoid(beta x) dy = exp(beta (x - y)) dy   (x - y <= 0: no overflow either)
 * PyTorch's threshold (x itself above 20 / beta) is not needed: there log(1 + exp(-beta |x|)) is
 * below float32's resolution of x.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface SoftplusConfig extends BaseConfig {
  /** The sharpness beta (default 1, > 0). */
  beta: number;
}

export class SoftplusLayer extends Layer<SoftplusConfig> {
  /** log(1 + exp(-beta |x|)) / beta, the forward's second term. */
  private t!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    this.t = this.ctx.buffer(bottoms[0].count);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { beta } = this.config;
    const n = bottoms[0].count;
    const x = bottoms[0].data, t = this.t;
    b.abs(n, x, t);
    b.scal(n, -beta, t);
    b.exp(n, t, t);
    b.addScalar(n, 1, t);
    b.log(n, t, t);
    if (beta !== 1) b.scal(n, 1 / beta, t);
    b.clamp(n, 0, Infinity, x, tops[0].data);
    b.add(n, tops[0].data, t, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dx = bottoms[0].diff;
    b.sub(n, bottoms[0].data, tops[0].data, dx);
    if (this.config.beta !== 1) b.scal(n, this.config.beta, dx);
    b.exp(n, dx, dx);
    b.mul(n, dx, tops[0].diff, dx);
  }
}

export const Softplus: LayerType<SoftplusConfig> = {
  type: 'Softplus',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, beta: r.number('beta', 1, { above: 0 }) };
  },
  create: (c) => new SoftplusLayer(c),
};
