/**
 * Caffe layer → Cortado layer config, one entry per Caffe type (the table of
 * docs/model-exchange.md). An entry returns the Cortado fields of the type (the common ones,
 * name / bottoms / tops / include / params, are added by importCaffe), or a string saying why this
 * layer cannot be imported. Caffe's defaults are written out where Cortado's differ (loss
 * normalization) so that the imported net computes what Caffe computes. `engine` fields are
 * ignored (they choose an implementation, not a result).
 */
import type { Msg } from './codec.js';
import { fillerToInit } from './fillers.js';

/** Cortado fields, or why the layer is not supported. */
export type Mapped = Record<string, unknown> | string;

type Entry = { type: string; map: (l: Msg) => Mapped };

/** One number when both axes agree, else [h, w] (Cortado's pair fields accept both). */
function pair(h: number, w: number): number | [number, number] {
  return h === w ? h : [h, w];
}

/**
 * A 2-d size of ConvolutionParameter or PoolingParameter: `<hw>_h` / `<hw>_w`, else `list` (one
 * value or a repeated field of up to 2 values), else `def` (undefined: required).
 */
function size2d(p: Msg, hw: string, list: string, def: number | undefined): [number, number] | string {
  if (p[`${hw}_h`] !== undefined || p[`${hw}_w`] !== undefined) {
    const h = p[`${hw}_h`] ?? def;
    const w = p[`${hw}_w`] ?? def;
    if (h === undefined || w === undefined) return `${hw}_h and ${hw}_w must come together`;
    return [h, w];
  }
  const v: number[] = Array.isArray(p[list]) ? p[list] : p[list] === undefined ? [] : [p[list]];
  if (v.length > 2) return `${v.length}-d ${list} (Cortado convolves and pools in 2-d)`;
  if (v.length === 0) return def === undefined ? `no ${list} (nor ${hw}_h and ${hw}_w)` : [def, def];
  return [v[0], v[v.length - 1]];
}

/** kernel, stride, pad (and dilation for convolutions) as Cortado fields. */
function geometry(p: Msg, dilation: boolean): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  const fields = [['kernel', 'kernel_size', undefined], ['stride', 'stride', 1], ['pad', 'pad', 0]] as [string, string, number | undefined][];
  if (dilation) fields.push(['dilation', 'dilation', 1]);
  for (const [key, list, def] of fields) {
    const s = key === 'dilation' ? size2d(p, 'dilation_none', list, def) : size2d(p, key, list, def);
    if (typeof s === 'string') return s;
    out[key] = pair(s[0], s[1]);
  }
  return out;
}

function conv(type: string) {
  return (l: Msg): Mapped => {
    const p: Msg = l.convolution_param ?? {};
    if ((p.axis ?? 1) !== 1) return `convolution_param.axis ${p.axis} (Cortado's channels are axis 1)`;
    const g = geometry(p, true);
    if (typeof g === 'string') return g;
    return {
      type, numOutput: p.num_output, ...g, group: p.group ?? 1, bias: p.bias_term ?? true,
      weightInit: fillerToInit(p.weight_filler), biasInit: fillerToInit(p.bias_filler),
    };
  };
}

/** Caffe's loss normalization: `normalization`, else the legacy `normalize` flag, else `def`. */
function normalization(l: Msg, def: string): string {
  const p: Msg = l.loss_param ?? {};
  const modes: Record<string, string> = { FULL: 'full', VALID: 'valid', BATCH_SIZE: 'batch', NONE: 'none' };
  if (p.normalization !== undefined) return modes[p.normalization] ?? `unknown normalization ${p.normalization}`;
  if (p.normalize !== undefined) return p.normalize ? 'valid' : 'batch';
  return def;
}

const lossWeight = (l: Msg) => (l.loss_weight?.length ? { lossWeight: l.loss_weight[0] } : {});
const ignoreLabel = (v: number | undefined) => (v === undefined ? {} : { ignoreLabel: v });

