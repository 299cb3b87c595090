/** A CUDA buffer: `length` float32 elements at device address `ptr`. Node-free, so tests can use it. */
import type { Buf } from '../../../backend/backend.js';
import { BackendError } from '../../../core/errors.js';

export class CudaBuf implements Buf {
  /** Set once `free` released the memory (roots only). */
  freed = false;

  /** `root` is the allocation a view points into, null for an allocation itself. */
  constructor(readonly length: number, readonly ptr: number, readonly root: CudaBuf | null) {}

  get byteOffset(): number {
    return this.root ? this.ptr - this.root.ptr : 0;
  }
}

/** The buffer as a CudaBuf, holding at least `n` elements; `what` names it in the error. */
export function cudaBuf(b: Buf, n: number, what: string): CudaBuf {
  if (!(b instanceof CudaBuf)) {
    const kind = (b as object)?.constructor?.name ?? typeof b;
    throw new BackendError(`CUDA backend, ${what}: expected a buffer made by the CUDA backend (alloc or view), found a ${kind}`);
  }
  if (b.length < n) {
    throw new BackendError(`CUDA backend, ${what}: the buffer holds ${b.length} elements, ${n} are needed`);
  }
  if (b.freed || b.root?.freed) throw new BackendError(`CUDA backend, ${what}: the buffer was freed`);
  return b;
}

/** Bytes each 16-bit operand's region in scratch memory starts on (cuBLAS and cuDNN like 256). */
const HALF_ALIGN = 256;

/** Bytes of n 16-bit elements, rounded up to HALF_ALIGN: the stride between regions of 16-bit scratch (mixed precision). */
export function halfBytes(n: number): number {
  return Math.ceil((n * 2) / HALF_ALIGN) * HALF_ALIGN;
}
