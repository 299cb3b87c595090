/**
 * Cortado layer → ONNX nodes (opset 17), one entry per Cortado type: the export column of
 * docs/model-exchange.md. An entry gets the layer's context (validated config, ONNX names of its
 * bottoms and tops, blob shapes, parameters) and adds nodes and initializers, or returns why ONNX
 * cannot hold the layer. Initializers holding a parameter as Cortado keeps it are named by the
 * parameter's key (`<paramKey>___<param>`), so that importOnnx gives the same keys back.
 */
import type { Layer } from '../../core/layer.js';
import type { GraphBuilder } from './graph-builder.js';
import { fullOrder } from '../../layers/permute.js';
import { POOLING, type Ctx } from './export-pooling.js';

export type { Ctx } from './export-pooling.js';

type Entry = (x: Ctx) => string | void;

/** Applies a Cortado neuron (of Convolution, InnerProduct, Pooling, Deconvolution) from `pre` to top 0. */
export function neuron(x: Ctx, pre: string): void {
  const n = x.c.neuron;
  const op = { relu: 'Relu', lrelu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh', exp: 'Exp' }[n.op as string]!;
  x.g.node(op, `${x.name}_${n.op}`, [pre], [x.top(0)], n.op === 'lrelu' ? { alpha: n.alpha } : {});
}

/** The main node's output: top 0, or a helper value when a neuron follows. */
export function mainOut(x: Ctx): string {
  return x.c.neuron && x.c.neuron.op !== 'identity' ? x.g.fresh(`${x.name}_pre`) : x.top(0);
}

export function finish(x: Ctx, out: string): void {
  if (x.c.neuron && x.c.neuron.op !== 'identity') neuron(x, out);
}

const conv = (op: string): Entry => (x) => {
  const c = x.c;
  const out = mainOut(x);
  const inputs = [x.bottom(0), x.param('weight'), ...(c.bias ? [x.param('bias')] : [])];
  x.g.node(op, x.name, inputs, [out], {
    kernel_shape: c.kernel, strides: c.stride, pads: [...c.pad, ...c.pad], dilations: c.dilation, group: c.group,
  });
  finish(x, out);
};

/** A parameter reshaped to broadcast from `axis` of an input of rank `rank` (ones after it). */
function broadcastShape(shape: readonly number[], axis: number, rank: number): number[] {
  return [...shape, ...new Array(Math.max(0, rank - axis - shape.length)).fill(1)];
}

const unary = (op: string, attrs: (c: any) => Record<string, number> = () => ({})): Entry => (x) => {
  x.g.node(op, x.name, [x.bottom(0)], [x.top(0)], attrs(x.c));
};

/** Scale and Bias: the factor (parameter or bottom 1) broadcast from `axis`. */
function factor(x: Ctx, param: string, bottom: number): string {
  const shape = x.inShape(0);
  const axis = x.axis();
  if (x.layer.params.some((p) => p.name === param)) return x.paramAs(param, broadcastShape(x.paramShape(param), axis, shape.length));
  const other = x.inShape(bottom);
  const r = x.g.fresh(`${x.name}_broadcast`);
  x.g.node('Reshape', `${x.name}_reshape`, [x.bottom(bottom), x.g.ints(`${x.name}_shape`, broadcastShape(other, axis, shape.length))], [r]);
  return r;
}

function eltwise(x: Ctx): void {
  const c = x.c;
  const n = x.bottoms.length;
  if (c.operation === 'MAX') return void x.g.node('Max', x.name, x.bottoms.map((_, i) => x.bottom(i)), [x.top(0)]);
  if (c.operation === 'PROD') {
    let acc = x.bottom(0);
    for (let i = 1; i < n; i++) {
      const out = i === n - 1 ? x.top(0) : x.g.fresh(`${x.name}_prod${i}`);
      x.g.node('Mul', i === n - 1 ? x.name : `${x.name}_mul`, [acc, x.bottom(i)], [out]);
      acc = out;
    }
    return;
  }
  const terms = x.bottoms.map((_, i) => {
    if (c.coeff[i] === 1) return x.bottom(i);
    const t = x.g.fresh(`${x.name}_term${i}`);
    x.g.node('Mul', `${x.name}_coeff`, [x.bottom(i), x.g.floats(`${x.name}_coeff${i}`, [], [c.coeff[i]])], [t]);
    return t;
  });
  x.g.node('Sum', x.name, terms, [x.top(0)]);
}

/** GELU's tanh approximation as PyTorch writes it: x (1 + tanh(√(2/π) (x + 0.044715 x·x·x))) / 2. */
function geluTanh(x: Ctx): void {
  const v = (s: string) => x.g.fresh(`${x.name}_${s}`);
  const k = (s: string, value: number) => x.g.floats(`${x.name}_${s}`, [], [value]);
  const [sq, cube, kc, sum, u, t, plus, prod] = [v('sq'), v('cube'), v('kcube'), v('sum'), v('u'), v('tanh'), v('plus1'), v('prod')];
  const xin = x.bottom(0);
  x.g.node('Mul', `${x.name}_sq`, [xin, xin], [sq]);
  x.g.node('Mul', `${x.name}_cube`, [xin, sq], [cube]);
  x.g.node('Mul', `${x.name}_k`, [cube, k('k', 0.044715)], [kc]);
  x.g.node('Add', `${x.name}_sum`, [xin, kc], [sum]);
  x.g.node('Mul', `${x.name}_c`, [sum, k('c', Math.sqrt(2 / Math.PI))], [u]);
  x.g.node('Tanh', `${x.name}_tanh`, [u], [t]);
  x.g.node('Add', `${x.name}_add`, [t, k('one', 1)], [plus]);
  x.g.node('Mul', `${x.name}_mul`, [xin, plus], [prod]);
  x.g.node('Mul', x.name, [prod, k('half', 0.5)], [x.top(0)]);
}

/**
 * Nodes one after another from the layer's bottom to its top: [Mul or Add, k] by a constant k
 * (left out where it would change nothing: k 1 or 0), [Pow, k] to a power k (left out at 1),
 * [Exp], [Log] or [Softplus]; the last named as the layer; an Identity when nothing is left.
 */
function chain(x: Ctx, steps: [string, number?][]): void {
  const todo = steps.filter(([op, k]) => k === undefined || (op === 'Add' ? k !== 0 : k !== 1));
  if (!todo.length) return void x.g.node('Identity', x.name, [x.bottom(0)], [x.top(0)]);
  let v = x.bottom(0);
  todo.forEach(([op, k], i) => {
    const last = i === todo.length - 1;
    const out = last ? x.top(0) : x.g.fresh(`${x.name}_${op.toLowerCase()}`);
    const inputs = k === undefined ? [v] : [v, x.g.floats(`${x.name}_${op.toLowerCase()}_k`, [], [k])];
    x.g.node(op, last ? x.name : `${x.name}_${op.toLowerCase()}`, inputs, [out]);
    v = out;
  });
}

export const EXPORTS: Readonly<Record<string, Entry>> = {
  ...POOLING,
  Convolution: conv('Conv'),
  Deconvolution: conv('ConvTranspose'),
  InnerProduct: (x) => {
    const c = x.c;
    const shape = x.inShape(0);
    const out = mainOut(x);
    if (c.axis === 1 || (c.axis === -1 + shape.length && shape.length === 2)) {
      let a = x.bottom(0);
      if (shape.length > 2) {
        a = x.g.fresh(`${x.name}_flat`);
        x.g.node('Flatten', `${x.name}_flatten`, [x.bottom(0)], [a], { axis: 1 });
      }
      x.g.node('Gemm', x.name, [a, x.param('weight'), ...(c.bias ? [x.param('bias')] : [])], [out], { transB: 1 });
    } else {
      const axis = x.axis();
      const flat = x.g.fresh(`${x.name}_flat`);
      x.g.node('Reshape', `${x.name}_reshape`, [x.bottom(0), x.g.ints(`${x.name}_shape`, [...new Array(axis).fill(0), -1])], [flat]);
      // MatMul takes Wᵀ [K, N]: written transposed under the parameter's key (importOnnx transposes back).
      const [n, k] = x.paramShape('weight');
      const w = x.paramValues('weight');
      const wt = x.paramAs('weight', [k, n], Array.from({ length: n * k }, (_, i) => w[(i % n) * k + Math.floor(i / n)]));
      if (!c.bias) x.g.node('MatMul', x.name, [flat, wt], [out]);
      else {
        const mm = x.g.fresh(`${x.name}_matmul`);
        x.g.node('MatMul', x.name, [flat, wt], [mm]);
        x.g.node('Add', `${x.name}_bias`, [mm, x.param('bias')], [out]);
      }
    }
    finish(x, out);
  },
  ReLU: (x) => x.g.node(x.c.negativeSlope ? 'LeakyRelu' : 'Relu', x.name, [x.bottom(0)], [x.top(0)], x.c.negativeSlope ? { alpha: x.c.negativeSlope } : {}),
  Sigmoid: unary('Sigmoid'),
  TanH: unary('Tanh'),
  AbsVal: unary('Abs'),
  ELU: unary('Elu', (c) => ({ alpha: c.alpha })),
  PReLU: (x) => {
    const rank = x.inShape(0).length;
    const shape = x.c.channelShared ? [1] : broadcastShape(x.paramShape('slope'), 1, rank);
    x.g.node('PRelu', x.name, [x.bottom(0), x.paramAs('slope', shape)], [x.top(0)]);
  },
  Clip: (x) => x.g.node('Clip', x.name, [x.bottom(0), x.g.floats(`${x.name}_min`, [], [x.c.min]), x.g.floats(`${x.name}_max`, [], [x.c.max])], [x.top(0)]),
  Power: (x) => chain(x, [['Mul', x.c.scale], ['Add', x.c.shift], ['Pow', x.c.power]]),
  // base^(shift + scale x) = exp(scale ln(base) x) · base^shift
  Exp: (x) => {
    const ln = x.c.base === -1 ? 1 : Math.log(x.c.base);
    chain(x, [['Mul', x.c.scale * ln], ['Exp'], ['Mul', Math.exp(x.c.shift * ln)]]);
  },
  Softplus: (x) => chain(x, [['Mul', x.c.beta], ['Softplus'], ['Mul', 1 / x.c.beta]]),
  Log: (x) => chain(x, [['Mul', x.c.scale], ['Add', x.c.shift], ['Log'], ['Mul', x.c.base === -1 ? 1 : 1 / Math.log(x.c.base)]]),
  Softmax: (x) => x.g.node('Softmax', x.name, [x.bottom(0)], [x.top(0)], { axis: x.c.axis }),
  LogSoftmax: (x) => x.g.node('LogSoftmax', x.name, [x.bottom(0)], [x.top(0)], { axis: x.c.axis }),
  Dropout: (x) => x.g.node('Dropout', x.name, [x.bottom(0), x.g.floats(`${x.name}_ratio`, [], [x.c.ratio])], [x.top(0)]),
  BatchNorm: (x) => {
    const [mean, variance, sf] = ['mean', 'variance', 'scaleFactor'].map((p) => x.paramValues(p));
    const f = sf[0] === 0 ? 0 : 1 / sf[0];
    const C = mean.length;
    x.g.node('BatchNormalization', x.name, [
      x.bottom(0), x.g.floats(`${x.name}_gamma`, [C], new Array(C).fill(1)), x.g.floats(`${x.name}_beta`, [C], new Array(C).fill(0)),
      x.paramAs('mean', [C], mean.map((v) => v * f)), x.paramAs('variance', [C], variance.map((v) => v * f)),
    ], [x.top(0)], { epsilon: x.c.eps, momentum: x.c.movingAverageFraction });
  },
  LRN: (x) => {
    const { localSize: n, alpha, beta, k } = x.c;
    if (x.c.normRegion === 'ACROSS_CHANNELS') return void x.g.node('LRN', x.name, [x.bottom(0)], [x.top(0)], { size: n, alpha, beta, bias: k });
    // WITHIN_CHANNEL: x (k + alpha/n² Σ_window x²)^-beta, the window sum a mean pooling over n² zero-padded positions.
    const v = (s: string) => x.g.fresh(`${x.name}_${s}`);
    const [sq, avg, lin, den] = [v('sq'), v('avg'), v('lin'), v('den')];
    const p = (n - 1) / 2;
    x.g.node('Mul', `${x.name}_square`, [x.bottom(0), x.bottom(0)], [sq]);
    x.g.node('AveragePool', `${x.name}_window`, [sq], [avg], { kernel_shape: [n, n], pads: [p, p, p, p], count_include_pad: 1 });
    x.g.node('Mul', `${x.name}_alpha`, [avg, x.g.floats(`${x.name}_alpha`, [], [alpha])], [lin]);
    x.g.node('Add', `${x.name}_k`, [lin, x.g.floats(`${x.name}_k`, [], [k])], [den]);
    const pw = v('pow');
    x.g.node('Pow', `${x.name}_pow`, [den, x.g.floats(`${x.name}_beta`, [], [-beta])], [pw]);
    x.g.node('Mul', x.name, [x.bottom(0), pw], [x.top(0)]);
  },
  Concat: (x) => x.g.node('Concat', x.name, x.bottoms.map((_, i) => x.bottom(i)), [x.top(0)], { axis: x.c.axis }),
  Slice: (x) => {
    const axis = x.axis();
    const sizes = x.tops.map((_, i) => x.outShape(i)[axis]);
    x.g.node('Split', x.name, [x.bottom(0), x.g.ints(`${x.name}_split`, sizes)], x.tops.map((_, i) => x.top(i)), { axis });
  },
  Split: (x) => x.tops.forEach((_, i) => x.g.node('Identity', i ? `${x.name}_${i}` : x.name, [x.bottom(0)], [x.top(i)])),
  Identity: (x) => x.tops.forEach((_, i) => x.g.node('Identity', i ? `${x.name}_${i}` : x.name, [x.bottom(i)], [x.top(i)])),
  Eltwise: eltwise,
  ElementWise: (x) => {
    const op = { add: 'Add', subtract: 'Sub', multiply: 'Mul', divide: 'Div' }[x.c.operation as string]!;
    x.g.node(op, x.name, [x.bottom(0), x.bottom(1)], [x.top(0)]);
  },
  Flatten: (x) => {
    const shape = x.inShape(0);
    const axis = x.axis();
    const end = x.axis(x.c.endAxis);
    if (axis === 1 && end === shape.length - 1) return void x.g.node('Flatten', x.name, [x.bottom(0)], [x.top(0)], { axis: 1 });
    const target = [...new Array(axis).fill(0), -1, ...shape.slice(end + 1)];
    x.g.node('Reshape', x.name, [x.bottom(0), x.g.ints(`${x.name}_shape`, target)], [x.top(0)]);
  },
  Reshape: (x) => {
    const target = [...x.outShape(0)];
    if (target.length && x.inShape(0)[0] === target[0] && (x.c.axis > 0 || x.c.shape[0] === 0)) target[0] = 0;
    x.g.node('Reshape', x.name, [x.bottom(0), x.g.ints(`${x.name}_shape`, target)], [x.top(0)]);
  },
  Crop: (x) => {
    const shape = x.inShape(0);
    const axis = x.axis();
    const out = x.outShape(0);
    const axes = shape.slice(axis).map((_, i) => axis + i);
    const starts = axes.map((_, i) => x.c.offset.length === 1 ? x.c.offset[0] : x.c.offset[i]);
    x.g.node('Slice', x.name, [x.bottom(0), x.g.ints(`${x.name}_starts`, starts), x.g.ints(`${x.name}_ends`, axes.map((a, i) => starts[i] + out[a])), x.g.ints(`${x.name}_axes`, axes)], [x.top(0)]);
  },
  Bias: (x) => x.g.node('Add', x.name, [x.bottom(0), factor(x, 'bias', 1)], [x.top(0)]),
  Scale: (x) => {
    const s = factor(x, 'scale', 1);
    if (!x.c.bias) return void x.g.node('Mul', x.name, [x.bottom(0), s], [x.top(0)]);
    const m = x.g.fresh(`${x.name}_scaled`);
    x.g.node('Mul', x.name, [x.bottom(0), s], [m]);
    x.g.node('Add', `${x.name}_bias`, [m, factor(x, 'bias', -1)], [x.top(0)]);
  },
  // nearest, each output position reading input floor(i / s): asymmetric coordinates, rounded down
  Upsample: (x) => {
    const shape = x.inShape(0);
    const scale = x.c.scale;
    const scales = shape.map((_, a) => (a < 2 ? 1 : scale[scale.length === 1 ? 0 : a - 2]));
    x.g.node('Resize', x.name, [x.bottom(0), '', x.g.floats(`${x.name}_scales`, [scales.length], scales)], [x.top(0)],
      { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  },
  Tile: (x) => {
    const shape = x.inShape(0);
    const axis = x.axis();
    x.g.node('Tile', x.name, [x.bottom(0), x.g.ints(`${x.name}_repeats`, shape.map((_, i) => (i === axis ? x.c.tiles : 1)))], [x.top(0)]);
  },
  // the comparison with a scalar (a bool), Cast to float; notEqual as Not of Equal
  Compare: (x) => {
    const ops: Record<string, string> = { equal: 'Equal', notEqual: 'Equal', less: 'Less', lessOrEqual: 'LessOrEqual', greater: 'Greater', greaterOrEqual: 'GreaterOrEqual' };
    let mask = x.g.fresh(`${x.name}_bool`);
    x.g.node(ops[x.c.operation]!, x.name, [x.bottom(0), x.g.floats(`${x.name}_value`, [], [x.c.value])], [mask]);
    if (x.c.operation === 'notEqual') {
      const inverted = x.g.fresh(`${x.name}_not`);
      x.g.node('Not', `${x.name}_not`, [mask], [inverted]);
      mask = inverted;
    }
    x.g.node('Cast', `${x.name}_float`, [mask], [x.top(0)], { to: 1 });
  },
  // a Slice of the whole axis with step -1 (importOnnx reads it back as a Reverse)
  Reverse: (x) => {
    const shape = x.inShape(0);
    const axis = x.axis();
    const ints = (what: string, v: number) => x.g.ints(`${x.name}_${what}`, [v]);
    x.g.node('Slice', x.name, [x.bottom(0), ints('starts', -1), ints('ends', -(shape[axis]! + 1)), ints('axes', axis), ints('steps', -1)], [x.top(0)]);
  },
  Erf: unary('Erf'),
  MatMul: (x) => {
    let b = x.bottom(1);
    if (x.c.transposeB) {
      const n = x.inShape(1).length;
      const t = x.g.fresh(`${x.name}_bt`);
      x.g.node('Transpose', `${x.name}_transpose`, [b], [t], { perm: [...Array.from({ length: n - 2 }, (_, i) => i), n - 1, n - 2] });
      b = t;
    }
    x.g.node('MatMul', x.name, [x.bottom(0), b], [x.top(0)]);
  },
  // the initializer `<key>___value` itself, through an Identity (importOnnx makes it a Parameter again)
  Parameter: (x) => x.g.node('Identity', x.name, [x.param('value')], [x.top(0)]),
  // opset 17 has no Gelu: x (1 + erf(x/√2)) / 2 as PyTorch writes it (importOnnx fuses it back)
  GELU: (x) => {
    if (x.c.approximate === 'tanh') return geluTanh(x);
    const v = (s: string) => x.g.fresh(`${x.name}_${s}`);
    const [scaled, erf, plus, prod] = [v('scaled'), v('erf'), v('plus1'), v('prod')];
    x.g.node('Div', `${x.name}_div`, [x.bottom(0), x.g.floats(`${x.name}_sqrt2`, [], [Math.SQRT2])], [scaled]);
    x.g.node('Erf', `${x.name}_erf`, [scaled], [erf]);
    x.g.node('Add', `${x.name}_add`, [erf, x.g.floats(`${x.name}_one`, [], [1])], [plus]);
    x.g.node('Mul', `${x.name}_mul`, [x.bottom(0), plus], [prod]);
    x.g.node('Mul', x.name, [prod, x.g.floats(`${x.name}_half`, [], [0.5])], [x.top(0)]);
  },
  LayerNorm: (x) => {
    const shape = x.inShape(0);
    const axis = x.axis();
    const normalized = shape.slice(axis);
    const D = normalized.reduce((a, b) => a * b, 1);
    // Without affine: a scale of ones (ONNX requires one) and no B, which imports back as affine false.
    const inputs = x.c.affine ? [x.param('scale'), x.param('bias')] : [x.g.floats(`${x.name}_scale`, normalized, new Array(D).fill(1))];
    x.g.node('LayerNormalization', x.name, [x.bottom(0), ...inputs], [x.top(0)], { axis, epsilon: x.c.eps });
  },
  Permute: (x) => x.g.node('Transpose', x.name, [x.bottom(0)], [x.top(0)], { perm: fullOrder(x.c.order, x.inShape(0).length) }),
  Silence: () => {},
};

/** Every layer's context needs these (export.ts makes them). */
export interface LayerAccess {
  layer: Layer;
  g: GraphBuilder;
}
