/**
 * Flatten: merges the axes [axis, endAxis] into one (Caffe's Flatten). The top aliases the
 * bottom's data (`sharesData`).
 *
 * Shapes: [d_0 ... d_{axis-1}, Π_{a=axis..endAxis} d_a, d_{endAxis+1} ...].
 *   forward   y = x (aliased)
 *   backward  dx = dy
 */
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError } from '../core/errors.js';
import { expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { canonicalAxis } from './axes.js';
import { AliasLayer } from './reshape.js';
import { where } from './shapes.js';

export interface FlattenConfig extends BaseConfig {
  /** First axis merged (default 1); negative counts from the end. */
  axis: number;
  /** Last axis merged, included (default -1, the last). */
  endAxis: number;
}

export class FlattenLayer extends AliasLayer<FlattenConfig> {
  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const x = bottoms[0];
    const start = canonicalAxis(c, x, c.axis);
    const end = canonicalAxis(c, x, c.endAxis, 'endAxis');
    if (end < start) throw new ShapeError(`${where(c)}: field "endAxis" (axis ${end}) comes before field "axis" (axis ${start})`);
    return [[...x.shape.slice(0, start), countOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)]];
  }
}

export const Flatten: LayerType<FlattenConfig> = {
  type: 'Flatten',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, axis: r.int('axis', 1), endAxis: r.int('endAxis', -1) };
  },
  create: (c) => new FlattenLayer(c),
};
