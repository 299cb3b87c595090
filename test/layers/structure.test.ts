/**
 * Structural and elementwise layers against known values, for what the layer-cases table cannot
 * say: exact outputs, ArgMax (no gradient to check), tie and boundary rules, shape inference and
 * configuration errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { Shape } from '../../src/core/blob.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { buildLayer, type BuiltLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** Forward, then backward with the given top diffs (default 1, 2, 3...); all bottoms propagate. */
function run(config: LayerConfig, shapes: Shape[], values: number[][], dys?: number[][]): { y: number[][]; dx: number[][]; built: BuiltLayer } {
  const built = buildLayer(backend, config, shapes, { values });
  built.layer.forward(built.bottoms, built.tops);
  built.tops.forEach((t, k) => t.writeDiff(dys?.[k] ?? range(t.count, 1)));
  built.layer.backward(built.tops, built.bottoms.map(() => true), built.bottoms);
  return { y: built.tops.map((t) => [...t.read()]), dx: built.bottoms.map((b) => [...b.readDiff()]), built };
}

const layer = (type: string, bottoms: string[], tops: string[], extra: Record<string, unknown> = {}): LayerConfig =>
  ({ type, name: type.toLowerCase(), bottoms, tops, ...extra });

describe('structural layers', () => {
  it('Concat along channels and Slice back', () => {
    const a = [1, 2, 3, 4], b = [5, 6, 7, 8, 9, 10, 11, 12];
    const c = run(layer('Concat', ['a', 'b'], ['y']), [[2, 1, 2], [2, 2, 2]], [a, b]);
    assert.deepEqual(c.built.tops[0].shape, [2, 3, 2]);
    assert.deepEqual(c.y[0], [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    assert.deepEqual(c.dx, [[1, 2, 7, 8], [3, 4, 5, 6, 9, 10, 11, 12]]);
    const s = run(layer('Slice', ['x'], ['a', 'b'], { slicePoints: [1] }), [[2, 3, 2]], [c.y[0]]);
    assert.deepEqual(s.y, [a, b]);
    assert.deepEqual(s.dx[0], [1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 7, 8]);
  });

  it('Reshape infers -1, copies 0, aliases the data and copies the diff', () => {
    const r = run(layer('Reshape', ['x'], ['y'], { shape: [0, -1] }), [[2, 3, 2]], [range(12)]);
    assert.deepEqual(r.built.tops[0].shape, [2, 6]);
    assert.equal(r.built.tops[0].data, r.built.bottoms[0].data);
    assert.deepEqual(r.dx[0], range(12, 1));
    const f = run(layer('Flatten', ['x'], ['y'], { axis: 0, endAxis: 1 }), [[2, 3, 2]], [range(12)]);
    assert.deepEqual(f.built.tops[0].shape, [6, 2]);
  });

  it('Identity with two bottoms gives each top its own data; Silence zeroes the diffs', () => {
    const r = run(layer('Identity', ['a', 'b'], ['c', 'd']), [[2], [2]], [[1, 2], [3, 4]]);
    assert.deepEqual(r.y, [[1, 2], [3, 4]]);
    assert.notEqual(r.built.tops[1].data, r.built.bottoms[0].data);
    const s = run(layer('Silence', ['a'], []), [[3]], [[1, 2, 3]]);
    assert.deepEqual(s.dx, [[0, 0, 0]]);
  });

  it('Crop takes the window at the offsets; the rest of dx is 0', () => {
    const r = run(layer('Crop', ['x', 'ref'], ['y'], { axis: 1, offset: [1, 1] }), [[1, 3, 3], [1, 2, 2]], [range(9), range(4)]);
    assert.deepEqual(r.y[0], [4, 5, 7, 8]);
    assert.deepEqual(r.dx[0], [0, 0, 0, 0, 1, 2, 0, 3, 4]);
    assert.equal(r.built.layer.propagatesTo(1), false);
  });

  it('Tile repeats along the axis and sums the diffs back', () => {
    const r = run(layer('Tile', ['x'], ['y'], { tiles: 2 }), [[2, 2]], [[1, 2, 3, 4]]);
    assert.deepEqual(r.y[0], [1, 2, 1, 2, 3, 4, 3, 4]);
    assert.deepEqual(r.dx[0], [1 + 3, 2 + 4, 5 + 7, 6 + 8]);
  });

  it('Tile with more tiles than a blob can hold is refused by name before its scratch ones are allocated', () => {
    // tiles 2^31 - 1 over 4 rows of 3: the top would hold 4 · 3 · (2^31 - 1) values; the ones the
    // backward sums with would hold 2^31 - 1, an 8 GiB allocation had it come first.
    const net = () => new Net([
      { type: 'Input', name: 'in', tops: ['x'], shapes: [[2, 2, 3]] },
      { type: 'Tile', name: 'tile', bottoms: ['x'], tops: ['y'], axis: -1, tiles: 2 ** 31 - 1 },
    ], { backend: new JsBackend() });
    assert.throws(net, (e: unknown) => e instanceof ConfigError && /layer "tile" \(Tile\): top "y" \[2, 2, 6442450941\] would hold/.test((e as Error).message));
  });

  it('ArgMax: indices, values, ties to the lower index', () => {
    const x = [0.1, 0.9, 0.5, 0.9, /* sample 2 */ 3, 1, 2, 0];
    const r = run(layer('ArgMax', ['x'], ['y'], { topK: 2, outMaxVal: true }), [[2, 4]], [x]);
    assert.deepEqual(r.built.tops[0].shape, [2, 2, 2]);
    assert.deepEqual(r.y[0], [1, 3, 0.9, 0.9, 0, 2, 3, 2]);
    const a = run(layer('ArgMax', ['x'], ['y'], { axis: 0 }), [[2, 4]], [x]);
    assert.deepEqual(a.y[0], [1, 1, 1, 0]);
    assert.throws(() => buildLayer(backend, layer('ArgMax', ['x'], ['y'], { topK: 5 }), [[2, 4]]), /field "topK" is 5 .* only 4 entries/);
  });

  it('ChannelPooling max and mean across channels', () => {
    const x = [1, 8, /* c1 */ 5, 2, /* c2 */ 3, 4, /* c3 */ 7, 6];
    const m = run(layer('ChannelPooling', ['x'], ['y'], { kernel: 2, stride: 2 }), [[1, 4, 2]], [x]);
    assert.deepEqual(m.y[0], [5, 8, 7, 6]);
    assert.deepEqual(m.dx[0], [0, 2, 1, 0, 0, 0, 3, 4]);
    const a = run(layer('ChannelPooling', ['x'], ['y'], { method: 'mean', kernel: 2, stride: 2 }), [[1, 4, 2]], [x]);
    assert.deepEqual(a.y[0], [3, 5, 5, 5]);
  });
});

describe('elementwise layers', () => {
  it('Eltwise MAX routes the gradient to the first maximum', () => {
    const r = run(layer('Eltwise', ['a', 'b', 'c'], ['y'], { operation: 'MAX' }), [[3], [3], [3]], [[1, 5, 2], [3, 5, 2], [0, 4, 2]]);
    assert.deepEqual(r.y[0], [3, 5, 2]);
    assert.deepEqual(r.dx, [[0, 2, 3], [1, 0, 0], [0, 0, 0]]);
  });

  it('Eltwise PROD and SUM with coefficients', () => {
    const p = run(layer('Eltwise', ['a', 'b'], ['y'], { operation: 'PROD' }), [[2], [2]], [[2, 3], [4, 0]]);
    assert.deepEqual(p.y[0], [8, 0]);
    assert.deepEqual(p.dx, [[4, 0], [2, 6]]);
    const s = run(layer('Eltwise', ['a', 'b'], ['y'], { coeff: [2, -1] }), [[2], [2]], [[2, 3], [4, 0]]);
    assert.deepEqual(s.y[0], [0, 6]);
    assert.deepEqual(s.dx, [[2, 4], [-1, -2]]);
  });

  it('Clip passes the gradient at the bounds, as Caffe', () => {
    const r = run(layer('Clip', ['x'], ['y'], { min: -1, max: 1 }), [[5]], [[-2, -1, 0.25, 1, 3]]);
    assert.deepEqual(r.y[0], [-1, -1, 0.25, 1, 1]);
    assert.deepEqual(r.dx[0], [0, 2, 3, 4, 0]);
  });

  it('ELU and PReLU take the negative side at x = 0; NaN gives NaN in Clip, ELU and PReLU', () => {
    const e = run(layer('ELU', ['x'], ['y'], { alpha: 2 }), [[3]], [[0, NaN, 1e-300]]);
    assert.deepEqual(e.y[0], [0, NaN, 1e-300]);
    assert.deepEqual(e.dx[0], [2, NaN, 3]);
    const pr = run(layer('PReLU', ['x'], ['y'], { channelShared: true }), [[1, 3]], [[0, NaN, 1e-300]]);
    assert.deepEqual(pr.y[0], [0, NaN, 1e-300]);
    assert.deepEqual(pr.dx[0], [0.25, NaN, 3]);
    const c = run(layer('Clip', ['x'], ['y'], { min: -1, max: 1 }), [[2]], [[NaN, 0.5]]);
    assert.deepEqual(c.y[0], [NaN, 0.5]);
    assert.deepEqual(c.dx[0], [NaN, 2]);
  });

  it('Eltwise MAX is exact across magnitudes, and NaN in any bottom gives NaN', () => {
    const r = run(layer('Eltwise', ['a', 'b'], ['y'], { operation: 'MAX' }), [[3], [3]], [[-3, 1, NaN], [1e-17, NaN, 1]]);
    assert.deepEqual(r.y[0], [1e-17, NaN, NaN]);
    assert.deepEqual([r.dx[0][0], r.dx[1][0]], [0, 1]);
  });

  it('Power, ELU, PReLU, Scale with bias, Reduction values', () => {
    const p = run(layer('Power', ['x'], ['y'], { power: 2, scale: 2, shift: 1 }), [[2]], [[1, -1]]);
    assert.deepEqual(p.y[0], [9, 1]);
    assert.deepEqual(p.dx[0], [2 * 2 * 3 * 1, 2 * 2 * -1 * 2]);
    const e = run(layer('ELU', ['x'], ['y'], { alpha: 2 }), [[2]], [[1, -1]]);
    assert.ok(Math.abs(e.y[0][1] - 2 * (Math.exp(-1) - 1)) < 1e-12);
    assert.ok(Math.abs(e.dx[0][1] - 2 * 2 * Math.exp(-1)) < 1e-12 && e.dx[0][0] === 1);
    const pr = run(layer('PReLU', ['x'], ['y']), [[1, 2, 2]], [[1, -2, -4, 3]]);
    assert.deepEqual(pr.y[0], [1, -0.5, -1, 3]);
    assert.deepEqual(pr.dx[0], [1, 0.5, 0.75, 4]);
    assert.deepEqual([...pr.built.layer.params[0].blob.readDiff()], [2 * -2, 3 * -4]);
    const s = run(layer('Scale', ['x', 's'], ['y']), [[1, 2, 2], [2]], [[1, 2, 3, 4], [10, -1]]);
    assert.deepEqual(s.y[0], [10, 20, -3, -4]);
    assert.deepEqual(s.dx, [[10, 20, -3, -4], [1 + 4, 9 + 16]]);
    const red = run(layer('Reduction', ['x'], ['y'], { operation: 'SUMSQ', axis: 1, coeff: 0.5 }), [[2, 2]], [[1, 2, 3, -4]], [[1, 10]]);
    assert.deepEqual(red.y[0], [2.5, 12.5]);
    assert.deepEqual(red.dx[0], [1, 2, 30, -40]);
  });
});

describe('structural layer configuration errors', () => {
  const fails = (config: LayerConfig, shapes: Shape[], error: typeof ConfigError | typeof ShapeError, message: RegExp) =>
    assert.throws(() => buildLayer(backend, config, shapes), (e: Error) => e instanceof error && message.test(e.message));

  it('names the layer, the field and what was found', () => {
    fails(layer('Slice', ['x'], ['a', 'b'], { slicePoints: [1, 2] }), [[2, 4]], ConfigError, /layer "slice" \(Slice\): field "slicePoints" must be a list of 1 integers/);
    fails(layer('Slice', ['x'], ['a', 'b'], { slicePoints: [4] }), [[2, 4]], ShapeError, /must increase strictly inside \(0, 4\)/);
    fails(layer('Slice', ['x'], ['a', 'b', 'c']), [[2, 4]], ShapeError, /size 4, which does not split evenly into 3 tops/);
    fails(layer('Reshape', ['x'], ['y'], { shape: [5, -1] }), [[2, 4]], ShapeError, /cannot infer the -1 in \[5, -1\]: bottom "x" \[2, 4\] has 8 values/);
    fails(layer('Reshape', ['x'], ['y'], { shape: [3, 3] }), [[2, 4]], ShapeError, /holds 9 values but bottom "x" \[2, 4\] holds 8/);
    fails(layer('Concat', ['a', 'b'], ['y']), [[2, 3], [3, 3]], ShapeError, /bottom "b" \[3, 3\] must match bottom "a" \[2, 3\] on every axis but 1/);
    fails(layer('Eltwise', ['a', 'b'], ['y'], { operation: 'MAX', coeff: [1, 2] }), [[2], [2]], ConfigError, /field "coeff" must be left out/);
    fails(layer('Clip', ['x'], ['y'], { min: 1, max: 0 }), [[2]], ConfigError, /field "max" must be >= "min" \(1\), found 0/);
    fails(layer('Crop', ['x', 'r'], ['y'], { offset: [2] }), [[1, 1, 3, 3], [1, 1, 2, 2]], ShapeError, /on axis 2, offset 2 plus the reference size 2/);
    fails(layer('Scale', ['x', 's'], ['y']), [[2, 3, 4], [4]], ShapeError, /bottom "s" \[4\] must equal the axes 1 to 1 of bottom "x" \[2, 3, 4\], that is \[3\]/);
    fails(layer('Flatten', ['x'], ['y'], { axis: 4 }), [[2, 3]], ShapeError, /field "axis" is 4 but bottom "x" \[2, 3\] has 2 axes/);
    fails(layer('ElementWise', ['a', 'b'], ['y'], { operation: 'pow' }), [[2], [2]], ConfigError, /field "operation" must be one of 'add'/);
  });
});

describe('Index2Onehot', () => {
  const forward = (config: LayerConfig, shapes: Shape[], values: number[][]) => {
    const built = buildLayer(backend, config, shapes, { values });
    built.layer.forward(built.bottoms, built.tops);
    return { shape: built.tops[0].shape, values: [...built.tops[0].read()] };
  };
  it('turns labels into one-hot vectors, appending or replacing the class axis', () => {
    const flat = forward(layer('Index2Onehot', ['x'], ['y'], { classes: 3 }), [[4]], [[2, 0, 1, 2]]);
    assert.deepEqual(flat.shape, [4, 3]);
    assert.deepEqual(flat.values, [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const spatial = forward(layer('Index2Onehot', ['x'], ['y'], { classes: 2 }), [[1, 1, 3]], [[1, 0, 1]]);
    assert.deepEqual(spatial.shape, [1, 2, 3]);
    assert.deepEqual(spatial.values, [0, 1, 0, 1, 0, 1]);
    assert.throws(() => forward(layer('Index2Onehot', ['x'], ['y'], { classes: 2 }), [[2, 3]], [[0, 1, 0, 1, 0, 1]]),
      (e: Error) => e instanceof ShapeError && /layer "index2onehot" \(Index2Onehot\).*needs size 1 at axis 1/.test(e.message));
  });
});
