/**
 * Data transformers: per-sample preprocessing applied by data layers (HDF5Data, AsyncHDF5Data,
 * Input), in the order they are listed. A sample of shape S is seen as [C, H, W]: H and W are the
 * last two axes and C the product of the others (C = 1 for a 2-d sample); a 1-d sample [D] is
 * [D, 1, 1] (each value its own channel) and a scalar [1, 1, 1].
 *
 *   SubMean      x[c, y, x] -= mean[c]                 (mean: one value per channel), or
 *                x[c, y, x] -= M[c, y, x]              (meanFile: dataset "mean" of an HDF5 file,
 *                                                       the shape of the sample at that point, or
 *                                                       that with a leading 1 as Caffe's [1, C, H, W])
 *   Scale        x *= scale
 *   RandomCrop   out[c, y, x] = x[c, y + oy, x + ox], out is [C, height, width]; in the train
 *                phase (oy, ox) comes from the layer's epoch plan, uniform in
 *                [0, H - height] × [0, W - width]; in the test phase (or with no draw) it is the
 *                centre, (floor((H - height) / 2), floor((W - width) / 2)) as in Caffe
 *   RandomMirror out[c, y, x] = x[c, y, W - 1 - x] when the plan's draw says so (probability 1/2,
 *                train phase only); otherwise the identity
 *
 * Browser-safe: a meanFile is read through a loader that Node code registers (setMeanLoader).
 */
import { countOf } from '../core/blob.js';
import { ConfigReader, describe, type Raw } from '../core/config.js';
import { ConfigError, ShapeError, shapeStr } from '../core/errors.js';
import type { Phase } from '../core/layer.js';

export type TransformerSpec =
  | { type: 'SubMean'; mean: number[] }
  | { type: 'SubMean'; meanFile: string }
  | { type: 'Scale'; scale: number }
  | { type: 'RandomCrop'; height: number; width: number }
  | { type: 'RandomMirror' };

export const TRANSFORMER_TYPES = ['SubMean', 'Scale', 'RandomCrop', 'RandomMirror'] as const;

/** Random choices for one sample, drawn by the epoch plan (train phase). */
export interface SampleDraw {
  cropY: number;
  cropX: number;
  mirror: boolean;
}

/** A mean blob: row-major `values` of `shape`. */
export interface MeanBlob {
  shape: number[];
  values: Float32Array;
}

/** Reads the dataset "mean" of an HDF5 file; `where` names the transformer for messages. */
export type MeanLoader = (file: string, where: string) => MeanBlob;

let meanLoader: MeanLoader | undefined;

/** Registers how a SubMean `meanFile` is read (Cortado's Node entry does this). */
export function setMeanLoader(fn: MeanLoader | undefined): void {
  meanLoader = fn;
}

/** Reads a `transformers` list; `where` prefixes messages, e.g. `layer "data" (HDF5Data), field "transformers"`. */
export function parseTransformers(raw: unknown, where: string): TransformerSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`${where}: expected a list of transformers such as [{ type: 'Scale', scale: 0.00390625 }], found ${describe(raw)}`);
  return raw.map((t, i) => parseOne(t, `${where}[${i}]`));
}

function parseOne(raw: unknown, where: string): TransformerSpec {
  const r = new ConfigReader(raw as Raw, where);
  const type = r.string('type');
  let spec: TransformerSpec;
  switch (type) {
    case 'SubMean':
      if (r.has('mean') === r.has('meanFile')) r.fail('mean', 'given, or "meanFile" given, but not both', r.raw.mean);
      spec = r.has('mean') ? { type, mean: r.numbers('mean') } : { type, meanFile: r.string('meanFile') };
      if ('mean' in spec && spec.mean.length === 0) r.fail('mean', 'a non-empty list (one value per channel)', spec.mean);
      break;
    case 'Scale':
      spec = { type, scale: r.number('scale') };
      break;
    case 'RandomCrop':
      spec = { type, height: r.int('height', undefined, { min: 1 }), width: r.int('width', undefined, { min: 1 }) };
      break;
    case 'RandomMirror':
      spec = { type };
      break;
    default:
      throw new ConfigError(`${where}: unknown transformer type "${type}"; known types: ${TRANSFORMER_TYPES.join(', ')}`);
  }
  r.finish();
  return spec;
}

