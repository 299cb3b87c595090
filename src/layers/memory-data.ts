/**
 * MemoryData: serves batches from arrays held in memory, one array per top (e.g. data and label).
 *
 * Shapes: entry k holds N samples, `values` of shape [N, ...rest_k] (the same N for every entry);
 * top k is [batchSize, ...rest_k].
 *   forward   top_k[b] = scale_k × entry_k[order[(cursor + b) mod N]] for b < batchSize, where a
 *             batch running past the end continues with the next epoch (wrap-around)
 *   backward  none (a data layer has no bottoms)
 * The arrays are handed to the backend once, at setup (a CPU backend uses them in place, a device
 * backend copies them to the device), and each batch is a row gather there: only the batch's
 * sample numbers travel per iteration.
 * With `shuffle`, `order` is a permutation drawn from the run's random source at setup and again
 * whenever an epoch completes; otherwise it is 0..N-1. `epoch` counts completed passes and
 * changes as soon as the last sample of a pass has been served. getState/setState carry cursor,
 * epoch and order, so a resumed run (with the random source restored) serves the same batches.
 * In a data-parallel run (the net's `shard`), each forward walks a global batch of size × batchSize
 * positions and serves this rank's batchSize of them (core/shard.ts); the saved cursor is global.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import { ConfigReader, type Raw } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { MAX_BLOB_COUNT } from '../core/limits.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';
import { where } from './shapes.js';
import { shardSkips } from '../core/shard.js';

/** One array of samples. */
export interface MemoryDataEntry {
  /** Row-major values, shape[0] samples of countOf(shape.slice(1)) values each (typically a Float32Array). */
  values: ArrayLike<number>;
  /** [N, ...sample shape]; required. */
  shape: number[];
  /** Multiplies every value of this entry when batched (default 1; e.g. 1/255 for bytes). */
  scale: number;
}

export interface MemoryDataConfig extends BaseConfig {
  /** Samples per batch; required. */
  batchSize: number;
  /** One entry per top, in the order of `tops`; required. */
  data: MemoryDataEntry[];
  /** Reshuffle the sample order at the start of every epoch (default false). */
  shuffle: boolean;
}

export class MemoryDataLayer extends Layer<MemoryDataConfig> {
  private n = 0;
  private cursor = 0;
  private epochs = 0;
  private order = new Int32Array(0);
  /** The entries on the backend, and the sample numbers of the current batch. */
  private sources: Buf[] = [];
  private batchIndex = new Float32Array(0);
  private indexBuf!: Buf;

  override get isData(): boolean {
    return true;
  }

  /** Completed passes over the data. */
  override get epoch(): number {
    return this.epochs;
  }

  setup(): Shape[] {
    const c = this.config;
    this.n = c.data[0].shape[0];
    this.order = Int32Array.from({ length: this.n }, (_, i) => i);
    if (c.shuffle) this.ctx.rng.shuffle(this.order);
    const b = this.ctx.backend;
    this.sources = c.data.map((e) => b.fromHost(e.values));
    this.batchIndex = new Float32Array(c.batchSize);
    this.indexBuf = this.ctx.buffer(c.batchSize);
    return c.data.map((e) => [c.batchSize, ...e.shape.slice(1)]);
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    const c = this.config;
    const backend = this.ctx.backend;
    const { before, after } = shardSkips(this.ctx.shard, c.batchSize);
    this.advance(before);
    for (let b = 0; b < c.batchSize; b++) {
      this.batchIndex[b] = this.order[this.cursor];
      if (++this.cursor === this.n) this.nextEpoch();
    }
    this.advance(after);
    backend.upload(this.indexBuf, this.batchIndex);
    c.data.forEach((e, k) => backend.gather(c.batchSize, countOf(e.shape.slice(1)), this.sources[k], this.indexBuf, e.scale, tops[k].data));
  }

