/**
 * MatMul: the matrix product of two computed blobs over their last two axes, batched over the axes
 * before (numpy's and ONNX's MatMul, PyTorch's torch.matmul): attention's q kᵀ and its weights
 * times v.
 *
 * Shapes: a [..., M, K] and b [..., K, N] (b [K, N] without batch axes is shared by every batch
 * item; with `transposeB`, b is [..., N, K] and its transpose is used); the batch axes of a and b
 * are equal. Top [..., M, N].
 *   forward   y_i = a_i op(b)_i                     for each batch item i
 *   backward  da_i = dy_i op(b)_iᵀ;  db_i = a_iᵀ dy_i (transposed back with transposeB),
 *             summed over the batch when b is shared
 * One batched gemm (Backend.gemmBatched); a shared b takes one gemm over the batch's rows stacked.
 */
import type { Blob, Shape } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export interface MatMulConfig extends BaseConfig {
  /** Multiply by the transpose of b's last two axes (default false). */
  transposeB: boolean;
}

export class MatMulLayer extends Layer<MatMulConfig> {
  private batch = 0;
  private M = 0;
  private K = 0;
  private N = 0;
  private shared = false;

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const [a, b] = bottoms;
    const bad = (why: string) => new ShapeError(`${where(c)}: bottoms "${a.name}" ${shapeStr(a.shape)} and "${b.name}" ${shapeStr(b.shape)}: ${why}`);
    if (a.shape.length < 2 || b.shape.length < 2) throw bad('each needs at least 2 axes (matrices, batched over the axes before)');
    const [M, K] = a.shape.slice(-2);
    const [r, s] = b.shape.slice(-2);
    const [Kb, N] = c.transposeB ? [s, r] : [r, s];
    if (K !== Kb) throw bad(`a has ${K} columns but ${c.transposeB ? 'the transpose of b' : 'b'} has ${Kb} rows`);
    const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
    this.shared = batchB.length === 0;
    if (!this.shared && batchA.join() !== batchB.join()) throw bad('their batch axes (before the last two) differ; b may also have none');
    if (a === b) throw bad('one blob twice (square it with an Eltwise PROD, or give b its own Split)');
    Object.assign(this, { batch: batchA.reduce((x, y) => x * y, 1), M, K, N });
    return [[...batchA, M, N]];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const be = this.ctx.backend;
    const { batch, M, K, N } = this;
    const [a, b] = bottoms;
    const t = this.config.transposeB;
    // A shared b multiplies the batch's rows stacked ([batch·M, K]) in one product.
    if (this.shared) be.gemm(false, t, batch * M, N, K, 1, a.data, b.data, 0, tops[0].data);
    else be.gemmBatched(batch, false, t, M, N, K, 1, a.data, b.data, 0, tops[0].data);
  }

  override backward(tops: Blob[], propagateDown: boolean[], bottoms: Blob[]): void {
    const be = this.ctx.backend;
    const { batch, M, K, N } = this;
    const [a, b] = bottoms;
    const t = this.config.transposeB;
    const dy = tops[0].diff;
    if (propagateDown[0]) {
      // da = dy op(b)ᵀ: dy [M, N] times b [K, N]ᵀ, or b [N, K] as stored with transposeB
      if (this.shared) be.gemm(false, !t, batch * M, K, N, 1, dy, b.data, 0, a.diff);
      else be.gemmBatched(batch, false, !t, M, K, N, 1, dy, b.data, 0, a.diff);
    }
    if (propagateDown[1]) {
      // db = aᵀ dy [K, N], or its transpose dyᵀ a [N, K] with transposeB; a shared b sums over
      // the batch, one product over the stacked rows
      const [rows, cols, x, y] = t ? [N, K, dy, a.data] : [K, N, a.data, dy];
      if (this.shared) be.gemm(true, false, rows, cols, batch * M, 1, x, y, 0, b.diff);
      else be.gemmBatched(batch, true, false, rows, cols, M, 1, x, y, 0, b.diff);
    }
  }
}

export const MatMul: LayerType<MatMulConfig> = {
  type: 'MatMul',
  parse(r, base) {
    expectBlobs(r, base, 2, 1);
    return { ...base, transposeB: r.bool('transposeB', false) };
  },
  create: (c) => new MatMulLayer(c),
};
