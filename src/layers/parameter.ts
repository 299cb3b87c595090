/**
 * Parameter: a learned blob with no bottom (Caffe's Parameter layer): ViT's class token, a learned
 * query, an initial state. The top holds the parameter `value`.
 *
 * Shapes: top `shape`.
 *   forward   y = value
 *   backward  dvalue += dy
 */
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType, type Param } from '../core/layer.js';
import { constant, readInitializer, type Initializer } from '../initializers/initializer.js';

export interface ParameterConfig extends BaseConfig {
  /** The shape of the blob (required, every dimension >= 1). */
  shape: number[];
  /** Initializer (default Constant 0). */
  init: Initializer;
}

export class ParameterLayer extends Layer<ParameterConfig> {
  private value!: Param;

  setup(): Shape[] {
    this.value = this.param('value', this.config.shape, this.config.init);
    return [this.config.shape];
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    this.ctx.backend.copy(tops[0].count, this.value.blob.data, tops[0].data);
  }

  override backward(tops: Blob[]): void {
    if (!this.frozen) this.ctx.backend.axpy(tops[0].count, 1, tops[0].diff, this.value.blob.diff);
  }
}

export const Parameter: LayerType<ParameterConfig> = {
  type: 'Parameter',
  parse(r, base) {
    expectBlobs(r, base, 0, 1);
    const shape = r.numbers('shape', undefined, { min: 1 });
    if (!shape.length || shape.some((d) => !Number.isInteger(d))) r.fail('shape', 'a non-empty list of positive integers', shape);
    return { ...base, shape: [...shape], init: readInitializer(r, 'init', constant(0)) };
  },
  create: (c) => new ParameterLayer(c),
};
