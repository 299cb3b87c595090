/**
 * Index2Onehot: class indices to one-hot vectors (Mocha's Index2OnehotLayer). No backward.
 *
 * Shapes: bottom of labels; `axis` (default 1) is where the classes go in the top. When the bottom
 * has that axis it must be of size 1 and becomes `classes`; when `axis` equals the bottom's axis
 * count, a classes axis is appended ([N] labels give [N, classes]). Seen as [outer, 1, inner]:
 *   forward   y[o, c, i] = (x[o, i] == c) ? 1 : 0        for labels in [0, classes)
 * It runs on backend primitives: the flat position o·classes·inner + x[o, i]·inner + i of every
 * 1 is computed with axpy from a precomputed base, then the 1s are scattered there.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';

export interface Index2OnehotConfig extends BaseConfig {
  /** Number of classes (required). */
  classes: number;
  /** Axis of the classes in the top (default 1). */
  axis: number;
}

export class Index2OnehotLayer extends Layer<Index2OnehotConfig> {
  private n = 0;
  private base!: Buf;
  private ones!: Buf;
  private positions!: Buf;
  private inner = 1;

  override propagatesTo(): boolean {
    return false;
  }

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const shape = bottoms[0].shape;
    const appended = c.axis === shape.length;
    if (c.axis > shape.length || (!appended && shape[c.axis] !== 1)) {
      throw new ShapeError(`${where(c)}: bottom "${bottoms[0].name}" ${shapeStr(shape)} needs size 1 at axis ${c.axis}, or ${c.axis} axes to append the classes axis`);
    }
    const outer = countOf(shape.slice(0, c.axis));
    this.inner = appended ? 1 : countOf(shape.slice(c.axis + 1));
    this.n = outer * this.inner;
    if (this.n * c.classes > 2 ** 24) throw new ShapeError(`${where(c)}: ${this.n * c.classes} outputs exceed the 2^24 positions a float index can name`);
    const b = this.ctx.backend;
    const base = new Float32Array(this.n);
    for (let o = 0; o < outer; o++) for (let i = 0; i < this.inner; i++) base[o * this.inner + i] = o * c.classes * this.inner + i;
    this.base = b.fromHost(base);
    this.ones = this.ctx.buffer(this.n);
    b.set(this.n, 1, this.ones);
    this.positions = this.ctx.buffer(this.n);
    const top = [...shape];
    if (appended) top.push(c.classes);
    else top[c.axis] = c.classes;
    return [top];
  }

  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    b.copy(this.n, this.base, this.positions);
    b.axpy(this.n, this.inner, bottoms[0].data, this.positions);
    b.set(tops[0].count, 0, tops[0].data);
    b.scatterAdd(this.n, 1, this.ones, this.positions, 1, tops[0].data);
  }
}

export const Index2Onehot: LayerType<Index2OnehotConfig> = {
  type: 'Index2Onehot',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return { ...base, classes: r.int('classes', undefined, { min: 1 }), axis: r.int('axis', 1, { min: 0 }) };
  },
  create: (c) => new Index2OnehotLayer(c),
};
