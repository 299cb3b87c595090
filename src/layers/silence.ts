/**
 * Silence: consumes blobs that nothing else uses, so the net does not report them (Caffe's
 * Silence). No tops.
 *   forward   nothing
 *   backward  dx_k = 0
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export class SilenceLayer extends Layer<BaseConfig> {
  setup(): Shape[] {
    return [];
  }

  forward(): void {}

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    bottoms.forEach((x, k) => { if (propagateDown[k]) this.ctx.backend.set(x.count, 0, x.diff); });
  }
}

export const Silence: LayerType<BaseConfig> = {
  type: 'Silence',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], 0);
    return base;
  },
  create: (c) => new SilenceLayer(c),
};
