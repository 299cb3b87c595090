/**
 * ONNX's convolution and pooling pads, auto_pad resolved (import-ops.ts, import-pooling.ts).
 */
import type { In } from './import-ops.js';

/**
 * A convolution's or pooling's pads [begins..., ends...] over the spatial axes: `pads` (zeros by
 * default, and with auto_pad VALID), or, with auto_pad SAME_UPPER or SAME_LOWER, what keeps the
 * output at ceil(input / stride) on the input's static shape: a total of
 * max((out - 1) stride + (k - 1) dilation + 1 - in, 0), its odd one at the end (SAME_UPPER) or the
 * start (SAME_LOWER).
 */
export function onnxPads(x: In, kernel: readonly number[]): number[] | string {
  const rank = kernel.length;
  const auto = x.attrs.get('auto_pad') ?? 'NOTSET';
  if (auto === 'NOTSET') return x.attrs.get('pads') ?? new Array(2 * rank).fill(0);
  if (auto === 'VALID') return new Array(2 * rank).fill(0);
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') return `auto_pad ${auto}`;
  const spatial = x.shape(x.inputs[0]).slice(2);
  const strides: number[] = x.attrs.get('strides') ?? new Array(rank).fill(1);
  const dilations: number[] = x.attrs.get('dilations') ?? new Array(rank).fill(1);
  const totals = kernel.map((k, i) => Math.max((Math.ceil(spatial[i]! / strides[i]!) - 1) * strides[i]! + (k - 1) * dilations[i]! + 1 - spatial[i]!, 0));
  const small = totals.map((t) => Math.floor(t / 2)), large = totals.map((t) => t - Math.floor(t / 2));
  return auto === 'SAME_UPPER' ? [...small, ...large] : [...large, ...small];
}
