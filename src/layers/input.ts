/**
 * Input: tops whose values the caller sets before each forward pass (Caffe's Input layer), the
 * entry point of a deploy net and of `net.predict`.
 *
 * Shapes: `shapes[k]` = [batchSize, ...sample_k] is what is fed to top k; top k is
 * [batchSize, ...out_k], where out_k = sample_k unless top k's transformers change it (a crop).
 *   feed(top_k, v)  stages T_k(v[b]) for every sample b < batchSize, T_k = top k's transformers
 *                   applied per sample in the test phase's deterministic way (centre crop, no
 *                   mirror), so that a deploy net sees what its validation net saw
 *   forward         top_k = the values staged last (zeros before the first feed); a feed stays
 *                   until the next one, so repeated forwards see the same batch
 *   backward        none (a data layer has no bottoms)
 * The staged values live on the backend; a feed uploads one batch, a forward copies it to the top.
 */
import type { Buf } from '../backend/backend.js';
import type { Blob, Shape } from '../core/blob.js';
import { countOf } from '../core/blob.js';
import type { ConfigReader } from '../core/config.js';
import { ConfigError, ShapeError, shapeStr } from '../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type Feeder, type LayerType } from '../core/layer.js';
import { TransformPipeline, parseTopTransformers, type TransformerSpec } from '../data/transformers.js';
import { where } from './shapes.js';

export interface InputConfig extends BaseConfig {
  /** One shape per top, in the order of `tops`: [batchSize, ...sample shape] of the values fed; required. */
  shapes: number[][];
  /**
   * Transformers per top (an empty list where none). Declared either as a list, applied to the
   * first top, or as an object { [top]: list }. Default: none.
   */
  transformers: TransformerSpec[][];
}

export class InputLayer extends Layer<InputConfig> implements Feeder {
  private staged: Buf[] = [];
  private pipelines: (TransformPipeline | null)[] = [];
  private outShapes: Shape[] = [];

  override get isData(): boolean {
    return true;
  }

  override get feeder(): Feeder {
    return this;
  }

  /** Samples per forward pass (the first axis of every shape). */
  get batchSize(): number {
    return this.config.shapes[0][0];
  }

  /** The tops, in order. */
  get topNames(): readonly string[] {
    return this.config.tops;
  }

  /** The shape of one sample as fed to `top` (before its transformers). */
  sampleShape(top: string): Shape {
    return this.config.shapes[this.topIndex(top)].slice(1);
  }

  /** Values of one sample as fed to `top`. */
  sampleSize(top: string): number {
    return countOf(this.sampleShape(top));
  }

  setup(): Shape[] {
    const c = this.config;
    this.pipelines = c.shapes.map((s, k) => (c.transformers[k].length ? new TransformPipeline(c.transformers[k], s.slice(1), this.ctx.phase, `${where(c)}, top "${c.tops[k]}" transformers`) : null));
    this.outShapes = c.shapes.map((s, k) => [s[0], ...(this.pipelines[k]?.outputShape ?? s.slice(1))]);
    this.staged = this.outShapes.map((s) => this.ctx.buffer(countOf(s)));
    return this.outShapes;
  }

  /**
   * Sets the next batch of `top`: `values` holds batchSize samples of the fed sample shape,
   * row-major. Throws a ShapeError when the count is wrong.
   */
  feed(top: string, values: ArrayLike<number>): void {
    const k = this.topIndex(top);
    const shape = this.config.shapes[k];
    if (values.length !== countOf(shape)) {
      throw new ShapeError(`${where(this.config)}: top "${top}" takes ${countOf(shape)} values (shape ${shapeStr(shape)}: ${shape[0]} samples of ${countOf(shape.slice(1))}), found ${values.length}`);
    }
    const pipeline = this.pipelines[k];
    if (!pipeline) {
      this.ctx.backend.upload(this.staged[k], values);
      return;
    }
    const inSize = countOf(shape.slice(1));
    const outSize = countOf(this.outShapes[k].slice(1));
    const src = values instanceof Float32Array ? values : Float32Array.from(values);
    const out = new Float32Array(shape[0] * outSize);
    for (let b = 0; b < shape[0]; b++) pipeline.apply(src, b * inSize, out, b * outSize);
    this.ctx.backend.upload(this.staged[k], out);
  }

  forward(_bottoms: Blob[], tops: Blob[]): void {
    tops.forEach((t, k) => this.ctx.backend.copy(t.count, this.staged[k], t.data));
  }

  private topIndex(top: string): number {
    const k = this.config.tops.indexOf(top);
    if (k < 0) throw new ConfigError(`${where(this.config)}: no top named "${top}"; tops are ${this.config.tops.map((t) => `"${t}"`).join(', ')}`);
    return k;
  }
}

function parseShapes(r: ConfigReader, base: BaseConfig): number[][] {
  const raw = r.raw.shapes;
  r.accept('shapes');
  const expected = `a list of ${base.tops.length} shape${base.tops.length > 1 ? 's' : ''} [batchSize, ...], one per top, with the same batchSize`;
  if (!Array.isArray(raw) || raw.length !== base.tops.length) r.fail('shapes', expected, raw);
  for (const s of raw) {
    if (!Array.isArray(s) || s.length < 1 || s.some((d) => !Number.isInteger(d) || d < 1)) r.fail('shapes', `${expected} (positive integers)`, raw);
  }
  const shapes = raw as number[][];
  if (shapes.some((s) => s[0] !== shapes[0][0])) r.fail('shapes', expected, raw);
  return shapes.map((s) => [...s]);
}

export const Input: LayerType<InputConfig> = {
  type: 'Input',
  parse(r, base) {
    expectBlobs(r, base, 0, [1, Infinity]);
    return { ...base, shapes: parseShapes(r, base), transformers: r.custom('transformers', (raw) => parseTopTransformers(raw, r.where, base.tops)) };
  },
  create: (c) => new InputLayer(c),
};
