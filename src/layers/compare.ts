/**
 * Compare: 1 where the bottom compares true with a number, 0 where false (ONNX's Equal, Less,
 * Greater, LessOrEqual, GreaterOrEqual against a constant; PyTorch's `ids == 0`): a mask, as
 * floats, for a Where or a product. A NaN in the bottom gives NaN (it surfaces, where ONNX would
 * say false). The top is a step function of the bottom: no gradient flows back.
 *
 *   equal y = [x = v]   notEqual [x ≠ v]   less [x < v]   lessOrEqual [x ≤ v]
 *   greater [x > v]   greaterOrEqual [x ≥ v]
 *
 * The Backend's `where` (a closed interval picks between two buffers) computes it, so it runs on
 * every backend; v is compared as the backend stores numbers (float32 on the float32 backends).
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export const COMPARISONS = ['equal', 'notEqual', 'less', 'lessOrEqual', 'greater', 'greaterOrEqual'] as const;
export type Comparison = typeof COMPARISONS[number];

export interface CompareConfig extends BaseConfig {
  /** How the bottom is compared with `value` (required). */
  operation: Comparison;
  /** The number compared with (default 0). */
  value: number;
}

/** The interval where `where` picks its first buffer, and whether that buffer is the ones (true) or the zeros. */
function interval(op: Comparison, v: number): [number, number, boolean] {
  switch (op) {
    case 'equal': return [v, v, true];
    case 'notEqual': return [v, v, false];
    case 'less': return [v, Infinity, false];
    case 'greaterOrEqual': return [v, Infinity, true];
    case 'greater': return [-Infinity, v, false];
    case 'lessOrEqual': return [-Infinity, v, true];
  }
}

export class CompareLayer extends Layer<CompareConfig> {
  private ones!: Buf;
  private zeros!: Buf;

  override propagatesTo(): boolean {
    return false;
  }

  setup(bottoms: Blob[]): Shape[] {
    const n = bottoms[0].count;
    const b = this.ctx.backend;
    this.ones = this.ctx.buffer(n);
    this.zeros = this.ctx.buffer(n);
    b.set(n, 1, this.ones);
    b.set(n, 0, this.zeros);
    return [bottoms[0].shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const [lo, hi, inside] = interval(this.config.operation, this.config.value);
    const [a, b] = inside ? [this.ones, this.zeros] : [this.zeros, this.ones];
    this.ctx.backend.where(bottoms[0].count, lo, hi, bottoms[0].data, a, b, tops[0].data);
  }
}

export const Compare: LayerType<CompareConfig> = {
  type: 'Compare',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, operation: r.oneOf('operation', COMPARISONS), value: r.number('value', 0) };
  },
  create: (c) => new CompareLayer(c),
};
