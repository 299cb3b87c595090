/**
 * Dropout, inverted: units are dropped in training and the survivors scaled up, so the test phase
 * is the identity.
 *
 * Shapes: top y the shape of bottom x.
 *   train forward   r ~ U[0, 1) per element (from the run's random source);
 *                   y = r >= ratio ? x / (1 - ratio) : 0
 *   train backward  dx = r >= ratio ? dy / (1 - ratio) : 0      (the same r)
 *   test            y = x;  dx = dy
 * The random numbers are made on the backend (`randomUniform`) from one key per forward drawn from
 * the run's random source: nothing crosses to the device, and every backend drops the same units
 * for the same seed.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface DropoutConfig extends BaseConfig {
  /** Probability of dropping a unit in training, in [0, 1) (default 0.5). */
  ratio: number;
}

export class DropoutLayer extends Layer<DropoutConfig> {
  private rand?: Buf;

  private get scale(): number {
    return 1 / (1 - this.config.ratio);
  }

  setup(bottoms: Blob[]): Shape[] {
    const n = bottoms[0].count;
    if (this.ctx.phase === 'train') this.rand = this.ctx.buffer(n);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const x = bottoms[0];
    if (!this.rand) {
      if (tops[0].data !== x.data) b.copy(x.count, x.data, tops[0].data);
      return;
    }
    b.randomUniform(x.count, this.ctx.rng.nextUint32(), this.rand);
    b.dropoutForward(x.count, x.data, this.rand, this.config.ratio, this.scale, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    if (!propagateDown[0]) return;
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    if (this.rand) b.dropoutBackward(n, tops[0].diff, this.rand, this.config.ratio, this.scale, bottoms[0].diff);
    else if (tops[0].diff !== bottoms[0].diff) b.copy(n, tops[0].diff, bottoms[0].diff);
  }
}

export const Dropout: LayerType<DropoutConfig> = {
  type: 'Dropout',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    const ratio = r.number('ratio', 0.5, { min: 0 });
    if (ratio >= 1) r.fail('ratio', 'in [0, 1)', ratio);
    return { ...base, ratio };
  },
  create: (c) => new DropoutLayer(c),
};
