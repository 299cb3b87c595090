/**
 * Bringing old Caffe nets to the current form before mapping, as Caffe's upgrade_proto does:
 * - V1 layers (`layers { type: CONVOLUTION ... }`) become V2 layers (`layer { type: "Convolution" }`):
 *   the enum type becomes its string name, `blobs_lr` / `weight_decay` become `param { lr_mult
 *   decay_mult }`, parameter names (`param: "w"`) become `param { name }`; the per-type parameter
 *   messages keep their names.
 * - Net inputs (`input: "data"` with `input_shape { dim ... }` or four `input_dim` per input)
 *   become one Input layer named "input" (or "input_<k>" when a layer has that name).
 */
import { ConfigError } from '../../core/errors.js';
import type { Msg } from './codec.js';

/** V1LayerParameter.LayerType names → V2 type strings. */
export const V1_TYPES: Readonly<Record<string, string>> = {
  ABSVAL: 'AbsVal', ACCURACY: 'Accuracy', ARGMAX: 'ArgMax', BNLL: 'BNLL', CONCAT: 'Concat',
  CONTRASTIVE_LOSS: 'ContrastiveLoss', CONVOLUTION: 'Convolution', DATA: 'Data', DECONVOLUTION: 'Deconvolution',
  DROPOUT: 'Dropout', DUMMY_DATA: 'DummyData', EUCLIDEAN_LOSS: 'EuclideanLoss', ELTWISE: 'Eltwise', EXP: 'Exp',
  FLATTEN: 'Flatten', HDF5_DATA: 'HDF5Data', HDF5_OUTPUT: 'HDF5Output', HINGE_LOSS: 'HingeLoss', IM2COL: 'Im2col',
  IMAGE_DATA: 'ImageData', INFOGAIN_LOSS: 'InfogainLoss', INNER_PRODUCT: 'InnerProduct', LRN: 'LRN',
  MEMORY_DATA: 'MemoryData', MULTINOMIAL_LOGISTIC_LOSS: 'MultinomialLogisticLoss', MVN: 'MVN', POOLING: 'Pooling',
  POWER: 'Power', RELU: 'ReLU', SIGMOID: 'Sigmoid', SIGMOID_CROSS_ENTROPY_LOSS: 'SigmoidCrossEntropyLoss',
  SILENCE: 'Silence', SOFTMAX: 'Softmax', SOFTMAX_LOSS: 'SoftmaxWithLoss', SPLIT: 'Split', SLICE: 'Slice',
  TANH: 'TanH', WINDOW_DATA: 'WindowData', THRESHOLD: 'Threshold',
};

const V1_ONLY = new Set(['type', 'blobs_lr', 'weight_decay', 'param', 'blob_share_mode']);

/** One V1 layer in V2 form. */
export function upgradeV1Layer(v1: Msg): Msg {
  const layer: Msg = {};
  for (const [k, v] of Object.entries(v1)) if (!V1_ONLY.has(k)) layer[k] = v;
  layer.type = typeof v1.type === 'string' ? (V1_TYPES[v1.type] ?? v1.type) : `V1 type number ${v1.type ?? 'none'}`;
  const names: string[] = v1.param ?? [];
  const lr: number[] = v1.blobs_lr ?? [];
  const decay: number[] = v1.weight_decay ?? [];
  const n = Math.max(names.length, lr.length, decay.length);
  layer.param = Array.from({ length: n }, (_, i) => {
    const spec: Msg = {};
    if (names[i] !== undefined && names[i] !== '') spec.name = names[i];
    if (lr[i] !== undefined) spec.lr_mult = lr[i];
    if (decay[i] !== undefined) spec.decay_mult = decay[i];
    return spec;
  });
  return layer;
}

/**
 * The layers of a NetParameter in V2 form, an Input layer first when the net declares inputs.
 * `file` names the prototxt in messages.
 */
export function upgradeNet(net: Msg, file: string): Msg[] {
  const v2: Msg[] = net.layer ?? [];
  const v1: Msg[] = net.layers ?? [];
  if (v2.length && v1.length) {
    throw new ConfigError(`${file}: the net mixes "layer" (${v2.length}) and the old "layers" (${v1.length}) fields; Caffe reads one or the other`);
  }
  const layers = v2.length ? v2 : v1.map(upgradeV1Layer);
  const inputs: string[] = net.input ?? [];
  if (inputs.length === 0) return layers;
  const shapes: number[][] = (net.input_shape ?? []).map((s: Msg) => (s.dim ?? []) as number[]);
  const dims: number[] = net.input_dim ?? [];
  if (shapes.length === 0 && dims.length === 4 * inputs.length) {
    for (let i = 0; i < inputs.length; i++) shapes.push(dims.slice(4 * i, 4 * i + 4));
  }
  if (shapes.length !== inputs.length) {
    throw new ConfigError(
      `${file}: the net declares ${inputs.length} input(s) (${inputs.map((s) => `"${s}"`).join(', ')}) but ` +
        `${shapes.length ? `${shapes.length} input_shape` : `${dims.length} input_dim values`}; ` +
        'give one input_shape per input, or four input_dim (num, channels, height, width) per input',
    );
  }
  const taken = new Set(layers.map((l) => l.name));
  let name = 'input';
  for (let k = 1; taken.has(name); k++) name = `input_${k}`;
  const input: Msg = { name, type: 'Input', bottom: [], top: inputs, input_param: { shape: shapes.map((dim) => ({ dim })) } };
  return [input, ...layers];
}
