/**
 * Cortado's ArgMax and Reduction → ONNX (the rest of the export table is export-layers.ts).
 *   ArgMax     TopK (ties to the lower index, as Cortado) → Cast to float; without `axis` the
 *              sample is flattened first and the indices (then the values, with outMaxVal) are
 *              reshaped to Cortado's [N, 1 or 2, topK, 1...]
 *   Reduction  ReduceSum / ReduceL1 / ReduceSumSquare / ReduceMean over the axes from `axis`,
 *              times `coeff`, reshaped to the top's shape
 */
import type { Ctx } from './export-pooling.js';

function argmax(x: Ctx): void {
  const c = x.c;
  const shape = x.inShape(0);
  const v = (s: string) => x.g.fresh(`${x.name}_${s}`);
  let input = x.bottom(0);
  let axis = c.axis === null ? 1 : x.axis();
  if (c.axis === null) {
    input = v('flat');
    x.g.node('Flatten', `${x.name}_flatten`, [x.bottom(0)], [input], { axis: 1 });
    axis = 1;
  }
  const [values, indices, asFloat] = [v('values'), v('indices'), v('index')];
  x.g.node('TopK', x.name, [input, x.g.ints(`${x.name}_k`, [c.topK])], [values, indices], { axis, largest: 1, sorted: 1 });
  x.g.node('Cast', `${x.name}_cast`, [indices], [asFloat], { to: 1 });
  let result = c.outMaxVal && c.axis !== null ? values : asFloat;
  if (c.axis === null && c.outMaxVal) {
    result = v('both');
    x.g.node('Concat', `${x.name}_concat`, [asFloat, values], [result], { axis: 1 });
  }
  x.g.node('Reshape', `${x.name}_reshape`, [result, x.g.ints(`${x.name}_shape`, x.outShape(0))], [x.top(0)]);
}

const REDUCE: Record<string, string> = { SUM: 'ReduceSum', ASUM: 'ReduceL1', SUMSQ: 'ReduceSumSquare', MEAN: 'ReduceMean' };

function reduction(x: Ctx): void {
  const c = x.c;
  const shape = x.inShape(0);
  const axis = x.axis();
  const axes = shape.slice(axis).map((_, i) => axis + i);
  const op = REDUCE[c.operation];
  const r = x.g.fresh(`${x.name}_reduced`);
  if (op === 'ReduceSum') x.g.node(op, x.name, [x.bottom(0), x.g.ints(`${x.name}_axes`, axes)], [r], { keepdims: 0 });
  else x.g.node(op, x.name, [x.bottom(0)], [r], { axes, keepdims: 0 });
  let out = r;
  if (c.coeff !== 1) {
    out = x.g.fresh(`${x.name}_scaled`);
    x.g.node('Mul', `${x.name}_coeff`, [r, x.g.floats(`${x.name}_coeff`, [], [c.coeff])], [out]);
  }
  x.g.node('Reshape', `${x.name}_reshape`, [out, x.g.ints(`${x.name}_shape`, x.outShape(0))], [x.top(0)]);
}

export const EXPORTS_MORE = { ArgMax: argmax, Reduction: reduction } as Readonly<Record<string, (x: Ctx) => string | void>>;
