/**
 * Upsample: nearest-neighbour upsampling by whole factors along the spatial axes (PyTorch's
 * nn.Upsample(scale_factor=s) with mode 'nearest', Keras's UpSampling2D; ONNX's Resize of mode
 * nearest by whole scales).
 *
 * Shapes: bottom x [N, C, d_2, ..., d_k] (at least one spatial axis); `scale` holds one whole
 * factor for every spatial axis, or one per spatial axis; top y [N, C, d_2 s_2, ..., d_k s_k].
 *   forward   y[n, c, i_2, ..., i_k] = x[n, c, floor(i_2 / s_2), ..., floor(i_k / s_k)]
 *   backward  dx[n, c, j_2, ..., j_k] = Σ of dy over the s_2 ... s_k positions copied from it
 * One pass per axis with a factor above 1, the last axis first: x seen as [outer, inner] around
 * the axis (outer the count up to it and including it, inner the count after it, already
 * upsampled) becomes [outer, s, inner], as a Tile of inner-long rows; the backward sums the s
 * copies of each row, in the opposite order. Every pass is strided copies (copy2d), on every
 * backend.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import { MAX_BLOB_COUNT } from '../core/limits.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { tileRows, untileRows } from './axes.js';

export interface UpsampleConfig extends BaseConfig {
  /** Whole factors >= 1: one for every spatial axis, or one per spatial axis (axes 2 on). */
  scale: number[];
}

/** One pass: [outer, inner] to [outer, tiles, inner]. */
interface Pass {
  outer: number;
  inner: number;
  tiles: number;
}

export class UpsampleLayer extends Layer<UpsampleConfig> {
  private passes: Pass[] = [];
  /** The values between passes, one buffer fewer than passes (the last pass writes the top). */
  private between: Buf[] = [];
  private betweenDiff: Buf[] = [];

  setup(bottoms: Blob[]): Shape[] {
    const x = bottoms[0];
    const spatial = x.shape.length - 2;
    const { scale } = this.config;
    if (spatial < 1) throw new ShapeError(`layer "${this.config.name}" (Upsample): bottom "${this.config.bottoms[0]}" has shape [${x.shape.join(', ')}]; expected [N, C, spatial...] with at least one spatial axis`);
    if (scale.length !== 1 && scale.length !== spatial) {
      throw new ShapeError(`layer "${this.config.name}" (Upsample): scale [${scale.join(', ')}] has ${scale.length} factors for the ${spatial} spatial axes of bottom "${this.config.bottoms[0]}" [${x.shape.join(', ')}] (give one for all, or one per axis)`);
    }
    const factors = x.shape.map((_, a) => (a < 2 ? 1 : scale[scale.length === 1 ? 0 : a - 2]));
    const top = x.shape.map((d, a) => d * factors[a]);
    this.passes = [];
    const current = [...x.shape];
    for (let a = x.shape.length - 1; a >= 2; a--) {
      if (factors[a] === 1) continue;
      this.passes.push({ outer: countOf(current.slice(0, a + 1)), inner: countOf(current.slice(a + 1)), tiles: factors[a] });
      current[a] *= factors[a];
    }
    this.between = [];
    this.betweenDiff = [];
    // Only for a top the net can hold (it refuses a larger one by name after setup), so that a
    // huge scale is not met with a huge allocation first.
    if (countOf(top) > MAX_BLOB_COUNT) return [top];
    for (let p = 0; p + 1 < this.passes.length; p++) {
      const { outer, inner, tiles } = this.passes[p];
      this.between.push(this.ctx.buffer(outer * tiles * inner));
      this.betweenDiff.push(this.ctx.buffer(outer * tiles * inner));
    }
    return [top];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const x = bottoms[0], y = tops[0];
    if (this.passes.length === 0) {
      b.copy(x.count, x.data, y.data);
      return;
    }
    this.passes.forEach(({ outer, inner, tiles }, p) => {
      const src = p === 0 ? x.data : this.between[p - 1];
      const dst = p === this.passes.length - 1 ? y.data : this.between[p];
      tileRows(b, outer, inner, tiles, src, dst);
    });
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const x = bottoms[0], y = tops[0];
    if (this.passes.length === 0) {
      b.copy(x.count, y.diff, x.diff);
      return;
    }
    for (let p = this.passes.length - 1; p >= 0; p--) {
      const { outer, inner, tiles } = this.passes[p];
      const src = p === this.passes.length - 1 ? y.diff : this.betweenDiff[p];
      const dst = p === 0 ? x.diff : this.betweenDiff[p - 1];
      untileRows(b, outer, inner, tiles, src, dst);
    }
  }
}

export const Upsample: LayerType<UpsampleConfig> = {
  type: 'Upsample',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const scale = typeof r.raw.scale === 'number' ? [r.int('scale', undefined, { min: 1 })] : r.numbers('scale', undefined, { min: 1 });
    if (scale.length === 0 || scale.some((s) => !Number.isInteger(s))) r.fail('scale', 'a whole number >= 1, or a list of them (one per spatial axis)', r.raw.scale);
    return { ...base, scale };
  },
  create: (c) => new UpsampleLayer(c),
};
