/**
 * Identity: passes each bottom through to the top of the same index (Mocha's IdentityLayer).
 * With one bottom the top aliases its data (`sharesData`); with several, forward copies.
 *
 * Shapes: top k has the shape of bottom k.
 *   forward   y_k = x_k (aliased)
 *   backward  dx_k = dy_k
 */
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { AliasLayer } from './reshape.js';

export class IdentityLayer extends AliasLayer<BaseConfig> {
  /** The net aliases every top to the first bottom only, so with several bottoms the tops get their own data. */
  override get sharesData(): boolean {
    return this.config.bottoms.length === 1;
  }

  setup(bottoms: Blob[]): Shape[] {
    return bottoms.map((x) => x.shape);
  }
}

export const Identity: LayerType<BaseConfig> = {
  type: 'Identity',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], [1, Infinity]);
    if (base.tops.length !== base.bottoms.length) r.fail('tops', `one name per bottom (${base.bottoms.length})`, base.tops);
    return base;
  },
  create: (c) => new IdentityLayer(c),
};
