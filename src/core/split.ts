/**
 * Split: one bottom feeding several consumers. The net inserts it where a blob feeds two or more
 * back-propagating layers, so that their gradients add up instead of overwriting each other.
 *
 * Shapes: every top has the bottom's shape.
 *   forward   top_k = x          (the tops alias the bottom's data: nothing to compute)
 *   backward  dx = Σ_k dtop_k
 * `sharesData` tells the net to create each top with `new Blob(backend, name, shape, bottom)`, so
 * that only its diff is its own. A top given its own data buffer still works: forward copies.
 */
import type { Blob, Shape } from './blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from './layer.js';

export class SplitLayer extends Layer<BaseConfig> {
  /** Every top aliases the data of bottom 0. */
  override get sharesData(): boolean {
    return true;
  }

  setup(bottoms: Blob[]): Shape[] {
    return this.config.tops.map(() => bottoms[0].shape);
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const x = bottoms[0];
    for (const t of tops) if (t.data !== x.data) this.ctx.backend.copy(x.count, x.data, t.data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const x = bottoms[0];
    // The first two in one pass (an add reads two diffs and writes one; a copy then an axpy read
    // three and write two), each later one added in place: the same sums, in the same order.
    if (tops.length === 1) b.copy(x.count, tops[0].diff, x.diff);
    else b.add(x.count, tops[0].diff, tops[1].diff, x.diff);
    for (let k = 2; k < tops.length; k++) b.axpy(x.count, 1, tops[k].diff, x.diff);
  }
}

export const Split: LayerType<BaseConfig> = {
  type: 'Split',
  parse(r, base) {
    expectBlobs(r, base, 1, [1, Infinity]);
    return base;
  },
  create: (c) => new SplitLayer(c),
};
