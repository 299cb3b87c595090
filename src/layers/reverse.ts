/**
 * Reverse: the bottom with the order of one axis reversed (default axis 0, time in a [T, N, ...]
 * sequence), as PyTorch's torch.flip over one dimension. The backward direction of a bidirectional
 * RNN reads its input reversed in time and reverses its output back.
 *
 * Shapes: top as the bottom. Seen as [outer, T, inner] around `axis`:
 *   forward   y[o, t] = x[o, T - 1 - t]
 *   backward  dx[o, t] = dy[o, T - 1 - t]
 * One strided copy (copy2d over the outer rows) per position along the axis.
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis, copyRows } from './axes.js';

export interface ReverseConfig extends BaseConfig {
  /** The axis to reverse (default 0); negative counts from the end. */
  axis: number;
}

export class ReverseLayer extends Layer<ReverseConfig> {
  private outer = 0;
  private T = 0;
  private inner = 0;

  setup(bottoms: Blob[]): Shape[] {
    const x = bottoms[0];
    const axis = canonicalAxis(this.config, x, this.config.axis);
    this.outer = countOf(x.shape.slice(0, axis));
    this.T = x.shape[axis];
    this.inner = countOf(x.shape.slice(axis + 1));
    return [x.shape];
  }

  /** Copies each position t of `src` to position T - 1 - t of `dst`. */
  private flip(src: Blob['data'], dst: Blob['data']): void {
    const { outer, T, inner } = this;
    for (let t = 0; t < T; t++) copyRows(this.ctx.backend, outer, inner, src, t * inner, T * inner, dst, (T - 1 - t) * inner, T * inner);
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    this.flip(bottoms[0].data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (propagateDown[0]) this.flip(tops[0].diff, bottoms[0].diff);
  }
}

export const Reverse: LayerType<ReverseConfig> = {
  type: 'Reverse',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, axis: r.int('axis', 0) };
  },
  create: (c) => new ReverseLayer(c),
};
