/**
 * HDF5Data: serves batches from HDF5 files named in a source list, reading only the chunk being
 * served (a hyperslab of rows), never whole files.
 *
 * Shapes: each listed file holds one dataset per top, named as the top, of shape [N_f, ...S_k]
 * (the first axis is the sample axis; N_f may differ between files, S_k may not); top k is
 * [batchSize, ...S'_k], S'_k = S_k unless top k's transformers crop it.
 *   forward   top_k[b] = T_k(sample at position cursor + b of the epoch plan), where a batch
 *             running past the end of an epoch continues with the next one (wrap-around, as
 *             MemoryData); integer datasets become float values (labels)
 *   backward  none (a data layer has no bottoms)
 * The order is the epoch plan (epoch-plan.ts): files split into chunks of at most chunkSize rows;
 * with `shuffle`, chunk order and rows within chunks permuted. The layer draws from its own Random
 * stream, forked at setup from the net's by one nextUint32 draw, so other layers' draws never
 * change the data order. `epoch` counts completed passes and changes as soon as the last sample of
 * a pass has been served. getState/setState carry { epoch, cursor, stream } (the stream's state at
 * the start of the epoch), from which the plan is recomputed: a resumed run serves the same batches.
 * In a data-parallel run (the net's `shard`), each forward walks a global batch of size × batchSize
 * positions and serves this rank's batchSize of them (core/shard.ts), reading only the chunks that
 * hold them; the saved cursor is global.
 * Every listed file is validated at setup from its metadata (see hdf5-source.ts); files without
 * Cortado's seal are first gone through on a guard thread with a time limit (io/hdf5-guard.ts).
 */
import type { Blob, Shape } from '../../core/blob.js';
import { ConfigReader, type Raw } from '../../core/config.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../../core/layer.js';
import { Random } from '../../core/random.js';
import { ConfigError, layerRef } from '../../core/errors.js';
import { MAX_BLOB_COUNT } from '../../core/limits.js';
import { shardSkips } from '../../core/shard.js';
import { planEpoch, type EpochPlan, type PlanSettings } from '../../data/epoch-plan.js';
import { ChunkReader, SampleServer, buildPipelines, describeSource, type SourceDescription } from './hdf5-source.js';
import type { StoredRows } from '../io/hdf5-reader.js';
import { joinDrawNeeds, parseTopTransformers, type TransformPipeline, type TransformerSpec } from '../../data/transformers.js';

export interface HDF5DataConfig extends BaseConfig {
  /**
   * A text file listing the HDF5 files, one per line (blank lines and `#` comments ignored;
   * relative paths are relative to the list file's folder); required.
   */
  source: string;
  /** Samples per batch; required. */
  batchSize: number;
  /** Permute the chunk order and the rows within each chunk, anew every epoch (default false). */
  shuffle: boolean;
  /**
   * Most rows read at once (default 8192). Memory: chunkSize × the values of one sample × 4
   * bytes per top; shuffling mixes samples within a chunk, and chunks with each other.
   */
  chunkSize: number;
  /**
   * Transformers per top (an empty list where none). Declared either as a list, applied to the
   * first top, or as an object { [top]: list }, e.g. { data: [{ type: 'Scale', scale: 1 / 256 }] }.
   */
  transformers: TransformerSpec[][];
  /**
   * Read datasets whose values are stored outside their file: HDF5 external storage (raw files
   * the dataset names, anywhere on the machine) and virtual datasets (a missing source reads as
   * fill values). Default false: such a dataset is a DataError naming the file and dataset.
   */
  allowExternalStorage: boolean;
}

/** The stream state saved with the position: Random.getState()'s six numbers. */
type StreamState = number[];

export class HDF5DataLayer<C extends HDF5DataConfig = HDF5DataConfig> extends Layer<C> {
  protected source!: SourceDescription;
  protected pipelines: (TransformPipeline | null)[] = [];
  protected settings!: PlanSettings;
  protected stream = new Random(0);
  /** The stream's state when the current epoch's plan was drawn. */
  protected epochStart: StreamState = [];
  protected plan!: EpochPlan;
  protected epochs = 0;
  /** Position within the epoch of the next sample to serve. */
  protected cursor = 0;
  /** Where the global batch being served began (a data-parallel rank's reads are counted from it). */
  protected batchStart = { epoch: 0, cursor: 0 };
  /** The chunk being served: its index, its positions [start, end) in the epoch, its rows. */
  private current: { index: number; start: number; end: number; data: StoredRows[] } | undefined;
  private reader: ChunkReader | undefined;
  private server!: SampleServer;
  private staging: Float32Array[] = [];

  override get isData(): boolean {
    return true;
  }

  /** Completed passes over the data. */
  override get epoch(): number {
    return this.epochs;
  }

  /** Samples per epoch (all listed files). */
  get samples(): number {
    return this.plan.total;
  }