  /** Skips `k` positions (other ranks' samples), reshuffling at each epoch end as serving would. */
  private advance(k: number): void {
    while (k > 0) {
      const step = Math.min(k, this.n - this.cursor);
      this.cursor += step;
      k -= step;
      if (this.cursor === this.n) this.nextEpoch();
    }
  }

  private nextEpoch(): void {
    this.cursor = 0;
    this.epochs++;
    if (this.config.shuffle) this.ctx.rng.shuffle(this.order);
  }

  override getState(): Record<string, unknown> {
    return { cursor: this.cursor, epoch: this.epochs, order: Array.from(this.order) };
  }

  override setState(state: Record<string, unknown>): void {
    const r = new ConfigReader(state as Raw, `${where(this.config)}, saved state`);
    const cursor = r.int('cursor', undefined, { min: 0, max: this.n - 1 });
    const epoch = r.int('epoch', undefined, { min: 0 });
    const order = r.numbers('order');
    r.finish();
    const seen = new Uint8Array(this.n);
    for (const i of order) if (Number.isInteger(i) && i >= 0 && i < this.n) seen[i] = 1;
    if (order.length !== this.n || seen.some((s) => s === 0)) {
      throw new ConfigError(`${r.where}: field "order" must be a permutation of 0..${this.n - 1} (${this.n} samples), found ${order.length} values that are not`);
    }
    this.cursor = cursor;
    this.epochs = epoch;
    this.order = Int32Array.from(order);
  }
}

function parseEntry(raw: unknown, where: string): MemoryDataEntry {
  const r: ConfigReader = new ConfigReader(raw as Raw, where);
  const values = r.raw.values as ArrayLike<number>;
  r.accept('values');
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    r.fail('values', 'an array of numbers (a Float32Array typically)', values);
  }
  const shape = r.numbers('shape', undefined, { min: 0 });
  if (shape.length < 1 || shape[0] < 1 || shape.some((d) => !Number.isInteger(d))) {
    r.fail('shape', 'a list of integers [N, ...] with N >= 1 samples', shape);
  }
  if (values.length !== countOf(shape)) {
    r.fail('values', `${countOf(shape)} numbers to fill shape [${shape.join(', ')}]`, `${values.length} numbers`);
  }
  const scale = r.number('scale', 1);
  r.finish();
  return { values, shape, scale };
}

export const MemoryData: LayerType<MemoryDataConfig> = {
  type: 'MemoryData',
  parse(r, base) {
    expectBlobs(r, base, 0, [1, Infinity]);
    const batchSize = r.int('batchSize', undefined, { min: 1 });
    const raw = r.raw.data as unknown[];
    r.accept('data');
    if (!Array.isArray(raw) || raw.length !== base.tops.length) {
      r.fail('data', `a list of ${base.tops.length} entries { values, shape }, one per top`, raw === undefined ? raw : `${Array.isArray(raw) ? raw.length : 'not a list of'} entries`);
    }
    const data = raw.map((e, k) => parseEntry(e, `${r.where}, data[${k}] (top "${base.tops[k]}")`));
    const n = data[0].shape[0];
    if (n > 2 ** 24) r.fail('data', 'at most 2^24 samples (sample numbers travel as float32)', `${n} samples`);
    data.forEach((e, k) => {
      if (e.shape[0] !== n) {
        throw new ConfigError(`${r.where}: every entry of "data" must hold the same number of samples; data[0] has ${n}, data[${k}] (top "${base.tops[k]}") has ${e.shape[0]}`);
      }
      const perSample = countOf(e.shape.slice(1));
      if (batchSize * perSample > MAX_BLOB_COUNT) {
        r.fail('batchSize', `at most ${Math.floor(MAX_BLOB_COUNT / perSample)} for top "${base.tops[k]}" (${perSample} values per sample, at most ${MAX_BLOB_COUNT} per batch)`, batchSize);
      }
    });
    return { ...base, batchSize, data, shuffle: r.bool('shuffle', false) };
  },
  create: (c) => new MemoryDataLayer(c),
};
