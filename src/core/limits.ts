/**
 * Size limits and the memory budget (docs/data-and-persistence.md, "Limits and the memory budget").
 *
 * - Every integer a definition gives (sizes, counts, axes, kernel, stride, pad...) lies in
 *   [-MAX_INT32, MAX_INT32] unless its reader says otherwise: the native and CUDA kernels index
 *   with 32-bit integers, and a larger value is a typo, never a setting.
 * - A blob, parameter or scratch buffer holds at most MAX_BLOB_COUNT elements, its element count
 *   computed exactly (every partial product a safe integer).
 * - A net refuses to allocate more than its memory budget (NetOptions.memoryBudget, in bytes); the
 *   default is 75% of the machine's memory where the host says (Node), 2 GiB elsewhere (browsers).
 *   Browser-safe: the machine's memory is read through a guarded global, never an import.
 */

/** 2^31 - 1: the largest integer a definition field takes by default, and 32-bit indexing's limit. */
export const MAX_INT32 = 2147483647;

/** The most elements one blob or buffer may hold (2^31 - 1). */
export const MAX_BLOB_COUNT = MAX_INT32;

/** The default memory budget where the machine's memory is unknown (2 GiB). */
export const FALLBACK_MEMORY_BUDGET = 2 * 1024 ** 3;

/** Share of the machine's memory a net may allocate by default. */
export const MEMORY_SHARE = 0.75;

/**
 * The product of `dims`, or null when it is not exact (a partial product beyond 2^53 - 1) or a
 * dimension is not a non-negative integer.
 */
export function exactCount(dims: readonly number[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

/** 75% of the machine's memory (os.totalmem() through Node's getBuiltinModule), else 2 GiB. */
export function defaultMemoryBudget(): number {
  type Os = { totalmem?: () => number };
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const total = (proc?.getBuiltinModule?.('node:os') as Os | undefined)?.totalmem?.();
    if (typeof total === 'number' && total > 0) return Math.floor(MEMORY_SHARE * total);
  } catch {
    // not Node, or a host without the os module
  }
  return FALLBACK_MEMORY_BUDGET;
}

/** Bytes as people read them: 512 B, 3.1 MB, 48.0 GB (powers of 1024). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(1)} ${units[u]}`;
}