const ENTRIES: Entry[] = [
  { type: 'Convolution', map: conv('Convolution') },
  { type: 'Deconvolution', map: conv('Deconvolution') },
  {
    type: 'Pooling',
    map: (l) => {
      const p: Msg = l.pooling_param ?? {};
      const method = p.pool ?? 'MAX';
      if (method !== 'MAX' && method !== 'AVE') return `pool ${method} (Cortado pools MAX and AVE)`;
      if ((p.round_mode ?? 'CEIL') !== 'CEIL') return `round_mode ${p.round_mode} (Cortado rounds up, Caffe's CEIL)`;
      if (p.global_pooling) return { type: 'Pooling', method: method === 'MAX' ? 'max' : 'mean', kernel: 'global', stride: 1, pad: 0 };
      const g = geometry(p, false);
      if (typeof g === 'string') return g;
      return { type: 'Pooling', method: method === 'MAX' ? 'max' : 'mean', ...g };
    },
  },
  {
    type: 'InnerProduct',
    map: (l) => {
      const p: Msg = l.inner_product_param ?? {};
      return {
        type: 'InnerProduct', numOutput: p.num_output, bias: p.bias_term ?? true, axis: p.axis ?? 1,
        weightInit: fillerToInit(p.weight_filler), biasInit: fillerToInit(p.bias_filler),
      };
    },
  },
  { type: 'ReLU', map: (l) => ({ type: 'ReLU', negativeSlope: l.relu_param?.negative_slope ?? 0 }) },
  { type: 'PReLU', map: (l) => ({ type: 'PReLU', channelShared: l.prelu_param?.channel_shared ?? false, slopeInit: fillerToInit(l.prelu_param?.filler) }) },
  { type: 'ELU', map: (l) => ({ type: 'ELU', alpha: l.elu_param?.alpha ?? 1 }) },
  { type: 'Sigmoid', map: () => ({ type: 'Sigmoid' }) },
  { type: 'TanH', map: () => ({ type: 'TanH' }) },
  { type: 'AbsVal', map: () => ({ type: 'AbsVal' }) },
  { type: 'Power', map: (l) => ({ type: 'Power', power: l.power_param?.power ?? 1, scale: l.power_param?.scale ?? 1, shift: l.power_param?.shift ?? 0 }) },
  { type: 'Clip', map: (l) => ({ type: 'Clip', min: l.clip_param?.min, max: l.clip_param?.max }) },
  { type: 'BNLL', map: () => ({ type: 'Softplus' }) },
  { type: 'Exp', map: (l) => ({ type: 'Exp', base: l.exp_param?.base ?? -1, scale: l.exp_param?.scale ?? 1, shift: l.exp_param?.shift ?? 0 }) },
  { type: 'Log', map: (l) => ({ type: 'Log', base: l.log_param?.base ?? -1, scale: l.log_param?.scale ?? 1, shift: l.log_param?.shift ?? 0 }) },
  { type: 'Dropout', map: (l) => ({ type: 'Dropout', ratio: l.dropout_param?.dropout_ratio ?? 0.5 }) },
  {
    type: 'LRN',
    map: (l) => {
      const p: Msg = l.lrn_param ?? {};
      const within = p.norm_region === 'WITHIN_CHANNEL';
      // Caffe's WITHIN_CHANNEL ignores k (its power step shifts by 1).
      return { type: 'LRN', localSize: p.local_size ?? 5, alpha: p.alpha ?? 1, beta: p.beta ?? 0.75, k: within ? 1 : (p.k ?? 1), normRegion: within ? 'WITHIN_CHANNEL' : 'ACROSS_CHANNELS' };
    },
  },
  { type: 'Concat', map: (l) => ({ type: 'Concat', axis: l.concat_param?.axis ?? l.concat_param?.concat_dim ?? 1 }) },
  {
    type: 'Slice',
    map: (l) => {
      const p: Msg = l.slice_param ?? {};
      return { type: 'Slice', axis: p.axis ?? p.slice_dim ?? 1, ...(p.slice_point?.length ? { slicePoints: p.slice_point } : {}) };
    },
  },
  { type: 'Split', map: () => ({ type: 'Split' }) },
  {
    type: 'Eltwise',
    map: (l) => {
      const p: Msg = l.eltwise_param ?? {};
      const operation = p.operation ?? 'SUM';
      if (!['SUM', 'PROD', 'MAX'].includes(operation)) return `operation ${operation}`;
      return { type: 'Eltwise', operation, ...(p.coeff?.length ? { coeff: p.coeff } : {}) };
    },
  },
  { type: 'Softmax', map: (l) => ({ type: 'Softmax', axis: l.softmax_param?.axis ?? 1 }) },
  {
    type: 'SoftmaxWithLoss',
    map: (l) => (l.top?.length > 1 ? 'a second top (the probabilities); use a Softmax layer beside it' : {
      type: 'SoftmaxLoss', axis: l.softmax_param?.axis ?? 1, ...lossWeight(l), ...ignoreLabel(l.loss_param?.ignore_label), normalization: normalization(l, 'valid'),
    }),
  },
  { type: 'EuclideanLoss', map: (l) => ({ type: 'EuclideanLoss', ...lossWeight(l) }) },
  {
    type: 'SigmoidCrossEntropyLoss',
    map: (l) => ({ type: 'SigmoidCrossEntropyLoss', ...lossWeight(l), ...ignoreLabel(l.loss_param?.ignore_label), normalization: normalization(l, 'batch') }),
  },
  { type: 'HingeLoss', map: (l) => ({ type: 'HingeLoss', norm: l.hinge_loss_param?.norm ?? 'L1', ...lossWeight(l) }) },
  // Caffe divides by the batch whatever loss_param says (its labels are one per sample).
  { type: 'MultinomialLogisticLoss', map: (l) => ({ type: 'MultinomialLogisticLoss', ...lossWeight(l), normalization: 'batch' }) },
  {
    type: 'Accuracy',
    map: (l) => (l.top?.length > 1 ? 'a second top (per-class accuracies)' : {
      type: 'Accuracy', topK: l.accuracy_param?.top_k ?? 1, axis: l.accuracy_param?.axis ?? 1, ...ignoreLabel(l.accuracy_param?.ignore_label),
    }),
  },
  {
    type: 'ArgMax',
    map: (l) => {
      const p: Msg = l.argmax_param ?? {};
      return { type: 'ArgMax', topK: p.top_k ?? 1, outMaxVal: p.out_max_val ?? false, ...(p.axis !== undefined ? { axis: p.axis } : {}) };
    },
  },
  {
    type: 'BatchNorm',
    map: (l) => {
      const p: Msg = l.batch_norm_param ?? {};
      return { type: 'BatchNorm', ...(p.use_global_stats !== undefined ? { useGlobalStats: p.use_global_stats } : {}), movingAverageFraction: p.moving_average_fraction ?? 0.999, eps: p.eps ?? 1e-5 };
    },
  },
  {
    type: 'Scale',
    map: (l) => {
      const p: Msg = l.scale_param ?? {};
      const one = (l.bottom ?? []).length < 2;
      return {
        type: 'Scale', axis: p.axis ?? 1, numAxes: p.num_axes ?? 1, bias: p.bias_term ?? false,
        ...(one ? { scaleInit: fillerToInit(p.filler) } : {}), biasInit: fillerToInit(p.bias_filler),
      };
    },
  },
  {
    type: 'Bias',
    map: (l) => {
      const p: Msg = l.bias_param ?? {};
      return { type: 'Bias', axis: p.axis ?? 1, numAxes: p.num_axes ?? 1, ...((l.bottom ?? []).length < 2 ? { biasInit: fillerToInit(p.filler) } : {}) };
    },
  },
  { type: 'Flatten', map: (l) => ({ type: 'Flatten', axis: l.flatten_param?.axis ?? 1, endAxis: l.flatten_param?.end_axis ?? -1 }) },
  {
    type: 'Reshape',
    map: (l) => {
      const p: Msg = l.reshape_param ?? {};
      return { type: 'Reshape', shape: p.shape?.dim ?? [], axis: p.axis ?? 0, numAxes: p.num_axes ?? -1 };
    },
  },
  { type: 'Crop', map: (l) => ({ type: 'Crop', axis: l.crop_param?.axis ?? 2, offset: l.crop_param?.offset?.length ? l.crop_param.offset : [0] }) },
  {
    type: 'Embed',
    map: (l) => {
      const p: Msg = l.embed_param ?? {};
      return {
        type: 'Embed', inputDim: p.input_dim, numOutput: p.num_output, bias: p.bias_term ?? true,
        weightInit: fillerToInit(p.weight_filler), biasInit: fillerToInit(p.bias_filler),
      };
    },
  },
  ...(['RNN', 'LSTM'] as const).map((type) => ({
    type,
    map: (l: Msg) => {
      const p: Msg = l.recurrent_param ?? {};
      if (p.expose_hidden) return 'expose_hidden (Cortado carries the state inside the layer, as Caffe does without it)';
      return { type, numOutput: p.num_output, weightInit: fillerToInit(p.weight_filler), biasInit: fillerToInit(p.bias_filler) };
    },
  })),
  { type: 'Tile', map: (l) => ({ type: 'Tile', axis: l.tile_param?.axis ?? 1, tiles: l.tile_param?.tiles }) },
  { type: 'Permute', map: (l) => ({ type: 'Permute', order: l.permute_param?.order ?? [] }) },
  {
    type: 'Parameter',
    map: (l) => {
      const dims: number[] = l.parameter_param?.shape?.dim ?? [];
      return dims.length ? { type: 'Parameter', shape: dims } : 'no parameter_param shape';
    },
  },
  {
    type: 'Reduction',
    map: (l) => ({ type: 'Reduction', operation: l.reduction_param?.operation ?? 'SUM', axis: l.reduction_param?.axis ?? 0, coeff: l.reduction_param?.coeff ?? 1 }),
  },
  {
    type: 'Input',
    map: (l) => {
      const shapes: number[][] = (l.input_param?.shape ?? []).map((s: Msg) => s.dim ?? []);
      const tops: string[] = l.top ?? [];
      if (shapes.length === 0) return 'no input_param shape (Cortado needs the shape of every input)';
      if (shapes.length !== 1 && shapes.length !== tops.length) return `${shapes.length} shapes for ${tops.length} tops`;
      return { type: 'Input', shapes: tops.map((_, i) => shapes[shapes.length === 1 ? 0 : i]) };
    },
  },
  {
    // A deploy net fed from memory: its tops become inputs of the declared size.
    type: 'MemoryData',
    map: (l) => {
      const p: Msg = l.memory_data_param ?? {};
      const tops: string[] = l.top ?? [];
      const n = p.batch_size ?? 0;
      if (!n) return 'no memory_data_param batch_size';
      return { type: 'Input', shapes: tops.map((_, i) => (i === 0 ? [n, p.channels ?? 1, p.height ?? 1, p.width ?? 1] : [n])) };
    },
  },
  { type: 'Silence', map: () => ({ type: 'Silence' }) },
];

/** Caffe type → its entry. */
export const IMPORTS: ReadonlyMap<string, (l: Msg) => Mapped> = new Map(ENTRIES.map((e) => [e.type, e.map]));