/** [C, H, W] of a sample shape (see the module comment). */
export function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  if (shape.length === 1) return [shape[0], 1, 1];
  const n = shape.length;
  return [countOf(shape.slice(0, n - 2)), shape[n - 2], shape[n - 1]];
}

type Step =
  | { kind: 'sub'; perChannel: boolean; mean: Float32Array }
  | { kind: 'scale'; scale: number }
  | { kind: 'crop'; h: number; w: number }
  | { kind: 'mirror' };

/**
 * The transformers of one top, for samples of `sampleShape` (without the batch axis). `apply`
 * transforms one sample; `outputShape` is the transformed sample's shape. Mean files are read
 * once, here.
 */
export class TransformPipeline {
  readonly outputShape: number[];
  /** Sizes of the random draws the train phase needs: crop offset ranges (0 when no crop) and mirror. */
  readonly drawNeeds: { cropRangeY: number; cropRangeX: number; mirror: boolean };
  private readonly steps: Step[] = [];
  private readonly dims: [number, number, number][] = [];
  private readonly bufA: Float32Array;
  private readonly bufB: Float32Array;
  /** One fused loop for the common pipelines (a mean and/or a scale, nothing moving values); same results as the steps. */
  private readonly fused: ((src: ArrayLike<number>, so: number, dst: Float32Array | Float64Array, d: number) => void) | undefined;

  constructor(readonly specs: readonly TransformerSpec[], readonly sampleShape: readonly number[], readonly phase: Phase, where = 'transformers') {
    let shape = [...sampleShape];
    let cropRangeY = 0;
    let cropRangeX = 0;
    let mirror = false;
    specs.forEach((s, i) => {
      const at = `${where}[${i}] (${s.type})`;
      const [C, H, W] = chw(shape);
      this.dims.push([C, H, W]);
      if (s.type === 'SubMean') {
        if ('mean' in s) {
          if (s.mean.length !== C) throw new ShapeError(`${at}: "mean" must have one value per channel, ${C} for samples of shape ${shapeStr(shape)}, found ${s.mean.length}`);
          this.steps.push({ kind: 'sub', perChannel: true, mean: Float32Array.from(s.mean) });
        } else {
          if (!meanLoader) throw new ConfigError(`${at}: "meanFile" needs Cortado's Node entry (import "cortado") to read ${JSON.stringify(s.meanFile)}; in a browser give "mean" as per-channel values`);
          const m = meanLoader(s.meanFile, at);
          const fits = shapeStr(m.shape) === shapeStr(shape) || shapeStr(m.shape) === shapeStr([1, ...shape]);
          if (!fits) throw new ShapeError(`${at}: the mean in ${JSON.stringify(s.meanFile)} has shape ${shapeStr(m.shape)}, but samples here have shape ${shapeStr(shape)}`);
          this.steps.push({ kind: 'sub', perChannel: false, mean: m.values });
        }
      } else if (s.type === 'Scale') {
        this.steps.push({ kind: 'scale', scale: s.scale });
      } else if (s.type === 'RandomCrop') {
        if (shape.length < 2) throw new ShapeError(`${at}: crops the last two axes, but samples here have shape ${shapeStr(shape)}`);
        if (s.height > H || s.width > W) throw new ShapeError(`${at}: crop ${s.height}×${s.width} is larger than the sample's ${H}×${W} (shape ${shapeStr(shape)})`);
        if (cropRangeY) throw new ConfigError(`${at}: only one RandomCrop per top`);
        cropRangeY = H - s.height + 1;
        cropRangeX = W - s.width + 1;
        this.steps.push({ kind: 'crop', h: s.height, w: s.width });
        shape = [...shape.slice(0, -2), s.height, s.width];
      } else {
        mirror = true;
        this.steps.push({ kind: 'mirror' });
      }
    });
    this.outputShape = shape;
    this.drawNeeds = phase === 'train' ? { cropRangeY, cropRangeX, mirror } : { cropRangeY: 0, cropRangeX: 0, mirror: false };
    const n = countOf(sampleShape);
    this.bufA = new Float32Array(n);
    this.bufB = new Float32Array(n);
    this.fused = fuse(this.steps, n, this.dims[0]);
  }

