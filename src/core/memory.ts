/**
 * MemoryLedger: what a net allocates at setup, checked before each allocation against the size
 * limit of one blob (MAX_BLOB_COUNT elements) and against the net's memory budget (limits.ts).
 *
 * Counted: every top (data and diff, or the diff alone when it shares its bottom's data), every
 * parameter the net creates (data and diff), every scratch buffer a layer asks the net for. Not
 * counted: the update rule's history (allocated by the solver, one or two copies of the
 * parameters), a data layer's own store (MemoryData's arrays, an HDF5 chunk) and host copies.
 * Because each allocation is checked before it is made, a net over budget is refused having
 * allocated at most its budget, and the message names the largest allocations so far.
 */
import type { Shape } from './blob.js';
import { ConfigError, ShapeError, shapeStr } from './errors.js';
import { MAX_BLOB_COUNT, exactCount, formatBytes } from './limits.js';

interface Entry {
  what: string;
  shape: Shape;
  bytes: number;
}

export class MemoryLedger {
  private total = 0;
  private readonly entries: Entry[] = [];

  /**
   * `budget` in bytes (Infinity: no budget); `elementBytes` per value (4 for float32, 8 for
   * float64); `where` names the net in messages.
   */
  constructor(readonly budget: number, readonly elementBytes: number, readonly where: string) {
    if (typeof budget !== 'number' || Number.isNaN(budget) || budget <= 0) {
      throw new ConfigError(`${where}: option "memoryBudget" must be a positive number of bytes (or Infinity), found ${String(budget)}`);
    }
  }

  /** Bytes reserved so far. */
  get bytes(): number {
    return this.total;
  }

  /**
   * Checks and records `copies` arrays of `shape` for `what` (e.g. `top "conv1"`), asked for by
   * `owner` (e.g. `layer "conv1" (Convolution)`); returns the element count. Throws a ConfigError
   * naming both when one array is over MAX_BLOB_COUNT or the net would exceed its budget.
   */
  reserve(owner: string, what: string, shape: Shape, copies: number): number {
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ShapeError(`${owner}: ${what} has an invalid shape ${shapeStr(shape)}`);
    const count = exactCount(shape);
    if (count === null || count > MAX_BLOB_COUNT) {
      const n = count === null ? 'more than 2^53' : String(count);
      throw new ConfigError(`${owner}: ${what} ${shapeStr(shape)} would hold ${n} elements, above the limit of ${MAX_BLOB_COUNT} (2^31 - 1) per blob; lower the sizes that make it (numOutput, batchSize, the input's shape)`);
    }
    const bytes = count * this.elementBytes * copies;
    if (this.total + bytes > this.budget) {
      const largest = [...this.entries, { what, shape, bytes }].sort((a, b) => b.bytes - a.bytes).slice(0, 4);
      throw new ConfigError(
        `${this.where}: ${owner} needs ${formatBytes(bytes)} for ${what} ${shapeStr(shape)}, which brings the net to ${formatBytes(this.total + bytes)}, ` +
          `above its memory budget of ${formatBytes(this.budget)} (option "memoryBudget"; default 75% of the machine's memory); ` +
          `largest: ${largest.map((e) => `${e.what} ${shapeStr(e.shape)} ${formatBytes(e.bytes)}`).join(', ')}. ` +
          'Lower batchSize or the layer sizes, or raise memoryBudget.',
      );
    }
    this.total += bytes;
    this.entries.push({ what, shape: [...shape], bytes });
    return count;
  }
}
