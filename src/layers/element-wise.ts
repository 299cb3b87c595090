/**
 * ElementWise: one arithmetic operation between two bottoms of one shape (Mocha's ElementWise).
 *
 * Shapes: both bottoms and the top share one shape.
 *   add       y = a + b    da = dy          db = dy
 *   subtract  y = a - b    da = dy          db = -dy
 *   multiply  y = a b      da = b dy        db = a dy
 *   divide    y = a / b    da = dy / b      db = -y dy / b
 */
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export type ElementWiseOp = 'add' | 'subtract' | 'multiply' | 'divide';

export interface ElementWiseConfig extends BaseConfig {
  /** The operation (required). */
  operation: ElementWiseOp;
}

export class ElementWiseLayer extends Layer<ElementWiseConfig> {
  setup(bottoms: Blob[]): Shape[] {
    const [a, b] = bottoms;
    if (shapeStr(a.shape) !== shapeStr(b.shape)) {
      throw new ShapeError(`${where(this.config)}: bottom "${b.name}" ${shapeStr(b.shape)} must have the shape of bottom "${a.name}" ${shapeStr(a.shape)}`);
    }
    return [a.shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const be = this.ctx.backend;
    const [a, b] = bottoms;
    const op = this.config.operation;
    const f = op === 'add' ? be.add : op === 'subtract' ? be.sub : op === 'multiply' ? be.mul : be.div;
    f.call(be, a.count, a.data, b.data, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const be = this.ctx.backend;
    const [a, b] = bottoms;
    const n = a.count;
    const dy = tops[0].diff;
    switch (this.config.operation) {
      case 'add':
      case 'subtract':
        if (propagateDown[0]) be.copy(n, dy, a.diff);
        if (propagateDown[1]) be.axpby(n, this.config.operation === 'add' ? 1 : -1, dy, 0, b.diff);
        break;
      case 'multiply':
        if (propagateDown[0]) be.mul(n, dy, b.data, a.diff);
        if (propagateDown[1]) be.mul(n, dy, a.data, b.diff);
        break;
      case 'divide':
        // db first: it reads dy, which da may overwrite when the top is computed in place over a.
        if (propagateDown[1]) {
          be.mul(n, dy, tops[0].data, b.diff);
          be.div(n, b.diff, b.data, b.diff);
          be.scal(n, -1, b.diff);
        }
        if (propagateDown[0]) be.div(n, dy, b.data, a.diff);
        break;
    }
  }
}

export const ElementWise: LayerType<ElementWiseConfig> = {
  type: 'ElementWise',
  parse(r, base) {
    expectBlobs(r, base, 2, 1);
    return { ...base, operation: r.oneOf('operation', ['add', 'subtract', 'multiply', 'divide']) };
  },
  create: (c) => new ElementWiseLayer(c),
};
