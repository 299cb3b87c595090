/**
 * The sample order of one epoch of a file-backed data layer (HDF5Data, AsyncHDF5Data and its
 * worker all compute it, and must agree).
 *
 * Files split, in order, into chunks: contiguous ranges of at most `chunkSize` rows inside one
 * file. An epoch serves every chunk once:
 *   no shuffle  chunks in file-list order, rows in order;
 *   shuffle     the chunk order is a permutation over all files (so files are shuffled too), and
 *               the rows inside each chunk are permuted.
 * In the train phase a layer whose transformers crop or mirror also draws, per sample in serving
 * order, cropY ∈ [0, cropRangeY), cropX ∈ [0, cropRangeX), mirror with probability 1/2.
 * Draw order from the stream: the chunk permutation, then for each chunk in serving order its row
 * permutation and its samples' draws. The plan is a pure function of (stream state at epoch start,
 * counts, settings); after planning, the stream holds the next epoch's start state.
 */
import type { Random } from '../core/random.js';

export interface PlanSettings {
  /** Most rows per chunk (>= 1). */
  chunkSize: number;
  shuffle: boolean;
  /** Crop offset ranges (0: no crop draw) and whether to draw a mirror bit, per sample. */
  cropRangeY: number;
  cropRangeX: number;
  mirror: boolean;
}

/** A contiguous range of rows of one file, served in `rows` order. */
export interface PlanChunk {
  file: number;
  /** First row in the file, and the number of rows. */
  start: number;
  count: number;
  /** Serving order as offsets from `start` (a permutation of 0..count-1); null: in order. */
  rows: Int32Array | null;
  /** Per served sample (serving order): crop offsets and mirror bit; null when not drawn. */
  cropY: Int32Array | null;
  cropX: Int32Array | null;
  mirror: Uint8Array | null;
}

export interface EpochPlan {
  chunks: PlanChunk[];
  /** Samples in the epoch (the sum of the counts). */
  total: number;
  /** Position in the epoch of each chunk's first sample; offsets[chunks.length] = total. */
  offsets: number[];
}

/** Plans one epoch, drawing from `rng` (advanced past this epoch's draws). */
export function planEpoch(counts: readonly number[], s: PlanSettings, rng: Random): EpochPlan {
  const ranges: { file: number; start: number; count: number }[] = [];
  counts.forEach((n, file) => {
    for (let start = 0; start < n; start += s.chunkSize) ranges.push({ file, start, count: Math.min(s.chunkSize, n - start) });
  });
  const order = Int32Array.from(ranges, (_, i) => i);
  if (s.shuffle) rng.shuffle(order);
  const chunks: PlanChunk[] = [];
  const offsets = [0];
  for (const i of order) {
    const { file, start, count } = ranges[i];
    let rows: Int32Array | null = null;
    if (s.shuffle) {
      rows = Int32Array.from({ length: count }, (_, k) => k);
      rng.shuffle(rows);
    }
    const cropY = s.cropRangeY > 0 ? new Int32Array(count) : null;
    const cropX = s.cropRangeX > 0 ? new Int32Array(count) : null;
    const mirror = s.mirror ? new Uint8Array(count) : null;
    if (cropY || cropX || mirror) {
      for (let k = 0; k < count; k++) {
        if (cropY) cropY[k] = rng.int(s.cropRangeY);
        if (cropX) cropX[k] = rng.int(s.cropRangeX);
        if (mirror) mirror[k] = rng.uniform() < 0.5 ? 1 : 0;
      }
    }
    chunks.push({ file, start, count, rows, cropY, cropX, mirror });
    offsets.push(offsets[offsets.length - 1] + count);
  }
  return { chunks, total: offsets[offsets.length - 1], offsets };
}

/** The chunk holding position `cursor` of the epoch (0 <= cursor < total), by binary search. */
export function chunkAt(plan: EpochPlan, cursor: number): number {
  let lo = 0;
  let hi = plan.chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.offsets[mid] <= cursor) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The sample order of a whole plan as (file, row) pairs, for tests and diagnostics. */
export function planSamples(plan: EpochPlan): [number, number][] {
  const out: [number, number][] = [];
  for (const c of plan.chunks) for (let k = 0; k < c.count; k++) out.push([c.file, c.start + (c.rows ? c.rows[k] : k)]);
  return out;
}