  /**
   * The factor when the pipeline is a single Scale (the usual 1/256 for bytes), which a data layer
   * may apply to a whole batch on the backend instead (x × scale rounded to float32: identical
   * wherever the scale is a float32 value, as 1/256 is); undefined otherwise.
   */
  get scaleOnly(): number | undefined {
    const [only] = this.steps;
    return this.steps.length === 1 && only.kind === 'scale' ? only.scale : undefined;
  }

  /** Values in one input sample. */
  get inputSize(): number {
    return countOf(this.sampleShape);
  }

  /** Values in one output sample. */
  get outputSize(): number {
    return countOf(this.outputShape);
  }

  /**
   * Transforms the sample at `src[srcOffset ..]` into `dst[dstOffset ..]`. `draw` holds the
   * plan's crop offset and mirror choice; without one the result is deterministic (centre crop,
   * no mirror), which is the test phase's behaviour.
   */
  apply(src: ArrayLike<number>, srcOffset: number, dst: Float32Array | Float64Array, dstOffset: number, draw?: SampleDraw): void {
    if (this.fused) return this.fused(src, srcOffset, dst, dstOffset);
    let cur = this.bufA;
    let other = this.bufB;
    let n = this.inputSize;
    for (let i = 0; i < n; i++) cur[i] = src[srcOffset + i];
    this.steps.forEach((step, k) => {
      const [C, H, W] = this.dims[k];
      switch (step.kind) {
        case 'sub': {
          const plane = H * W;
          if (step.perChannel) {
            for (let c = 0; c < C; c++) for (let j = c * plane, m = step.mean[c], e = j + plane; j < e; j++) cur[j] -= m;
          } else {
            for (let j = 0; j < n; j++) cur[j] -= step.mean[j];
          }
          break;
        }
        case 'scale':
          for (let j = 0; j < n; j++) cur[j] *= step.scale;
          break;
        case 'crop': {
          const oy = draw ? draw.cropY : (H - step.h) >> 1;
          const ox = draw ? draw.cropX : (W - step.w) >> 1;
          if (oy < 0 || ox < 0 || oy + step.h > H || ox + step.w > W) throw new ShapeError(`RandomCrop: offset (${oy}, ${ox}) does not fit a ${step.h}×${step.w} crop in ${H}×${W}`);
          let o = 0;
          for (let c = 0; c < C; c++) {
            for (let y = 0; y < step.h; y++) {
              const row = (c * H + y + oy) * W + ox;
              for (let x = 0; x < step.w; x++) other[o++] = cur[row + x];
            }
          }
          n = o;
          [cur, other] = [other, cur];
          break;
        }
        case 'mirror':
          if (draw?.mirror) {
            for (let r = 0; r < C * H; r++) {
              for (let a = r * W, b = a + W - 1; a < b; a++, b--) {
                const t = cur[a];
                cur[a] = cur[b];
                cur[b] = t;
              }
            }
          }
          break;
      }
    });
    for (let i = 0; i < n; i++) dst[dstOffset + i] = cur[i];
  }
}

/**
 * The pipelines data layers use most, as single loops: Scale, SubMean, SubMean then Scale, Scale
 * then SubMean. Each value goes through the same float32 operations in the same order as the
 * step-by-step path (the sums are rounded to float32 where the steps store them), so results are
 * identical; about ten times faster, which keeps reading off a training loop's critical path.
 */
