/**
 * Blob: an N-d array, row-major (NCHW for images), with a `data` and a `diff` buffer owned by one
 * backend. Host copies are made only on request (`read`, `write`), never implicitly.
 */
import type { Backend, Buf, HostArray } from '../backend/backend.js';
import { ConfigError, ShapeError, shapeStr } from './errors.js';
import { MAX_BLOB_COUNT, exactCount } from './limits.js';

export type Shape = readonly number[];

export function countOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Blob {
  readonly shape: Shape;
  readonly count: number;
  readonly data: Buf;
  readonly diff: Buf;

  /**
   * `shareData` makes this blob alias another blob's data (a split's tops, a reshape); the diff is
   * always this blob's own.
   */
  constructor(readonly backend: Backend, readonly name: string, shape: Shape, shareData?: Blob) {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(`blob "${name}": invalid shape ${shapeStr(shape)}`);
    }
    const count = exactCount(shape);
    if (count === null || count > MAX_BLOB_COUNT) {
      throw new ConfigError(`blob "${name}": shape ${shapeStr(shape)} would hold ${count ?? 'more than 2^53'} elements, above the limit of ${MAX_BLOB_COUNT} (2^31 - 1) per blob`);
    }
    this.shape = [...shape];
    this.count = count;
    if (shareData && shareData.count !== this.count) {
      throw new ShapeError(`blob "${name}": cannot share the data of "${shareData.name}", counts ${this.count} and ${shareData.count} differ`);
    }
    this.data = shareData ? shareData.data : backend.alloc(this.count);
    this.diff = backend.alloc(this.count);
  }

  get num(): number {
    return this.shape[0] ?? 1;
  }

  get channels(): number {
    return this.shape[1] ?? 1;
  }

  get height(): number {
    return this.shape[2] ?? 1;
  }

  get width(): number {
    return this.shape[3] ?? 1;
  }

  /** Product of the dimensions from `axis` on (Caffe's count(axis)). */
  countFrom(axis: number): number {
    return countOf(this.shape.slice(axis));
  }

  /** A host copy of the data. */
  read(): HostArray {
    return this.backend.download(this.data);
  }

  readDiff(): HostArray {
    return this.backend.download(this.diff);
  }

  write(values: ArrayLike<number>): void {
    this.checkLength(values);
    this.backend.upload(this.data, values);
  }

  writeDiff(values: ArrayLike<number>): void {
    this.checkLength(values);
    this.backend.upload(this.diff, values);
  }

  zeroDiff(): void {
    this.backend.set(this.count, 0, this.diff);
  }

  toString(): string {
    return `${this.name}${shapeStr(this.shape)}`;
  }

  private checkLength(values: ArrayLike<number>): void {
    if (values.length !== this.count) {
      throw new ShapeError(`blob "${this.name}" ${shapeStr(this.shape)}: expected ${this.count} values, got ${values.length}`);
    }
  }
}
