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
 * The layer is two backend entries, lrnForward and lrnBackward: the CPU backends make one pass
 * each way, the device backends compose them of their primitives (backend/lrn-composed.ts).
 * Backward reuses forward's scale; `work` is scratch for the composition.
 */
import type { Buf, LRNGeom } from '../backend/backend.js';
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
  private geom!: LRNGeom;
  /** k + alpha / n^d W(x²) of the last forward pass, which backward reuses. */
  private scale!: Buf;
  private work!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [num, channels, height, width] = image4d(c, bottoms[0]);
    this.geom = {
      num, channels, height, width, localSize: c.localSize, alpha: c.alpha, beta: c.beta, k: c.k,
      within: c.normRegion === 'WITHIN_CHANNEL',
    };
    this.scale = this.ctx.buffer(bottoms[0].count);
    this.work = this.ctx.buffer(bottoms[0].count);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.lrnForward(this.geom, bottoms[0].data, this.scale, tops[0].data, this.work);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    this.ctx.backend.lrnBackward(this.geom, bottoms[0].data, tops[0].data, this.scale, tops[0].diff, bottoms[0].diff, this.work);
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