function fuse(steps: Step[], n: number, dims: [number, number, number] | undefined): TransformPipeline['fused'] {
  if (steps.length === 0 || steps.length > 2 || steps.some((st) => st.kind !== 'sub' && st.kind !== 'scale')) return undefined;
  const means = (st: Step): Float32Array => {
    if (st.kind !== 'sub') throw new Error('unreachable');
    if (!st.perChannel) return st.mean;
    const [C, H, W] = dims!;
    const m = new Float32Array(n);
    for (let c = 0; c < C; c++) m.fill(st.mean[c], c * H * W, (c + 1) * H * W);
    return m;
  };
  const f = Math.fround;
  const [a, b] = steps;
  if (!b) {
    if (a.kind === 'scale') {
      const k = a.scale;
      return (src, so, dst, d) => { for (let i = 0; i < n; i++) dst[d + i] = f(f(src[so + i]) * k); };
    }
    const m = means(a);
    return (src, so, dst, d) => { for (let i = 0; i < n; i++) dst[d + i] = f(f(src[so + i]) - m[i]); };
  }
  if (a.kind === 'sub' && b.kind === 'scale') {
    const m = means(a);
    const k = b.scale;
    return (src, so, dst, d) => { for (let i = 0; i < n; i++) dst[d + i] = f(f(f(src[so + i]) - m[i]) * k); };
  }
  if (a.kind === 'scale' && b.kind === 'sub') {
    const m = means(b);
    const k = a.scale;
    return (src, so, dst, d) => { for (let i = 0; i < n; i++) dst[d + i] = f(f(f(src[so + i]) * k) - m[i]); };
  }
  return undefined;
}

/** The draws a sample needs from the plan, joined over the pipelines of a layer's tops (null entries: no transformers). */
export function joinDrawNeeds(pipelines: readonly (TransformPipeline | null)[], where: string): { cropRangeY: number; cropRangeX: number; mirror: boolean } {
  let out = { cropRangeY: 0, cropRangeX: 0, mirror: false };
  for (const p of pipelines) {
    if (!p) continue;
    const d = p.drawNeeds;
    if (d.cropRangeY && out.cropRangeY && (d.cropRangeY !== out.cropRangeY || d.cropRangeX !== out.cropRangeX)) {
      throw new ConfigError(`${where}: the RandomCrop transformers of different tops must leave the same offset ranges (they share one draw per sample), found ${out.cropRangeY}×${out.cropRangeX} and ${d.cropRangeY}×${d.cropRangeX}`);
    }
    out = { cropRangeY: out.cropRangeY || d.cropRangeY, cropRangeX: out.cropRangeX || d.cropRangeX, mirror: out.mirror || d.mirror };
  }
  return out;
}

/**
 * A data layer's `transformers` field: a list applies to the first top; an object
 * `{ [top]: list }` gives each named top its own. Returns one list per top (empty where none).
 */
export function parseTopTransformers(raw: unknown, where: string, tops: readonly string[]): TransformerSpec[][] {
  const out = tops.map((): TransformerSpec[] => []);
  if (raw === undefined) return out;
  const field = `${where}, field "transformers"`;
  if (Array.isArray(raw)) {
    out[0] = parseTransformers(raw, `${field} (top "${tops[0]}")`);
    return out;
  }
  if (raw === null || typeof raw !== 'object') throw new ConfigError(`${field}: expected a list of transformers (for the first top) or an object { [top]: list }, found ${describe(raw)}`);
  for (const [top, list] of Object.entries(raw as Raw)) {
    const k = tops.indexOf(top);
    if (k < 0) throw new ConfigError(`${field}: keys must be top names (${tops.map((t) => `"${t}"`).join(', ')}), found "${top}"`);
    out[k] = parseTransformers(list, `${field} (top "${top}")`);
  }
  return out;
}
