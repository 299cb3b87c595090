/**
 * Tile: repeats the bottom `tiles` times along `axis` (Caffe's Tile).
 *
 * Shapes: top as the bottom with shape[axis] multiplied by `tiles`. Seen as x [outer, inner]
 * (inner = count from axis) and y [outer, tiles, inner]:
 *   forward   y[o, t] = x[o]
 *   backward  dx[o] = Σ_t dy[o, t]
 * The loops run over whichever of outer and tiles is shorter: a tile per call (copies of `outer`
 * rows), or an o per call (`tiles` copies of one row, a source stride of 0; the sum a gemv of
 * dy[o] with ones), so a class token repeated over a batch is one call each way.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { MAX_BLOB_COUNT } from '../core/limits.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows, tileRows, untileRows } from './axes.js';

export interface TileConfig extends BaseConfig {
  /** Axis to repeat along (default 1); negative counts from the end. */
  axis: number;
  /** Number of copies (required, >= 1). */
  tiles: number;
}

export class TileLayer extends Layer<TileConfig> {
  private outer = 0;
  private inner = 0;
  /** `tiles` ones, where the backward sums over tiles with gemv (tiles > outer). */
  private ones?: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const x = bottoms[0];
    const axis = canonicalAxis(this.config, x, this.config.axis);
    this.outer = countOf(x.shape.slice(0, axis));
    this.inner = x.countFrom(axis);
    const top = x.shape.map((d, a) => (a === axis ? d * this.config.tiles : d));
    // The ones are allocated only for a top the net can hold (it refuses a larger one by name
    // after setup), so that a huge `tiles` is not met with a huge allocation first.
    if (this.byRow && countOf(top) <= MAX_BLOB_COUNT) {
      this.ones = this.ctx.buffer(this.config.tiles);
      this.ctx.backend.set(this.config.tiles, 1, this.ones);
    }
    return [top];
  }

  /** One call per o (else one per tile). */
  private get byRow(): boolean {
    return this.config.tiles > this.outer;
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const { tiles } = this.config;
    const { outer, inner } = this;
    if (this.byRow) {
      for (let o = 0; o < outer; o++) copyRows(this.ctx.backend, tiles, inner, bottoms[0].data, o * inner, 0, tops[0].data, o * tiles * inner, inner);
      return;
    }
    tileRows(this.ctx.backend, outer, inner, tiles, bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const { tiles } = this.config;
    const { outer, inner } = this;
    const b = this.ctx.backend;
    if (this.byRow) {
      for (let o = 0; o < outer; o++) {
        b.gemv(true, tiles, inner, 1, b.view(tops[0].diff, o * tiles * inner, tiles * inner), this.ones!, 0, b.view(bottoms[0].diff, o * inner, inner));
      }
      return;
    }
    untileRows(b, outer, inner, tiles, tops[0].diff, bottoms[0].diff);
  }
}

export const Tile: LayerType<TileConfig> = {
  type: 'Tile',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, axis: r.int('axis', 1), tiles: r.int('tiles', undefined, { min: 1 }) };
  },
  create: (c) => new TileLayer(c),
};
