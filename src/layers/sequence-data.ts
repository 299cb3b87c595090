/**
 * SequenceData: cuts one long token stream into [T, N] windows for a recurrent net, with Caffe's
 * continuation markers, N parallel streams each continuing across batches.
 *
 * Shapes: tops data [T, N], cont [T, N], label [T, N] (T = timeSteps, N = streams).
 * The L tokens are split into N contiguous segments of S = floor((L - 1) / N) tokens; stream n
 * reads segment n. Batch k (position p = k T within a segment) holds
 *   data[t, n]  = tokens[n S + p + t]
 *   label[t, n] = tokens[n S + p + t + 1]          (the next token: a language model's target)
 *   cont[t, n]  = 0 where p + t = 0 (a stream starts), else 1
 * so the recurrent layer's state flows from one batch into the next. A window that would run past
 * its segment starts the next epoch at p = 0 (cont 0 again); floor(S / T) windows make an epoch.
 * The tokens go to the backend once; each batch is a row gather of T N positions.
 * getState/setState carry the position and the epoch, for exact resume.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { ConfigReader, type Raw } from '../core/config.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../core/layer.js';

export interface SequenceDataConfig extends BaseConfig {
  /** The token stream, integer ids stored as numbers (a Float32Array typically); required. */
  tokens: ArrayLike<number>;
  /** Steps per window, T; required. */
  timeSteps: number;
  /** Parallel streams per batch, N; required. */
  streams: number;
}

export class SequenceDataLayer extends Layer<SequenceDataConfig> {
  private segment = 0;
  private position = 0;
  private epochs = 0;
  private source!: Buf;
  private index = new Float32Array(0);
  private cont = new Float32Array(0);
  private indexBuf!: Buf;

  override get isData(): boolean {
    return true;
  }

  /** Completed passes over the stream. */
  override get epoch(): number {
    return this.epochs;
  }

  setup(): Shape[] {
    const { tokens, timeSteps: T, streams: N } = this.config;
    this.segment = Math.floor((tokens.length - 1) / N);
    this.source = this.ctx.backend.fromHost(tokens);
    this.index = new Float32Array(T * N);
    this.cont = new Float32Array(T * N);
    this.indexBuf = this.ctx.buffer(T * N);
    return [[T, N], [T, N], [T, N]];
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    const { timeSteps: T, streams: N } = this.config;
    const b = this.ctx.backend;
    if (this.position + T > this.segment) {
      this.position = 0;
      this.epochs++;
    }
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        this.index[t * N + n] = n * this.segment + this.position + t;
        this.cont[t * N + n] = this.position + t === 0 ? 0 : 1;
      }
    }
    b.upload(this.indexBuf, this.index);
    b.gather(T * N, 1, this.source, this.indexBuf, 1, tops[0].data);
    b.upload(tops[1].data, this.cont);
    for (let k = 0; k < T * N; k++) this.index[k] += 1;
    b.upload(this.indexBuf, this.index);
    b.gather(T * N, 1, this.source, this.indexBuf, 1, tops[2].data);
    this.position += T;
  }

  override getState(): Record<string, unknown> {
    return { position: this.position, epoch: this.epochs };
  }

  override setState(state: Record<string, unknown>): void {
    const r = new ConfigReader(state as Raw, `layer "${this.name}" (SequenceData), saved state`);
    this.position = r.int('position', undefined, { min: 0, max: this.segment });
    this.epochs = r.int('epoch', undefined, { min: 0 });
    r.finish();
  }
}

export const SequenceData: LayerType<SequenceDataConfig> = {
  type: 'SequenceData',
  parse(r, base) {
    expectBlobs(r, base, 0, 3);
    const tokens = r.raw.tokens as ArrayLike<number>;
    r.accept('tokens');
    if (tokens === null || typeof tokens !== 'object' || typeof tokens.length !== 'number') {
      r.fail('tokens', 'an array of token ids (a Float32Array typically)', tokens);
    }
    if (tokens.length > 2 ** 24) r.fail('tokens', 'at most 2^24 tokens (positions travel as float32)', `${tokens.length} tokens`);
    const timeSteps = r.int('timeSteps', undefined, { min: 1 });
    const streams = r.int('streams', undefined, { min: 1 });
    if (Math.floor((tokens.length - 1) / streams) < timeSteps) {
      r.fail('tokens', `at least streams × timeSteps + 1 = ${streams * timeSteps + 1} tokens (each stream needs one window and its next token)`, `${tokens.length} tokens`);
    }
    return { ...base, tokens, timeSteps, streams };
  },
  create: (c) => new SequenceDataLayer(c),
};
