/**
 * LayerNorm: normalizes each item over its trailing axes to zero mean and unit variance, then
 * applies a learned elementwise scale and shift (PyTorch's nn.LayerNorm, ONNX's
 * LayerNormalization). Unlike BatchNorm it keeps no statistics: training and testing compute the
 * same thing.
 *
 * Shapes: bottom x seen as [rows, D], D the product of the axes from `axis` on; top the shape of
 * x; `scale` and `bias` have the shape x.shape[axis..].
 *   forward   μ_r, σ²_r = mean and (biased) variance of row r;
 *             x̂ = (x - μ_r) / sqrt(σ²_r + eps);  y = scale ⊙ x̂ + bias
 *   backward  g = scale ⊙ dy;  dx = (g - mean_r(g) - x̂ ⊙ mean_r(g ⊙ x̂)) / sqrt(σ²_r + eps)
 *             dscale += Σ_r dy ⊙ x̂;  dbias += Σ_r dy
 * The row statistics, x̂, y and dx are the Backend's layerNormForward and layerNormBackward; the
 * parameter gradients are sums over rows (gemv with a vector of ones, biasBackward).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, type Initializer } from '../initializers/initializer.js';
import { canonicalAxis } from './axes.js';

export interface LayerNormConfig extends BaseConfig {
  /** First normalized axis (default -1, the last); negative counts from the end. */
  axis: number;
  /** Added to the variance before the square root, > 0 (default 1e-5, as PyTorch). */
  eps: number;
  /** Whether to learn the elementwise scale and bias (default true). */
  affine: boolean;
  /** Scale initializer (default Constant 1). */
  scaleInit: Initializer;
  /** Bias initializer (default Constant 0). */
  biasInit: Initializer;
}

export class LayerNormLayer extends Layer<LayerNormConfig> {
  private rows = 0;
  private D = 0;
  private scaleParam?: Param;
  private biasParam?: Param;
  private xhat!: Buf;
  /** 1 / sqrt(σ² + eps) of each row. */
  private rstd!: Buf;
  /** dy ⊙ x̂, summed over rows into the scale's gradient. */
  private tmp?: Buf;
  private onesRows?: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const axis = canonicalAxis(c, x, c.axis);
    this.rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    this.D = x.countFrom(axis);
    this.xhat = this.ctx.buffer(x.count);
    this.rstd = this.ctx.buffer(this.rows);
    if (c.affine) {
      const shape = x.shape.slice(axis);
      this.scaleParam = this.param('scale', shape, c.scaleInit);
      this.biasParam = this.param('bias', shape, c.biasInit);
      this.tmp = this.ctx.buffer(x.count);
      this.onesRows = this.ctx.buffer(this.rows);
      this.ctx.backend.set(this.rows, 1, this.onesRows);
    }
    return [x.shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.layerNormForward(this.rows, this.D, this.config.eps, bottoms[0].data, this.scaleParam?.blob.data ?? null,
      this.biasParam?.blob.data ?? null, this.xhat, this.rstd, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { rows, D } = this;
    const dy = tops[0].diff;
    if (this.scaleParam && !this.frozen) {
      b.mul(rows * D, dy, this.xhat, this.tmp!);
      b.gemv(true, rows, D, 1, this.tmp!, this.onesRows!, 1, this.scaleParam.blob.diff);
      b.biasBackward(rows, D, 1, dy, this.biasParam!.blob.diff);
    }
    if (propagateDown[0]) b.layerNormBackward(rows, D, this.xhat, this.rstd, dy, this.scaleParam?.blob.data ?? null, bottoms[0].diff);
  }
}

export const LayerNorm: LayerType<LayerNormConfig> = {
  type: 'LayerNorm',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const config: LayerNormConfig = {
      ...base,
      axis: r.int('axis', -1),
      eps: r.number('eps', 1e-5, { above: 0 }),
      affine: r.bool('affine', true),
      scaleInit: readInitializer(r, 'scaleInit', constant(1)),
      biasInit: readInitializer(r, 'biasInit', constant(0)),
    };
    for (const f of ['scaleInit', 'biasInit']) {
      if (!config.affine && r.has(f)) r.fail(f, 'left out: with affine false the layer learns no scale or bias', r.raw[f]);
    }
    return config;
  },
  create: (c) => new LayerNormLayer(c),
};
