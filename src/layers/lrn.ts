/**
 * LRN, local response normalization (Caffe's).
 *
 * Shapes: bottom x [N, C, H, W]; top y the same shape. With n = localSize (odd):
 *   ACROSS_CHANNELS  s = k + (alpha / n) Σ_{c' = c - (n-1)/2}^{c + (n-1)/2} x[c']²   (channels outside [0, C) count 0)
 *   WITHIN_CHANNEL   s = k + (alpha / n²) Σ over the n × n window centred on (h, w) of x²  (zero padded)
 *   forward   y = x s^(-beta)
 *   backward  dx = dy s^(-beta) - 2 alpha beta / n^d · x ⊙ Wᵀ(dy ⊙ y / s)
 * where W is the windowed sum above and d is 1 across channels, 2 within a channel. Caffe fixes k at
 * 1 within a channel; here k applies to both, with the same default 1.
 * The channel window is a running sum: a copy, then for each offset d in 1..(n-1)/2 two axpys per
 * image adding the channel planes d above and d below (Caffe's approach: O(n C H W), where a
 * product with a banded C × C matrix costs O(C² H W)); it is symmetric, so backward uses it as is.
 * The spatial window is mean pooling with stride 1 and pad (n - 1) / 2, whose window always spans
 * n² positions.
 */
import type { Buf, PoolGeom } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { image4d } from './shapes.js';

export type NormRegion = 'ACROSS_CHANNELS' | 'WITHIN_CHANNEL';

export interface LRNConfig extends BaseConfig {
  /** Window size n, odd and >= 1 (default 5). */
  localSize: number;
  /** Scale of the windowed sum (default 1). */
  alpha: number;
  /** Exponent (default 0.75). */
  beta: number;
  /** Constant added to the scaled sum (default 1). */
  k: number;
  /** 'ACROSS_CHANNELS' (default) or 'WITHIN_CHANNEL'. */
  normRegion: NormRegion;
}

export class LRNLayer extends Layer<LRNConfig> {
  private shape!: [number, number, number, number];
  private scale!: Buf;
  /** s^(-beta) of the last forward pass, which backward reuses. */
  private scalePow!: Buf;
  private tmp!: Buf;
  private sum!: Buf;
  private pool?: PoolGeom;
  private mask?: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    this.shape = image4d(c, bottoms[0]);
    const [num, channels, height, width] = this.shape;
    const n = bottoms[0].count;
    this.scale = this.ctx.buffer(n);
    this.scalePow = this.ctx.buffer(n);
    this.tmp = this.ctx.buffer(n);
    this.sum = this.ctx.buffer(n);
    const half = (c.localSize - 1) / 2;
    if (c.normRegion === 'WITHIN_CHANNEL') {
      this.pool = {
        num, channels, height, width, kernelH: c.localSize, kernelW: c.localSize,
        strideH: 1, strideW: 1, padH: half, padW: half, outH: height, outW: width,
      };
      this.mask = this.ctx.buffer(n);
    }
    return [bottoms[0].shape];
  }

  /** out = W(v): the windowed sum over channels, or the windowed mean within each channel. */
  private window(v: Buf, out: Buf, transpose: boolean): void {
    const b = this.ctx.backend;
    const [num, channels, height, width] = this.shape;
    if (!this.pool) {
      const hw = height * width, plane = channels * hw;
      b.copy(num * plane, v, out);
      for (let d = 1; d <= (this.config.localSize - 1) / 2 && d < channels; d++) {
        const len = (channels - d) * hw;
        for (let i = 0; i < num; i++) {
          b.axpy(len, 1, b.view(v, i * plane + d * hw, len), b.view(out, i * plane, len));
          b.axpy(len, 1, b.view(v, i * plane, len), b.view(out, i * plane + d * hw, len));
        }
      }
    } else if (transpose) {
      b.poolBackward(this.pool!, 'mean', v, this.mask!, out);
    } else {
      b.poolForward(this.pool!, 'mean', v, out, this.mask!);
    }
  }

  /** The factor of the windowed quantity in s: alpha / n across channels, alpha / n² within (pooling already divides by n²). */
  private get windowScale(): number {
    const c = this.config;
    return this.pool ? c.alpha : c.alpha / c.localSize;
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const x = bottoms[0].data;
    b.mul(n, x, x, this.tmp);
    this.window(this.tmp, this.scale, false);
    b.scal(n, this.windowScale, this.scale);
    b.addScalar(n, this.config.k, this.scale);
    b.powx(n, this.scale, -this.config.beta, this.scalePow);
    b.mul(n, x, this.scalePow, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const { beta } = this.config;
    const dx = bottoms[0].diff;
    b.mul(n, tops[0].diff, tops[0].data, this.tmp);
    b.div(n, this.tmp, this.scale, this.tmp);
    this.window(this.tmp, this.sum, true);
    b.mul(n, this.sum, bottoms[0].data, this.sum);
    b.mul(n, tops[0].diff, this.scalePow, dx);
    b.axpy(n, -2 * beta * this.windowScale, this.sum, dx);
  }
}

export const LRN: LayerType<LRNConfig> = {
  type: 'LRN',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const localSize = r.int('localSize', 5, { min: 1 });
    if (localSize % 2 === 0) r.fail('localSize', 'an odd number', localSize);
    return {
      ...base,
      localSize,
      alpha: r.number('alpha', 1),
      beta: r.number('beta', 0.75),
      k: r.number('k', 1),
      normRegion: r.oneOf('normRegion', ['ACROSS_CHANNELS', 'WITHIN_CHANNEL'] as const, 'ACROSS_CHANNELS'),
    };
  },
  create: (c) => new LRNLayer(c),
};
