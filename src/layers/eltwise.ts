/**
 * Eltwise: combines N bottoms of one shape elementwise (Caffe's Eltwise).
 *
 * Shapes: all bottoms and the top share one shape.
 *   SUM   y = Σ_k c_k x_k                         dx_k = c_k dy
 *   PROD  y = Π_k x_k                             dx_k = dy Π_{j≠k} x_j   (no division by x_k)
 *   MAX   y = max_k x_k                           dx_k = dy where k is the argmax, else 0
 * MAX is a running maximum m_k = g_k > 0 ? x_k : m_{k-1} with g_k = x_k - m_{k-1}, each g_k kept
 * for backward: a tie goes to the earlier bottom (Caffe gives a tie between the first two bottoms
 * to the second), and a NaN in any bottom gives NaN.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export type EltwiseOp = 'SUM' | 'PROD' | 'MAX';

export interface EltwiseConfig extends BaseConfig {
  /** 'SUM' (default), 'PROD' or 'MAX' (lower case accepted). */
  operation: EltwiseOp;
  /** SUM only: one coefficient per bottom (default all 1). */
  coeff: number[];
}

export class EltwiseLayer extends Layer<EltwiseConfig> {
  /** MAX: g_k = x_k - m_{k-1} for k >= 1, and zeros (never written). PROD, MAX: a running gradient. */
  private gains: Buf[] = [];
  private zeros!: Buf;
  private grad!: Buf;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const first = bottoms[0];
    for (const x of bottoms.slice(1)) {
      if (shapeStr(x.shape) !== shapeStr(first.shape)) {
        throw new ShapeError(`${where(c)}: bottom "${x.name}" ${shapeStr(x.shape)} must have the shape of bottom "${first.name}" ${shapeStr(first.shape)}`);
      }
    }
    const n = first.count;
    if (c.operation === 'MAX') {
      this.gains = bottoms.slice(1).map(() => this.ctx.buffer(n));
      this.zeros = this.ctx.buffer(n);
    }
    if (c.operation !== 'SUM') this.grad = this.ctx.buffer(n);
    return [first.shape];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const y = tops[0].data;
    const { operation, coeff } = this.config;
    if (operation === 'SUM') {
      b.axpby(n, coeff[0], bottoms[0].data, 0, y);
      for (let k = 1; k < bottoms.length; k++) b.axpy(n, coeff[k], bottoms[k].data, y);
    } else if (operation === 'PROD') {
      b.mul(n, bottoms[0].data, bottoms[1].data, y);
      for (let k = 2; k < bottoms.length; k++) b.mul(n, y, bottoms[k].data, y);
    } else {
      b.copy(n, bottoms[0].data, y);
      for (let k = 1; k < bottoms.length; k++) {
        const g = this.gains[k - 1];
        b.sub(n, bottoms[k].data, y, g);
        b.where(n, -Infinity, 0, g, y, bottoms[k].data, y);
      }
    }
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const b = this.ctx.backend;
    const n = bottoms[0].count;
    const dy = tops[0].diff;
    const { operation, coeff } = this.config;
    if (operation === 'SUM') {
      bottoms.forEach((x, k) => { if (propagateDown[k]) b.axpby(n, coeff[k], dy, 0, x.diff); });
    } else if (operation === 'PROD') {
      bottoms.forEach((x, k) => {
        if (!propagateDown[k]) return;
        b.copy(n, dy, this.grad);
        bottoms.forEach((other, j) => { if (j !== k) b.mul(n, this.grad, other.data, this.grad); });
        b.copy(n, this.grad, x.diff);
      });
    } else {
      // Walk the running maximum back: bottom k takes the part of the gradient where it won.
      b.copy(n, dy, this.grad);
      for (let k = bottoms.length - 1; k >= 1; k--) {
        const g = this.gains[k - 1];
        if (propagateDown[k]) b.where(n, -Infinity, 0, g, this.zeros, this.grad, bottoms[k].diff);
        b.where(n, -Infinity, 0, g, this.grad, this.zeros, this.grad);
      }
      if (propagateDown[0]) b.copy(n, this.grad, bottoms[0].diff);
    }
  }
}

export const Eltwise: LayerType<EltwiseConfig> = {
  type: 'Eltwise',
  parse(r, base) {
    expectBlobs(r, base, [2, Infinity], 1);
    const operation = r.oneOf('operation', ['SUM', 'PROD', 'MAX', 'sum', 'prod', 'max'], 'SUM').toUpperCase() as EltwiseOp;
    const coeff = r.numbers('coeff', base.bottoms.map(() => 1));
    if (coeff.length !== base.bottoms.length) r.fail('coeff', `one number per bottom (${base.bottoms.length})`, coeff);
    if (operation !== 'SUM' && r.has('coeff')) r.fail('coeff', `left out: coefficients apply to operation SUM only, not ${operation}`, coeff);
    return { ...base, operation, coeff };
  },
  create: (c) => new EltwiseLayer(c),
};
