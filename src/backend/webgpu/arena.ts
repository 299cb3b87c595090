/**
 * The WebGPU backend's memory: one storage buffer (the arena) that every Buf is a range of, so
 * that a kernel binds a single buffer whatever its operands are (WebGPU forbids binding one buffer
 * twice when a binding is writable, and views would otherwise need 256-byte aligned offsets).
 *
 * This class only does the bookkeeping, on the caller's thread: first-fit over a sorted free list,
 * ranges rounded up to ALIGN elements, neighbours merged on free. When a request does not fit, the
 * arena doubles (up to the device's limit) and the executor copies the old contents over.
 */
import { BackendError } from '../../core/errors.js';

/** Ranges start on 64-element (256-byte) boundaries. */
export const ALIGN = 64;

export class Arena {
  /** Free ranges [start, end), sorted and disjoint. */
  private free: Array<[number, number]>;

  constructor(public capacity: number, readonly maxElements: number) {
    this.free = [[0, capacity]];
  }

  /** The start of a new range of n elements; `grow(elements)` is called first when the arena must grow. */
  alloc(n: number, grow: (elements: number) => void): number {
    const size = Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);
    let at = this.fit(size);
    if (at < 0) {
      const last = this.free[this.free.length - 1];
      const tailFree = last && last[1] === this.capacity ? last[1] - last[0] : 0;
      let next = this.capacity;
      while (next - this.capacity + tailFree < size) next *= 2;
      next = Math.min(Math.max(next, this.capacity * 2), this.maxElements);
      if (next - this.capacity + tailFree < size) {
        throw new BackendError(`webgpu backend alloc: ${n} floats do not fit; the device allows ${this.maxElements} floats (${(this.maxElements * 4 / 2 ** 20).toFixed(0)} MiB) in one storage buffer and ${this.used()} are in use`);
      }
      grow(next);
      this.release(this.capacity, next - this.capacity);
      this.capacity = next;
      at = this.fit(size);
    }
    return at;
  }

  /** Returns the range of n elements at `start` (as allocated) to the free list. */
  release(start: number, n: number): void {
    const end = start + Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);
    let i = 0;
    while (i < this.free.length && this.free[i][0] < start) i++;
    this.free.splice(i, 0, [start, end]);
    if (i + 1 < this.free.length && this.free[i][1] === this.free[i + 1][0]) {
      this.free[i][1] = this.free[i + 1][1];
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1][1] === this.free[i][0]) {
      this.free[i - 1][1] = this.free[i][1];
      this.free.splice(i, 1);
    }
  }

  /** Elements currently allocated. */
  used(): number {
    return this.capacity - this.free.reduce((s, [a, b]) => s + b - a, 0);
  }

  private fit(size: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      if (r[1] - r[0] >= size) {
        const at = r[0];
        r[0] += size;
        if (r[0] === r[1]) this.free.splice(i, 1);
        return at;
      }
    }
    return -1;
  }
}
