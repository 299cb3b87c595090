/**
 * Sharding a data layer's sample order across the ranks of a data-parallel run.
 *
 * Every rank computes the same epoch plans (same seed, same settings) and walks the same global
 * position through them; each forward covers one global batch of size × batchSize consecutive
 * positions, of which rank r serves [r·batchSize, (r+1)·batchSize) and skips the rest. So together
 * the ranks serve each sample once per epoch, exactly the samples one process with batch
 * size × batchSize would serve in that iteration, and the position saved with a snapshot (the
 * start of the next global batch) is the same on every rank and means the same for any number of
 * ranks. A batch running past the end of an epoch continues in the next, as in one process.
 */

/** Which rank this is, of how many (rank 0 of 1: not sharded). */
export interface Shard {
  readonly rank: number;
  readonly size: number;
}

export const NO_SHARD: Shard = { rank: 0, size: 1 };

/** Positions skipped before and after this rank's batch within one global batch. */
export function shardSkips(shard: Shard | undefined, batchSize: number): { before: number; after: number } {
  const s = shard ?? NO_SHARD;
  return { before: s.rank * batchSize, after: (s.size - 1 - s.rank) * batchSize };
}

/** Checks a shard given in options (rank and size integers, 0 <= rank < size). */
export function checkShard(shard: Shard, where: string): Shard {
  const { rank, size } = shard;
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(rank) || rank < 0 || rank >= size) {
    throw new RangeError(`${where}: shard must be { rank, size } with integers 0 <= rank < size, found { rank: ${rank}, size: ${size} }`);
  }
  return shard;
}

/**
 * Which of an epoch's chunks a rank reads (AsyncHDF5Data's reader thread asks, to read no chunk
 * that holds none of this rank's samples). Positions are counted from `phase`, the start of a
 * global batch, as (epoch, cursor); all arithmetic is modulo one global batch, so that positions
 * beyond 2^53 never appear.
 */
export class ShardFilter {
  private readonly span: number;
  private readonly lo: number;
  private readonly hi: number;
  private epoch: number;
  /** Position of the epoch's first sample relative to the phase, modulo span. */
  private base: number;

  constructor(shard: Shard, batchSize: number, readonly total: number, phase: { epoch: number; cursor: number }) {
    this.span = shard.size * batchSize;
    this.lo = shard.rank * batchSize;
    this.hi = this.lo + batchSize;
    this.epoch = phase.epoch;
    this.base = (this.span - (phase.cursor % this.span)) % this.span;
  }

  /** Whether positions [start, end) of epoch `epoch` (>= the phase's, never decreasing) hold one of this rank's. */
  needs(epoch: number, start: number, end: number): boolean {
    for (; this.epoch < epoch; this.epoch++) this.base = (this.base + (this.total % this.span)) % this.span;
    const len = end - start;
    if (len <= 0) return false;
    if (len >= this.span) return true;
    const a = (this.base + (start % this.span)) % this.span;
    return (a < this.hi && a + len > this.lo) || (a < this.hi + this.span && a + len > this.lo + this.span);
  }
}
