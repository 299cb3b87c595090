/**
 * The sample order of one epoch of a file-backed data layer (HDF5Data, AsyncHDF5Data and its
 * worker all compute it, and must agree).
 *
 * Files split, in order, into chunks: contiguous ranges of at most `chunkSize` rows inside one
 * file. An epoch serves every chunk once:
 *   no shuffle  chunks in file-list order, rows in order;
 *   shuffle     the chunk order is a permutation over all files (so files are shuffled too), and
 *               the rows inside each chunk are permuted.
 * In the train phase a layer whose transformers crop or mirror also draws, per sample, cropY in
 * [0, cropRangeY), cropX in [0, cropRangeX), mirror with probability 1/2.
 *
 * Cost: planning takes O(files) time and memory, whatever the number of rows (10^12 rows plan as
 * fast as 10); a chunk's rows and draws are computed when the chunk is served, O(chunk). The
 * permutations are seeded bijections computed element by element (permutation.ts), and the draws
 * a hash of the sample's position in the epoch, both keyed by four 32-bit words drawn from the
 * stream: the plan is a pure function of (stream state at epoch start, counts, settings), and
 * after planning the stream holds the next epoch's start state (four draws later).
 * (Before this, plans were Fisher-Yates shuffles drawn from the stream and held per row; the
 * orders a seed gives changed with the switch, the guarantees did not.)
 */
import type { Random } from '../core/random.js';
import { MAX_PERMUTED, Permutation, mixIndex } from './permutation.js';

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

/** The most samples an epoch may hold (2^52, the permutations' domain). */
export const MAX_EPOCH_SAMPLES = MAX_PERMUTED;

/** One epoch's order, computed chunk by chunk on demand. */
export class EpochPlan {
  /** Samples in the epoch (the sum of the counts). */
  readonly total: number;
  /** Chunks in the epoch. */
  readonly chunkCount: number;
  private readonly firstChunk: number[];
  private readonly order: Permutation | null;
  /** Serving indices of the chunks shorter than chunkSize (one per file at most), ascending, and the rows they lack, summed. */
  private readonly shortAt: number[] = [];
  private readonly lackBefore: number[] = [0];
  private cached: { index: number; chunk: PlanChunk } | undefined;

  constructor(readonly counts: readonly number[], readonly settings: PlanSettings, private readonly key: Uint32Array) {
    const cs = settings.chunkSize;
    if (!Number.isSafeInteger(cs) || cs < 1) throw new RangeError(`planEpoch: chunkSize must be a positive integer, found ${cs}`);
    this.firstChunk = [0];
    let total = 0;
    for (const n of counts) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`planEpoch: row counts must be non-negative integers, found ${n}`);
      total += n;
      this.firstChunk.push(this.firstChunk[this.firstChunk.length - 1] + Math.ceil(n / cs));
    }
    if (total > MAX_EPOCH_SAMPLES) throw new RangeError(`planEpoch: ${total} samples in an epoch, above the limit of 2^52`);
    this.total = total;
    this.chunkCount = this.firstChunk[counts.length];
    this.order = settings.shuffle ? new Permutation(this.chunkCount, key[0], key[1]) : null;
    const shorts: [number, number][] = [];
    counts.forEach((n, f) => {
      if (n % cs === 0) return;
      const id = this.firstChunk[f + 1] - 1;
      shorts.push([this.order ? this.order.inverse(id) : id, cs - (n % cs)]);
    });
    shorts.sort((a, b) => a[0] - b[0]);
    for (const [at, lack] of shorts) {
      this.shortAt.push(at);
      this.lackBefore.push(this.lackBefore[this.lackBefore.length - 1] + lack);
    }
  }

  /** Position in the epoch of the first sample of chunk `index` (served index-th); offset(chunkCount) = total. */
  offset(index: number): number {
    // Shorter chunks served before `index`: the first shortAt entry >= index.
    let lo = 0;
    let hi = this.shortAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.shortAt[mid] < index) lo = mid + 1;
      else hi = mid;
    }
    return index * this.settings.chunkSize - this.lackBefore[lo];
  }

  /** The chunk holding position `cursor` of the epoch (0 <= cursor < total), by binary search. */
  chunkAt(cursor: number): number {
    let lo = 0;
    let hi = this.chunkCount - 1;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (this.offset(mid) <= cursor) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Where chunk `index` (in serving order) lies: its file, first row and row count; O(log files). */
  range(index: number): { file: number; start: number; count: number } {
    const id = this.order ? this.order.at(index) : index;
    const file = this.fileOf(id);
    const start = (id - this.firstChunk[file]) * this.settings.chunkSize;
    return { file, start, count: Math.min(this.settings.chunkSize, this.counts[file] - start) };
  }

  /** Chunk `index` in serving order, with its row order and draws, O(chunk) (the last one asked for is kept). */
  chunk(index: number): PlanChunk {
    if (this.cached?.index === index) return this.cached.chunk;
    const s = this.settings;
    const { file, start, count } = this.range(index);
    const id = this.firstChunk[file] + start / s.chunkSize;
    let rows: Int32Array | null = null;
    if (this.order) {
      const p = new Permutation(count, mixIndex(this.key[2], id), this.key[1]);
      rows = Int32Array.from({ length: count }, (_, k) => p.at(k));
    }
    const cropY = s.cropRangeY > 0 ? new Int32Array(count) : null;
    const cropX = s.cropRangeX > 0 ? new Int32Array(count) : null;
    const mirror = s.mirror ? new Uint8Array(count) : null;
    if (cropY || cropX || mirror) {
      const first = this.offset(index);
      for (let k = 0; k < count; k++) {
        const h = mixIndex(this.key[3], first + k);
        if (cropY) cropY[k] = Math.floor((mixIndex(h, 1) / 4294967296) * s.cropRangeY);
        if (cropX) cropX[k] = Math.floor((mixIndex(h, 2) / 4294967296) * s.cropRangeX);
        if (mirror) mirror[k] = mixIndex(h, 3) < 2147483648 ? 1 : 0;
      }
    }
    const chunk = { file, start, count, rows, cropY, cropX, mirror };
    this.cached = { index, chunk };
    return chunk;
  }

  /** The file of chunk `id` (in file order), by binary search over the files' first chunks. */
  private fileOf(id: number): number {
    let lo = 0;
    let hi = this.counts.length - 1;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (this.firstChunk[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    // Files without rows share their first chunk with the next file: skip them.
    while (this.counts[lo] === 0) lo++;
    return lo;
  }
}

/** Plans one epoch, drawing its four key words from `rng` (which then holds the next epoch's start). */
export function planEpoch(counts: readonly number[], s: PlanSettings, rng: Random): EpochPlan {
  const key = Uint32Array.from({ length: 4 }, () => rng.nextUint32());
  return new EpochPlan(counts, s, key);
}

/** The chunk holding position `cursor` of the epoch (0 <= cursor < total). */
export function chunkAt(plan: EpochPlan, cursor: number): number {
  return plan.chunkAt(cursor);
}

/** The sample order of a whole plan as (file, row) pairs, for tests and diagnostics (O(total)). */
export function planSamples(plan: EpochPlan): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < plan.chunkCount; i++) {
    const c = plan.chunk(i);
    for (let k = 0; k < c.count; k++) out.push([c.file, c.start + (c.rows ? c.rows[k] : k)]);
  }
  return out;
}
