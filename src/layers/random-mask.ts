/**
 * RandomMask (Mocha's): zeroes each element of each bottom with probability `ratio` in training,
 * for denoising auto-encoders. Unlike Dropout the survivors are not rescaled, and the masked values
 * go to separate tops (top i is the masked copy of bottom i).
 *
 * Shapes: top i the shape of bottom i.
 *   train forward   r ~ U[0, 1) per element (from the run's random source); y = r >= ratio ? x : 0
 *   train backward  dx = r >= ratio ? dy : 0      (the same r)
 *   test            y = x;  dx = dy
 * The random numbers are made on the backend, one key per bottom and forward (as in Dropout).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface RandomMaskConfig extends BaseConfig {
  /** Probability of zeroing an element in training, in [0, 1) (default 0.5). */
  ratio: number;
}

export class RandomMaskLayer extends Layer<RandomMaskConfig> {
  private rand: Buf[] = [];

  setup(bottoms: Blob[]): Shape[] {
    if (this.ctx.phase === 'train') this.rand = bottoms.map((x) => this.ctx.buffer(x.count));
    return bottoms.map((x) => x.shape);
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    bottoms.forEach((x, i) => {
      if (this.rand.length === 0) {
        b.copy(x.count, x.data, tops[i].data);
        return;
      }
      b.randomUniform(x.count, this.ctx.rng.nextUint32(), this.rand[i]);
      b.dropoutForward(x.count, x.data, this.rand[i], this.config.ratio, 1, tops[i].data);
    });
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    bottoms.forEach((x, i) => {
      if (!propagateDown[i]) return;
      if (this.rand.length === 0) b.copy(x.count, tops[i].diff, x.diff);
      else b.dropoutBackward(x.count, tops[i].diff, this.rand[i], this.config.ratio, 1, x.diff);
    });
  }
}

export const RandomMask: LayerType<RandomMaskConfig> = {
  type: 'RandomMask',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], base.bottoms.length);
    const ratio = r.number('ratio', 0.5, { min: 0 });
    if (ratio >= 1) r.fail('ratio', 'in [0, 1)', ratio);
    return { ...base, ratio };
  },
  create: (c) => new RandomMaskLayer(c),
};
