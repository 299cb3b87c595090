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
 * Row sums and broadcasts are products with vectors of ones (gemv, gemm), so the layer runs on
 * every backend.
 */
import type { Backend, Buf } from '../backend/backend.js';
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
  /** 1 / sqrt(σ² + eps) broadcast to the shape of x. */
  private full!: Buf;
  /** The scale broadcast over rows (kept for backward), then scratch. */
  private scaleFull!: Buf;
  private tmp!: Buf;
  private onesD!: Buf;
  private onesRows!: Buf;
  private rowA!: Buf;
  private rowB!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const axis = canonicalAxis(c, x, c.axis);
    this.rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    this.D = x.countFrom(axis);
    if (c.affine) {
      const shape = x.shape.slice(axis);
      this.scaleParam = this.param('scale', shape, c.scaleInit);
      this.biasParam = this.param('bias', shape, c.biasInit);
    }
    const b = this.ctx.backend;
    const n = x.count;
    this.xhat = this.ctx.buffer(n);
    this.full = this.ctx.buffer(n);
    this.scaleFull = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    this.onesD = this.ctx.buffer(this.D);
    this.onesRows = this.ctx.buffer(this.rows);
    b.set(this.D, 1, this.onesD);
    b.set(this.rows, 1, this.onesRows);
    this.rowA = this.ctx.buffer(this.rows);
    this.rowB = this.ctx.buffer(this.rows);
    return [x.shape];
  }

  /** out[r] = alpha Σ_d x[r, d]. */
  private rowSum(b: Backend, x: Buf, alpha: number, out: Buf): void {
    b.gemv(false, this.rows, this.D, alpha, x, this.onesD, 0, out);
  }

  /** out[r, d] = v[r] + beta out[r, d]. */
  private spread(b: Backend, v: Buf, beta: number, out: Buf): void {
    b.gemm(false, false, this.rows, this.D, 1, 1, v, this.onesD, beta, out);
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const { rows, D } = this;
    const n = bottoms[0].count;
    const y = tops[0].data;
    this.rowSum(b, bottoms[0].data, -1 / D, this.rowA);
    b.copy(n, bottoms[0].data, this.xhat);
    this.spread(b, this.rowA, 1, this.xhat);
    b.mul(n, this.xhat, this.xhat, this.tmp);
    this.rowSum(b, this.tmp, 1 / D, this.rowB);
    b.addScalar(rows, this.config.eps, this.rowB);
    b.powx(rows, this.rowB, -0.5, this.rowB);
    this.spread(b, this.rowB, 0, this.full);
    b.mul(n, this.xhat, this.full, this.xhat);
    if (!this.scaleParam) {
      b.copy(n, this.xhat, y);
      return;
    }
    b.gemm(false, false, rows, D, 1, 1, this.onesRows, this.scaleParam.blob.data, 0, this.scaleFull);
    b.mul(n, this.xhat, this.scaleFull, y);
    b.biasForward(rows, D, 1, this.biasParam!.blob.data, y);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const { D } = this;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    if (this.scaleParam && !this.frozen) {
      b.mul(n, dy, this.xhat, this.tmp);
      b.gemv(true, this.rows, D, 1, this.tmp, this.onesRows, 1, this.scaleParam.blob.diff);
      b.biasBackward(this.rows, D, 1, dy, this.biasParam!.blob.diff);
    }
    if (!propagateDown[0]) return;
    const dx = bottoms[0].diff;
    // g = scale ⊙ dy, into dx (scaleFull is the scale broadcast in forward)
    if (this.scaleParam) b.mul(n, dy, this.scaleFull, dx);
    else b.copy(n, dy, dx);
    b.mul(n, dx, this.xhat, this.tmp);
    this.rowSum(b, this.tmp, 1 / D, this.rowA);
    this.rowSum(b, dx, -1 / D, this.rowB);
    this.spread(b, this.rowA, 0, this.tmp);
    b.mul(n, this.tmp, this.xhat, this.tmp);
    b.sub(n, dx, this.tmp, this.tmp);
    this.spread(b, this.rowB, 1, this.tmp);
    b.mul(n, this.tmp, this.full, dx);
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
