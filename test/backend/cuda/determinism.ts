/**
 * Helpers for the checks that a device gives the same bits whatever order its blocks run in: the
 * emulated device's block order (CORTADO_EMU_BLOCK_ORDER), and sums whose bits depend on it where
 * a device adds with atomics (emulated.test.ts, emulated-deterministic.test.ts).
 */
import type { CudaBackend } from '../../../src/node/backend/cuda/cuda-backend.js';

/**
 * On the emulated device: `fn`'s result with the blocks of every launch run in the given order
 * (CORTADO_EMU_BLOCK_ORDER, read by the emulated driver at each launch).
 */
export function inBlockOrder<T>(order: 'forward' | 'reverse', fn: () => T): T {
  const before = process.env.CORTADO_EMU_BLOCK_ORDER;
  process.env.CORTADO_EMU_BLOCK_ORDER = order;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.CORTADO_EMU_BLOCK_ORDER;
    else process.env.CORTADO_EMU_BLOCK_ORDER = before;
  }
}

/**
 * Sums whose bits depend on the order of their terms when a device adds with atomics: scatterAdd
 * of 300 rows onto 3 and the bias gradient of [64, 3, 500] (several blocks per channel). Returns a
 * function that computes them afresh: the scatterAdd results, then the bias gradient.
 */
export function orderSensitiveSums(b: CudaBackend): () => number[] {
  const rows = 300, rowSize = 7;
  const src = b.fromHost(Array.from({ length: rows * rowSize }, (_, i) => Math.sin(i) * 1e3));
  const index = b.fromHost(Array.from({ length: rows }, (_, r) => r % 3));
  const dy = b.fromHost(Array.from({ length: 64 * 3 * 500 }, (_, i) => Math.cos(i) * (1 + (i % 7))));
  return () => {
    const dst = b.fromHost(new Array(3 * rowSize).fill(0));
    b.scatterAdd(rows, rowSize, src, index, 0.5, dst);
    const db = b.fromHost([0, 0, 0]);
    b.biasBackward(64, 3, 500, dy, db);
    const out = [...b.download(dst), ...b.download(db)];
    b.free(dst);
    b.free(db);
    return out;
  };
}
