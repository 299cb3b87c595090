/**
 * Tile: repeats the bottom `tiles` times along `axis` (Caffe's Tile).
 *
 * Shapes: top as the bottom with shape[axis] multiplied by `tiles`. Seen as x [outer, inner]
 * (inner = count from axis) and y [outer, tiles, inner]:
 *   forward   y[o, t] = x[o]
 *   backward  dx[o] = Σ_t dy[o, t]
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';

export interface TileConfig extends BaseConfig {
  /** Axis to repeat along (default 1); negative counts from the end. */
  axis: number;
  /** Number of copies (required, >= 1). */
  tiles: number;
}

export class TileLayer extends Layer<TileConfig> {
  private outer = 0;
  private inner = 0;

  setup(bottoms: Blob[]): Shape[] {
    const x = bottoms[0];
    const axis = canonicalAxis(this.config, x, this.config.axis);
    this.outer = countOf(x.shape.slice(0, axis));
    this.inner = x.countFrom(axis);
    return [x.shape.map((d, a) => (a === axis ? d * this.config.tiles : d))];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const { tiles } = this.config;
    for (let t = 0; t < tiles; t++) {
      copyRows(this.ctx.backend, this.outer, this.inner, bottoms[0].data, 0, this.inner, tops[0].data, t * this.inner, tiles * this.inner);
    }
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const { tiles } = this.config;
    for (let t = 0; t < tiles; t++) {
      copyRows(this.ctx.backend, this.outer, this.inner, tops[0].diff, t * this.inner, tiles * this.inner, bottoms[0].diff, 0, this.inner, t > 0);
    }
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
