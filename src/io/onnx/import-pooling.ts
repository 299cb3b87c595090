/**
 * ONNX pooling → Cortado's Pooling, which always sizes by Caffe's rule (ceil, less a last window
 * starting in the padding). ONNX's size: floor((H + 2p - k) / s) + 1, or ceil with ceil_mode = 1
 * less a last window starting in the end padding. Where Caffe's rule gives more windows (floor
 * mode, as PyTorch's default), the Pooling is followed by a Slice along height and width that keeps
 * the first ONNX-size windows and sends the rest to a Silence: the windows kept are the same
 * windows. Caffe's mean divides by the window clipped to the padded input, which is ONNX's
 * count_include_pad = 1 (and count_include_pad = 0 when there is no padding); mean pooling with
 * padding and count_include_pad = 0 is refused. Global pooling is a Pooling over the whole plane.
 */
import { pooledSize } from '../../layers/pooling.js';
import type { In } from './import-ops.js';
import { onnxPads } from './pads.js';

function pool(method: 'max' | 'mean') {
  return (x: In): string | void => {
    const kernel: number[] = x.attrs.get('kernel_shape') ?? [];
    if (kernel.length !== 2) return `a ${kernel.length}-d window (Cortado pools 2-d)`;
    if ((x.attrs.get('dilations') ?? []).some((d: number) => d !== 1)) return 'dilations';
    if (x.outputs[1] && x.consumers(x.outputs[1])) return 'its indices output is used';
    const full = onnxPads(x, kernel);
    if (typeof full === 'string') return full;
    const begin = full.slice(0, 2), end = full.slice(2);
    if (begin.some((b, i) => b > end[i])) return `pads [${full}] larger at the start (Cortado pads the start and may extend the end)`;
    const pre = x.pads.get(x.inputs[0]);
    const explicit = pre?.pads ?? [0, 0];
    if (method === 'mean') {
      const counted = x.attrs.get('count_include_pad');
      if (!counted && begin.some((b) => b > 0)) return "implicit padding with count_include_pad 0 (Caffe's mean counts the padding)";
      if (counted && begin.some((b, i) => b !== end[i])) return 'unequal pads with count_include_pad 1';
    }
    const pads = begin.map((b, i) => b + explicit[i]);
    if (pads.some((p, i) => p >= kernel[i])) return `pads [${pads}] not smaller than the kernel [${kernel}]`;
    const stride: number[] = x.attrs.get('strides') ?? [1, 1];
    const ceil = !!x.attrs.get('ceil_mode');
    const source = pre ? pre.input : x.inputs[0];
    const [, , H, W] = x.shape(source);
    const padded = pads.some((p) => p > 0);
    const onnx = [H, W].map((n0, i) => {
      const n = n0 + 2 * explicit[i];
      const span = (n + begin[i] + end[i] - kernel[i]) / stride[i];
      let out = (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
      if (ceil && (out - 1) * stride[i] >= n + begin[i]) out--;
      return out;
    });
    const caffe = [H, W].map((n, i) => pooledSize(n, kernel[i], stride[i], pads[i], padded));
    if (caffe.some((c, i) => c < onnx[i])) return `an output of ${onnx} where Caffe's rule gives ${caffe}`;
    const trim = caffe.some((c, i) => c > onnx[i]);
    const out = trim ? `${x.outputs[0]}_caffe_size` : x.outputs[0];
    x.layer({ type: 'Pooling', bottoms: [source], tops: [out], method, kernel, stride, pad: pads });
    if (!trim) return;
    let current = out;
    const cut: string[] = [];
    const axes = [2, 3].filter((_, i) => caffe[i] > onnx[i]);
    axes.forEach((axis, k) => {
      const kept = k === axes.length - 1 ? x.outputs[0] : `${x.outputs[0]}_axis${axis}`;
      cut.push(`${kept}_extra`);
      x.layer({ type: 'Slice', name: x.fresh(`${x.name}_floor${axis}`), bottoms: [current], tops: [kept, `${kept}_extra`], axis, slicePoints: [onnx[axis - 2]] });
      current = kept;
    });
    x.layer({ type: 'Silence', name: x.fresh(`${x.name}_floor_cut`), bottoms: cut });
  };
}

function globalPool(method: 'max' | 'mean') {
  return (x: In): string | void => {
    const shape = x.shape(x.inputs[0]);
    if (shape.length !== 4) return `an input of rank ${shape.length} (Cortado pools 2-d planes)`;
    x.layer({ type: 'Pooling', bottoms: [x.inputs[0]], tops: [x.outputs[0]], method, kernel: shape.slice(2), stride: 1 });
  };
}

export const POOL_IMPORTS = {
  MaxPool: pool('max'),
  AveragePool: pool('mean'),
  GlobalAveragePool: globalPool('mean'),
  GlobalMaxPool: globalPool('max'),
};