  setup(): Shape[] {
    const c = this.config;
    const where = layerRef(c.name, c.type);
    this.source = describeSource(c.source, c.tops, where, c.allowExternalStorage);
    this.pipelines = buildPipelines(c.transformers, this.source.sampleShapes, this.ctx.phase, where, c.tops);
    this.settings = { chunkSize: c.chunkSize, shuffle: c.shuffle, ...joinDrawNeeds(this.pipelines, where) };
    this.stream = new Random(this.ctx.rng.nextUint32());
    this.startEpoch(0, this.stream.getState());
    const outShapes = this.source.sampleShapes.map((s, k) => this.pipelines[k]?.outputShape ?? s);
    this.server = new SampleServer(this.source.sampleShapes, this.pipelines);
    checkBuffers(c, this.source, this.server.inSizes, this.server.outSizes);
    this.staging = this.server.outSizes.map((n) => new Float32Array(c.batchSize * n));
    return outShapes.map((s) => [c.batchSize, ...s]);
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    const { before, after } = shardSkips(this.ctx.shard, this.config.batchSize);
    this.batchStart = { epoch: this.epochs, cursor: this.cursor };
    this.advance(before);
    for (let b = 0; b < this.config.batchSize; b++) {
      let cur = this.current;
      if (!cur || this.cursor >= cur.end) {
        const index = this.plan.chunkAt(this.cursor);
        cur = this.current = { index, start: this.plan.offset(index), end: this.plan.offset(index + 1), data: this.loadChunk(index) };
      }
      this.server.serve(this.plan.chunk(cur.index), cur.data, this.cursor - cur.start, this.staging, b);
      if (++this.cursor === this.plan.total) this.nextEpoch();
    }
    this.advance(after);
    const backend = this.ctx.backend;
    tops.forEach((t, k) => {
      backend.upload(t.data, this.staging[k]);
      const scale = this.server.batchScale[k];
      if (scale !== undefined) backend.scal(this.staging[k].length, scale, t.data);
    });
  }

  /** The rows of chunk `index` of the current plan, per top, as stored (see ChunkReader.load). */
  protected loadChunk(index: number): StoredRows[] {
    this.reader ??= new ChunkReader(this.source.files);
    return this.reader.load(this.plan.chunk(index));
  }

  /** Plans epoch `epoch` from the stream state `state`. */
  protected startEpoch(epoch: number, state: StreamState): void {
    this.epochs = epoch;
    this.cursor = 0;
    this.epochStart = state;
    this.stream.setState(state);
    this.plan = planEpoch(this.source.files.map((f) => f.rows), this.settings, this.stream);
    this.current = undefined;
  }

  /** Skips `k` positions (other ranks' samples) without reading them, planning each new epoch on the way. */
  private advance(k: number): void {
    while (k > 0) {
      const step = Math.min(k, this.plan.total - this.cursor);
      this.cursor += step;
      k -= step;
      if (this.cursor === this.plan.total) this.nextEpoch();
    }
  }

  private nextEpoch(): void {
    this.startEpoch(this.epochs + 1, this.stream.getState());
  }

  override getState(): Record<string, unknown> {
    return { epoch: this.epochs, cursor: this.cursor, stream: [...this.epochStart] };
  }

  override setState(state: Record<string, unknown>): void {
    const r = new ConfigReader(state as Raw, `${layerRef(this.config.name, this.config.type)}, saved state`);
    const epoch = r.int('epoch', undefined, { min: 0, max: Number.MAX_SAFE_INTEGER });
    const cursor = r.int('cursor', undefined, { min: 0, max: Number.MAX_SAFE_INTEGER });
    const stream = r.numbers('stream');
    r.finish();
    if (stream.length !== 6) r.fail('stream', 'the 6 numbers of a Random state', stream);
    const total = this.source.files.reduce((n, f) => n + f.rows, 0);
    if (cursor >= total) r.fail('cursor', `below the ${total} samples of an epoch (the listed files changed?)`, cursor);
    this.startEpoch(epoch, stream);
    this.cursor = cursor;
  }

  /** Closes the open file. */
  override destroy(): void {
    this.reader?.close();
    this.reader = undefined;
    this.current = undefined;
  }
}

/**
 * Refuses, before anything is allocated, a batch or a chunk that one array cannot hold (at most
 * MAX_BLOB_COUNT values per top): batchSize × the values of a transformed sample, and the rows a
 * chunk reads (chunkSize, or the largest file when smaller) × the values of a stored sample.
 */
function checkBuffers(c: HDF5DataConfig, source: SourceDescription, inSizes: readonly number[], outSizes: readonly number[]): void {
  const where = layerRef(c.name, c.type);
  const rows = Math.min(c.chunkSize, source.files.reduce((m, f) => Math.max(m, f.rows), 0));
  c.tops.forEach((top, k) => {
    if (c.batchSize * outSizes[k] > MAX_BLOB_COUNT) {
      throw new ConfigError(`${where}: field "batchSize" must be at most ${Math.floor(MAX_BLOB_COUNT / outSizes[k])} for top "${top}" (${outSizes[k]} values per sample, at most ${MAX_BLOB_COUNT} per batch), found ${c.batchSize}`);
    }
    if (rows * inSizes[k] > MAX_BLOB_COUNT) {
      throw new ConfigError(`${where}: field "chunkSize" must be at most ${Math.floor(MAX_BLOB_COUNT / inSizes[k])} for top "${top}" (${inSizes[k]} values per sample, at most ${MAX_BLOB_COUNT} per chunk read), found ${c.chunkSize}`);
    }
  });
}

/** Reads the fields HDF5Data and AsyncHDF5Data share. */
export function parseHDF5DataFields(r: ConfigReader, base: BaseConfig): HDF5DataConfig {
  expectBlobs(r, base, 0, [1, Infinity]);
  return {
    ...base,
    source: r.string('source'),
    batchSize: r.int('batchSize', undefined, { min: 1 }),
    shuffle: r.bool('shuffle', false),
    chunkSize: r.int('chunkSize', 8192, { min: 1 }),
    transformers: r.custom('transformers', (raw) => parseTopTransformers(raw, r.where, base.tops)),
    allowExternalStorage: r.bool('allowExternalStorage', false),
  };
}

export const HDF5Data: LayerType<HDF5DataConfig> = {
  type: 'HDF5Data',
  parse: parseHDF5DataFields,
  create: (c) => new HDF5DataLayer(c),
};
