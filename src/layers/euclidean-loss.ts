/**
 * EuclideanLoss (Caffe's EuclideanLossLayer): half the mean squared distance between two blobs.
 *
 * Shapes: bottoms [a, b] with the same count (shapes may differ, e.g. [N, 3] and [N, 3, 1, 1]);
 * top [1], the loss. The top may be left out: it is then named after the layer.
 *   forward   loss = Σ_i (a_i - b_i)² / 2N,   N = the first axis of a (the batch)
 *   backward  da = lossWeight (a - b) / N;  db = -lossWeight (a - b) / N
 * Both bottoms receive a gradient (either may be the learned one), as in Caffe.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { expectBlobs, type LayerType } from '../core/layer.js';
import { checkSameCount, type LossConfig, LossLayer, numOf, readLossWeight } from './loss-util.js';
import { defaultTop } from './shapes.js';

/** No fields besides `lossWeight` (default 1). */
export type EuclideanLossConfig = LossConfig;

export class EuclideanLossLayer extends LossLayer<EuclideanLossConfig> {
  /** a - b from the last forward. */
  private delta!: Buf;
  private num = 1;

  /** Both bottoms receive a gradient (either may be the learned one). */
  override propagatesTo(): boolean {
    return true;
  }

  setup(bottoms: Blob[]): Shape[] {
    checkSameCount(this.config, bottoms);
    this.num = numOf(bottoms[0]);
    this.delta = this.ctx.buffer(bottoms[0].count);
    return [[1]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    b.sub(n, bottoms[0].data, bottoms[1].data, this.delta);
    b.dotInto(n, this.delta, this.delta, 1 / (2 * this.num), 0, tops[0].data);
  }

  override backward(_tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const scale = this.config.lossWeight / this.num;
    if (propagateDown[0]) b.axpby(n, scale, this.delta, 0, bottoms[0].diff);
    if (propagateDown[1]) b.axpby(n, -scale, this.delta, 0, bottoms[1].diff);
  }
}

/** The layer type for EuclideanLoss and for SquareLoss (the same layer under two names). */
export function euclideanType(type: string): LayerType<EuclideanLossConfig> {
  return {
    type,
    parse(r, base) {
      expectBlobs(r, base, 2, [0, 1]);
      return { ...base, tops: defaultTop(base), lossWeight: readLossWeight(r) };
    },
    create: (c) => new EuclideanLossLayer(c),
  };
}

export const EuclideanLoss: LayerType<EuclideanLossConfig> = euclideanType('EuclideanLoss');
