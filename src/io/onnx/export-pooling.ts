/**
 * Cortado's Pooling → ONNX, and the context every export entry gets.
 *
 * Cortado pools by Caffe's rule: out = ceil((H + 2p - k) / s) + 1, less a last window starting in
 * the bottom padding, and a mean divides by the window clipped to the padded input [-p, H + p).
 * ONNX writes it exactly in floor mode with an end padding e = (out - 1) s + k - (H + 2p) ≥ 0
 * (clamped at 0) that adds the last window:
 *   max   MaxPool(pads = [p, p + e])                                  (padding never wins a max)
 *   mean  Pad(p, zeros) → AveragePool(pads = [0, e], count_include_pad = 0)
 *         (the explicit zeros count in the divisor, the end padding e does not: Caffe's divisor)
 * A last window lying wholly outside the padded input (stride above the kernel, no padding) has no
 * ONNX counterpart (Caffe gives 0 there): such a layer is refused.
 */
import type { Layer } from '../../core/layer.js';
import type { GraphBuilder } from './graph-builder.js';

/** What an export entry sees of one layer. */
export interface Ctx {
  layer: Layer;
  name: string;
  /** The validated config (defaults filled). */
  c: any;
  g: GraphBuilder;
  bottoms: readonly string[];
  tops: readonly string[];
  /** The ONNX value holding bottom i now. */
  bottom(i: number): string;
  /** The ONNX value to write top i to (first call per top; later calls give the same). */
  top(i: number): string;
  inShape(i: number): number[];
  outShape(i: number): number[];
  /** An axis of bottom 0 as a number from 0: a negative one counts from its end (the config's `axis` by default). */
  axis(a?: number): number;
  /** The initializer of a parameter as Cortado keeps it (named by its key). */
  param(name: string): string;
  /** The initializer of a parameter under other dims, or with other values. */
  paramAs(name: string, dims: number[], values?: ArrayLike<number>): string;
  paramShape(name: string): number[];
  paramValues(name: string): number[];
}

function pooling(x: Ctx): string | void {
  const c = x.c;
  const [, , H, W] = x.inShape(0);
  const [, , oh, ow] = x.outShape(0);
  const isMean = c.method === 'mean';
  const ends = [[H, oh], [W, ow]].map(([size, out], i) => (out - 1) * c.stride[i] + c.kernel[i] - (size + 2 * c.pad[i]));
  const bad = ends.map((e, i) => (e + c.pad[i] >= c.kernel[i] ? ['height', 'width'][i] : '')).filter(Boolean);
  if (bad.length) return `its last window along the ${bad.join(' and ')} lies outside the padded input (stride above the kernel): ONNX pooling has no such window`;
  const e = ends.map((v) => Math.max(0, v));
  const out = c.neuron && c.neuron.op !== 'identity' ? x.g.fresh(`${x.name}_pre`) : x.top(0);
  const attrs = { kernel_shape: c.kernel, strides: c.stride };
  if (!isMean) {
    x.g.node('MaxPool', x.name, [x.bottom(0)], [out], { ...attrs, pads: [c.pad[0], c.pad[1], c.pad[0] + e[0], c.pad[1] + e[1]] });
  } else {
    let input = x.bottom(0);
    if (c.pad[0] || c.pad[1]) {
      input = x.g.fresh(`${x.name}_padded`);
      const pads = [0, 0, c.pad[0], c.pad[1], 0, 0, c.pad[0], c.pad[1]];
      x.g.node('Pad', `${x.name}_pad`, [x.bottom(0), x.g.ints(`${x.name}_pads`, pads)], [input]);
    }
    x.g.node('AveragePool', x.name, [input], [out], { ...attrs, pads: [0, 0, e[0], e[1]], count_include_pad: 0 });
  }
  if (out !== x.top(0)) {
    const op = { relu: 'Relu', lrelu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh', exp: 'Exp' }[c.neuron.op as string]!;
    x.g.node(op, `${x.name}_${c.neuron.op}`, [out], [x.top(0)], c.neuron.op === 'lrelu' ? { alpha: c.neuron.alpha } : {});
  }
}

export const POOLING = { Pooling: pooling };
