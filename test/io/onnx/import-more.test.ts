/**
 * The operators of import-more.ts on small graphs written here: reductions, Pow, HardSigmoid,
 * HardSwish, ArgMax, TopK, Cast, Exp, nearest Resize and Upsample, and the broadcast of a computed value (a
 * squeeze-and-excitation gate). Each accepted graph runs in Cortado (js) and in onnxruntime-node
 * and must agree; each refused use is a ConfigError naming the node and why.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/core/errors.js';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { encodeModel, floatTensor, int64Tensor, type Msg } from '../../../src/io/onnx/codec.js';
import { fold } from '../../../src/io/onnx/fold.js';
import { importOnnx } from '../../../src/io/onnx/index.js';
import { InputLayer } from '../../../src/layers/input.js';
import { Net } from '../../../src/node/net.js';
import { load } from '../caffe/helpers.js';
import { maxRelDiff, runOrt } from './helpers.js';
import { agrees, cortado, inputOf, model, node, skip, value, type Graph } from './graphs.js';

describe('ONNX import of reductions, Pow, hard activations, ArgMax, TopK, Cast, Exp and broadcasts', () => {
  it('HardSigmoid (alpha, beta) and HardSwish', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [node('HardSigmoid', ['x'], ['y'], { alpha: 0.3, beta: 0.4 })], inputs: [['x', [2, 5]]], outputs: ['y'] }), ['Input', 'Power', 'Clip']);
    assert.deepEqual(await agrees({ nodes: [node('HardSwish', ['x'], ['y'])], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] }), ['Input', 'Power', 'Clip', 'Eltwise']);
  });

  it('ReduceL2 and ReduceMean with keepdims over trailing axes, ReduceSum over axes from an input, ReduceL1 over everything', { skip }, async () => {
    await agrees({ nodes: [node('ReduceL2', ['x'], ['y'], { axes: [2, 3], keepdims: 1 })], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceMean', ['x'], ['y'], { axes: [-1, 2] })], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 0 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [int64Tensor('axes', [1], [-1])] });
    await agrees({ nodes: [node('ReduceSumSquare', ['x'], ['y'], { axes: [1, 2], keepdims: 0 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceL1', ['x'], ['y'], { keepdims: 0 })], inputs: [['x', [2, 3]]], outputs: ['y'] });
  });

  it('reductions over other axes than the trailing ones move them there first (a mean over a sequence)', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [node('ReduceMean', ['x'], ['y'], { axes: [1], keepdims: 0 })], inputs: [['x', [2, 5, 3]]], outputs: ['y'] }), ['Input', 'Permute', 'Reduction']);
    await agrees({ nodes: [node('ReduceMean', ['x'], ['y'], { axes: [1] })], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: 1 })], inputs: [['x', [2, 3, 4, 5]]], outputs: ['y'], inits: [int64Tensor('axes', [2], [1, 3])] });
    await agrees({ nodes: [node('ReduceL2', ['x'], ['y'], { axes: [0], keepdims: 0 })], inputs: [['x', [3, 4]]], outputs: ['y'] });
  });

  it('Exp and Log of any computed value: an Exp or Log layer, taking in the affine Power before it; an Exp after a Convolution its neuron', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [node('Exp', ['x'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'] }), ['Input', 'Exp']);
    // log-sigmoid
    assert.deepEqual(await agrees({ nodes: [node('Sigmoid', ['x'], ['a']), node('Log', ['a'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'] }), ['Input', 'Sigmoid', 'Log']);
    // log(x / 2 + 4) and exp(-x / 2 + 1): the Mul and Add before them are their scale and shift
    const affine = (op: string, k: number, b: number): Graph => ({
      nodes: [node('Mul', ['x', 'k'], ['m']), node('Add', ['m', 'b'], ['s']), node(op, ['s'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'],
      inits: [floatTensor('k', [], [k]), floatTensor('b', [], [b])],
    });
    assert.deepEqual(await agrees(affine('Log', 0.5, 4)), ['Input', 'Log']);
    assert.deepEqual(await agrees(affine('Exp', -0.5, 1)), ['Input', 'Exp']);
    const { definition } = importOnnx(model(affine('Log', 0.5, 4)), { file: 'g.onnx' });
    assert.deepEqual(definition.layers.map((l) => [l.type, l.scale, l.shift]).slice(1), [['Log', 0.5, 4]]);
  });

  it('Slice with steps above 1 (Swin\'s patch merging) is runs of k seen as [m, k], one offset of each kept; a Pad of nothing is an Identity', { skip }, async () => {
    const sliced = (starts: number[], ends: number[], steps: number[], shape: number[]): Graph => ({
      nodes: [node('Slice', ['x', 's', 'e', 'a', 'k'], ['y'])], inputs: [['x', shape]], outputs: ['y'],
      inits: [int64Tensor('s', [starts.length], starts), int64Tensor('e', [ends.length], ends), int64Tensor('a', [starts.length], [1, 2].slice(0, starts.length)), int64Tensor('k', [steps.length], steps)],
    });
    const types = await agrees(sliced([0, 1], [9999, 9999], [2, 2], [2, 6, 8, 3]));
    assert.deepEqual(types.filter((t) => t === 'Reshape').length, 4, 'a Reshape each way per stepped axis');
    await agrees(sliced([1, 0], [6, 7], [3, 2], [1, 7, 8, 2]));  // 1, 4 of 7 and 0, 2, 4, 6 of 8
    await agrees(sliced([1], [7], [2], [2, 7, 3]));  // 1, 3, 5 of 7: the run 0..5 holds them at offset 1
    assert.throws(() => importOnnx(model(sliced([0], [5], [2], [2, 5, 3])), { file: 'g.onnx' }),
      (e: Error) => e instanceof ConfigError && /a step of 2 from 0 over an axis of 5: its last run of 2 passes the end/.test(e.message));
    assert.deepEqual(await agrees({ nodes: [node('Pad', ['x', 'p'], ['y'])], inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [int64Tensor('p', [6], [0, 0, 0, 0, 0, 0])] }), ['Input', 'Identity']);
  });

  it('an added constant computed from literals alone (a mask) is a Bias that does not learn, repeated along its axes of 1 inside; an initializer so broadcast is refused', { skip }, async () => {
    // [2, 1, 3] of 0 and -100 (Swin's attention mask: one for all heads) over scores [2, 4, 3]
    const mask = { nodes: [node('Constant', [], ['m'], {}, 'c'), node('Add', ['x', 'm'], ['y'])], inputs: [['x', [2, 4, 3]]] as [string, number[]][], outputs: ['y'] };
    mask.nodes[0]!.attribute = [{ name: 'value', type: 4, t: floatTensor('', [2, 1, 3], [0, -100, 0, -100, 0, 0]) }];
    assert.deepEqual(await agrees(mask), ['Input', 'Bias']);
    const { definition, weights } = importOnnx(model(mask), { file: 'g.onnx' });
    assert.deepEqual(definition.layers[1]!.params, [{ lrMult: 0, decayMult: 0 }]);
    assert.deepEqual([...weights.values()][0]!.shape, [2, 4, 3]);
    // read as data (Concatenated): a Parameter that does not learn, where an initializer's learns
    const row = (init: boolean): Graph => {
      const g: Graph = { nodes: [node('Concat', ['x', 'c'], ['y'], { axis: 0 })], inputs: [['x', [2, 3]]], outputs: ['y'], inits: init ? [floatTensor('c', [1, 3], [7, 8, 9])] : [] };
      if (!init) g.nodes.unshift({ ...node('Constant', [], ['c'], {}, 'k'), attribute: [{ name: 'value', type: 4, t: floatTensor('', [1, 3], [7, 8, 9]) }] });
      return g;
    };
    for (const init of [false, true]) {
      await agrees(row(init));
      const p = importOnnx(model(row(init)), { file: 'g.onnx' }).definition.layers.find((l) => l.type === 'Parameter')!;
      assert.deepEqual(p.params, init ? undefined : [{ lrMult: 0, decayMult: 0 }]);
    }
    const weight: Graph = { nodes: [node('Add', ['x', 'w'], ['y'])], inputs: [['x', [2, 4, 3]]], outputs: ['y'], inits: [floatTensor('w', [2, 1, 3], [1, 2, 3, 4, 5, 6])] };
    assert.throws(() => importOnnx(model(weight), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && /a weight of shape \[2,1,3\] repeated along axes inside the ones it spans of a value of shape \[2,4,3\]/.test(e.message));
  });

  it('Softplus (Mish written out: Softplus, Tanh, Mul), ArgMin as the ArgMax of -x, and Size of a computed value folded', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [node('Softplus', ['x'], ['s']), node('Tanh', ['s'], ['t']), node('Mul', ['x', 't'], ['y'])], inputs: [['x', [2, 5]]], outputs: ['y'] }), ['Input', 'Softplus', 'TanH', 'Eltwise']);
    await agrees({ nodes: [node('ArgMin', ['x'], ['i'], { axis: 1, keepdims: 0 }), node('Cast', ['i'], ['y'], { to: 1 })], inputs: [['x', [3, 6]]], outputs: ['y'] });
    // a Size of a computed value is a number known at import: here the count a Reshape flattens to
    assert.deepEqual(await agrees({
      nodes: [node('Relu', ['x'], ['r']), node('Size', ['r'], ['n']), node('Unsqueeze', ['n', 'zero'], ['shape']), node('Reshape', ['r', 'shape'], ['y'])],
      inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [int64Tensor('zero', [1], [0])],
    }), ['Input', 'ReLU', 'Reshape']);
  });

  it('ReduceMax and ReduceMin over any axes, with and without keepdims, are a max Pooling of the reduced values', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [node('ReduceMax', ['x'], ['y'], { axes: [2, 3], keepdims: 1 })], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] }), ['Input', 'Reshape', 'Pooling', 'Reshape']);
    // over a sequence (PointNet's max over points): moved last first
    assert.deepEqual(await agrees({ nodes: [node('ReduceMax', ['x'], ['y'], { axes: [1], keepdims: 0 })], inputs: [['x', [2, 5, 3]]], outputs: ['y'] }), ['Input', 'Permute', 'Reshape', 'Pooling', 'Reshape']);
    assert.deepEqual(await agrees({ nodes: [node('ReduceMin', ['x'], ['y'], { axes: [-1] })], inputs: [['x', [2, 3, 4]]], outputs: ['y'] }), ['Input', 'Power', 'Reshape', 'Pooling', 'Power', 'Reshape']);
    await agrees({ nodes: [node('ReduceMax', ['x'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceMin', ['x'], ['y'], { axes: [0, 2], keepdims: 0 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'] });
    await agrees({ nodes: [node('ReduceMax', ['x', 'axes'], ['y'], { keepdims: 0 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'], opset: 18, inits: [int64Tensor('axes', [1], [1])] });
  });

  it('a Reduction times a constant is one Reduction with a coefficient', { skip }, async () => {
    const types = await agrees({
      nodes: [node('ReduceSum', ['x', 'axes'], ['r'], { keepdims: 0 }), node('Mul', ['r', 'k'], ['y'])],
      inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [int64Tensor('axes', [2], [1, 2]), floatTensor('k', [], [0.25])],
    });
    assert.deepEqual(types, ['Input', 'Reduction']);
  });

  it('Pow after a multiplication and an addition by one value is one Power layer', { skip }, async () => {
    const types = await agrees({
      nodes: [node('Mul', ['x', 'a'], ['m']), node('Add', ['m', 'b'], ['s']), node('Pow', ['s', 'p'], ['y'])],
      inputs: [['x', [2, 6]]], outputs: ['y'], inits: [floatTensor('a', [], [0.5]), floatTensor('b', [], [3]), floatTensor('p', [], [3])],
    });
    assert.deepEqual(types, ['Input', 'Power']);
    // A scale that another node also reads stays a layer of its own; a constant named as Cortado
    // names a parameter stays one.
    const kept = await agrees({
      nodes: [node('Mul', ['x', 'a'], ['m']), node('Pow', ['m', 'p'], ['y']), node('Relu', ['m'], ['z'])],
      inputs: [['x', [2, 6]]], outputs: ['y', 'z'], inits: [floatTensor('a', [], [0.5]), floatTensor('p', [], [2])],
    });
    assert.deepEqual(kept, ['Input', 'Power', 'Power', 'ReLU']);
    const named = await agrees({ nodes: [node('Mul', ['x', 's___scale'], ['y'])], inputs: [['x', [2, 6]]], outputs: ['y'], inits: [floatTensor('s___scale', [], [0.5])] });
    assert.deepEqual(named, ['Input', 'Scale']);
  });

  it('ArgMax with and without keepdims, ties to the first index; Cast of its indices to an integer type and back', { skip }, async () => {
    await agrees({ nodes: [node('ArgMax', ['x'], ['i'], { axis: 1 }), node('Cast', ['i'], ['y'], { to: 1 })], inputs: [['x', [2, 6]]], outputs: ['y'] });
    await agrees({
      nodes: [node('ArgMax', ['x'], ['i'], { axis: -1, keepdims: 0 }), node('Cast', ['i'], ['j'], { to: 6 }, 'cast1'), node('Cast', ['j'], ['y'], { to: 1 }, 'cast2')],
      inputs: [['x', [2, 3, 5]]], outputs: ['y'],
    });
  });

  it('TopK: its values and its indices, each one ArgMax', { skip }, async () => {
    const types = await agrees({
      nodes: [node('TopK', ['x', 'k'], ['v', 'i'], { axis: -1 }), node('Cast', ['i'], ['y'], { to: 1 })],
      inputs: [['x', [2, 7]]], outputs: ['v', 'y'], inits: [int64Tensor('k', [1], [3])],
    });
    assert.deepEqual(types, ['Input', 'ArgMax', 'ArgMax', 'Identity']);
  });

  it('Exp after a Gemm becomes its Exponential neuron', { skip }, async () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i) * 0.2);
    const types = await agrees({ nodes: [node('Gemm', ['x', 'w'], ['h'], { transB: 1 }), node('Exp', ['h'], ['y'])], inputs: [['x', [2, 4]]], outputs: ['y'], inits: [floatTensor('w', [3, 4], w)] });
    assert.deepEqual(types, ['Input', 'InnerProduct']);
  });

  it('a squeeze-and-excitation gate: Mul and Add of a computed [N, C, 1, 1] over [N, C, H, W], and a [C, 1] factor shared by the batch', { skip }, async () => {
    const nodes = [node('GlobalAveragePool', ['x'], ['p']), node('Sigmoid', ['p'], ['g']), node('Mul', ['x', 'g'], ['y']), node('Add', ['g', 'x'], ['z'], {}, 'add')];
    assert.deepEqual(await agrees({ nodes, inputs: [['x', [2, 3, 4, 4]]], outputs: ['y', 'z'] }), ['Input', 'Pooling', 'Sigmoid', 'Reshape', 'Scale', 'Reshape', 'Bias']);
    await agrees({ nodes: [node('Mul', ['f', 'x'], ['y'])], inputs: [['x', [2, 3, 4, 5]], ['f', [4, 1]]], outputs: ['y'] });
  });

  it('other broadcasts of computed values tile the operands: an attention mask over the scores (1 - mask, Unsqueeze, Mul, Add, Softmax), Sub, operands broadcast both ways, Max of three', { skip }, async () => {
    const mask = [
      node('Unsqueeze', ['m', 'axes'], ['m4']), node('Sub', ['one', 'm4'], ['inv']), node('Mul', ['inv', 'big'], ['neg']),
      node('Add', ['s', 'neg'], ['masked']), node('Softmax', ['masked'], ['p'], { axis: -1 }),
    ];
    const types = await agrees({ nodes: mask, inputs: [['s', [2, 2, 3, 3]], ['m', [2, 3]]], outputs: ['p'], inits: [int64Tensor('axes', [2], [1, 2]), floatTensor('one', [], [1]), floatTensor('big', [], [-1e4])] });
    assert.deepEqual(types, ['Input', 'Input', 'Reshape', 'Power', 'Tile', 'Tile', 'Eltwise', 'Softmax']);
    assert.deepEqual(await agrees({ nodes: [node('GlobalAveragePool', ['x'], ['p']), node('Sub', ['x', 'p'], ['y'])], inputs: [['x', [2, 3, 4, 4]]], outputs: ['y'] }), ['Input', 'Pooling', 'Tile', 'Tile', 'ElementWise']);
    await agrees({ nodes: [node('Sigmoid', ['b'], ['bs']), node('Div', ['a', 'bs'], ['y'])], inputs: [['a', [2, 3, 1]], ['b', [4]]], outputs: ['y'] });
    await agrees({ nodes: [node('Max', ['a', 'b', 'c'], ['y'])], inputs: [['a', [3, 1]], ['b', [1, 4]], ['c', [3, 4]]], outputs: ['y'] });
  });

  it('a constant mask of 0s and -Infinity (causal, added to the scores) is a Bias that does not learn; with +Infinity, NaN or another value, or named as a parameter, it stays a damaged weight', { skip }, async () => {
    const causal = Float32Array.from({ length: 9 }, (_, i) => (i % 3 > Math.floor(i / 3) ? -Infinity : 0));
    const g: Graph = { nodes: [node('Add', ['s', 'mask'], ['masked']), node('Softmax', ['masked'], ['p'], { axis: -1 })], inputs: [['s', [2, 2, 3, 3]]], outputs: ['p'], inits: [floatTensor('mask', [3, 3], causal)] };
    assert.deepEqual(await agrees(g), ['Input', 'Bias', 'Softmax']);
    const bias = importOnnx(model(g)).definition.layers.find((l) => l.type === 'Bias')!;
    assert.deepEqual(bias.params, [{ lrMult: 0, decayMult: 0 }]);
    // a mask holds 0s and -Infinity only; anything else beside -Infinity is damage
    for (const bad of [Infinity, NaN, 0.5]) {
      const damaged = { ...g, inits: [floatTensor('mask', [3, 3], causal.map((v, i) => (i === 4 ? bad : v)))] };
      // not a mask then: its first value that is not finite is named
      assert.throws(() => importOnnx(model(damaged), { file: 'g.onnx' }), /weight "add___bias" has -Infinity at index 1 \(weights must be finite\)/);
    }
    const named = { ...g, nodes: [node('Add', ['s', 'attn___bias'], ['masked']), g.nodes[1]!], inits: [floatTensor('attn___bias', [3, 3], causal)] };
    assert.throws(() => importOnnx(model(named), { file: 'g.onnx' }), /has -Infinity at index 1 \(weights must be finite\)/);
    // a Linear layer's bias (MatMul + Add) of zeros but one -Infinity: damage, not a mask
    const linear: Graph = {
      nodes: [node('MatMul', ['x', 'w'], ['xw']), node('Add', ['xw', 'b'], ['y'])], inputs: [['x', [2, 4]]], outputs: ['y'],
      inits: [floatTensor('w', [4, 3], Float32Array.from({ length: 12 }, (_, i) => i / 10)), floatTensor('b', [3], [0, -Infinity, 0])],
    };
    assert.throws(() => importOnnx(model(linear), { file: 'g.onnx' }), /weight "matmul___bias" has -Infinity at index 1 \(weights must be finite\)/);
  });

  it('a padding mask from a boolean input (Reshape, Expand, Cast to bool, Where between -Infinity and 0) added to the scores matches onnxruntime; Where refuses other conditions and computed choices', { skip }, async () => {
    const nodes = [
      node('Reshape', ['m', 'to4'], ['m4']), node('Expand', ['m4', 'wide'], ['me']), node('Cast', ['me'], ['mb'], { to: 9 }),
      node('Where', ['mb', 'minus', 'zero'], ['w']), node('Add', ['s', 'w'], ['a']), node('Softmax', ['a'], ['p'], { axis: -1 }),
    ];
    const inits = [int64Tensor('to4', [4], [2, 1, 1, 3]), int64Tensor('wide', [4], [2, 2, 1, 3]), floatTensor('minus', [], [-Infinity]), floatTensor('zero', [1], [0])];
    const bool = (name: string, shape: number[]): Msg => ({ ...value(name, shape), type: { tensor_type: { elem_type: 9, shape: { dim: shape.map((d) => ({ dim_value: d })) } } } });
    const bytes = encodeModel({
      ir_version: 8, opset_import: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: nodes, initializer: inits, input: [value('s', [2, 2, 3, 3]), bool('m', [2, 3])], output: [{ name: 'p' }] },
    });
    const s = inputOf([2, 2, 3, 3]);
    const m = [0, 0, 1, 0, 1, 1];
    const { definition, weights } = importOnnx(bytes, { file: 'g.onnx' });
    assert.deepEqual(definition.layers.map((l) => l.type), ['Input', 'Input', 'Reshape', 'Tile', 'Identity', 'Power', 'Tile', 'Eltwise', 'Softmax']);
    const net = new Net(definition.layers, { backend: new JsBackend('float32'), phase: 'test' });
    load(net, weights);
    (net.layers[0] as InputLayer).feed('s', s);
    (net.layers[1] as InputLayer).feed('m', m);
    net.forward();
    const ours = Float32Array.from(net.blob('p').read());
    const theirs = (await runOrt(bytes, { s: { values: s, shape: [2, 2, 3, 3] }, m: { values: m, shape: [2, 3], bool: true } })).get('p')!.data;
    assert.ok(maxRelDiff(theirs, ours) < 1e-6, `${theirs} vs ${ours}`);
    assert.equal(ours[2], 0, 'a masked position gets no weight');
    net.destroy();
    const refusedBy = (g: Graph, why: RegExp) => assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && why.test(e.message), `${why}`);
    refusedBy({ nodes: [node('Where', ['c', 'minus', 'zero'], ['w'])], inputs: [['c', [2, 3]]], outputs: ['w'], inits: inits.slice(2) }, /node "where" \(Where, #0\): a condition not read from a boolean graph input/);
    refusedBy({ nodes: [node('Where', ['c', 'x', 'zero'], ['w'])], inputs: [['c', [2, 3]], ['x', [2, 3]]], outputs: ['w'], inits: inits.slice(3) }, /a condition not read from a boolean graph input or a comparison/);
  });

  it('comparisons with a constant (either side) are Compare masks; Not and Where over them, choosing constants or computed values (masked_fill, broadcast over heads), match onnxruntime', { skip }, async () => {
    const g: Graph = {
      nodes: [
        node('Equal', ['k', 'zero'], ['e']), node('Reshape', ['e', 'to4'], ['e4']),
        node('Where', ['e4', 'minus', 's'], ['w1'], {}, 'masked_fill'), node('Softmax', ['w1'], ['p1'], { axis: -1 }),
        node('Not', ['e'], ['ne']), node('Reshape', ['ne', 'to4'], ['ne4'], {}, 'reshape_not'),
        node('Where', ['ne4', 's', 'half'], ['w2'], {}, 'keep'),
        node('Where', ['e4', 's', 't'], ['w3'], {}, 'either'),
        node('Less', ['two', 'k'], ['l'], {}, 'above_two'), node('Cast', ['l'], ['lf'], { to: 1 }),
        node('GreaterOrEqual', ['k', 'zero'], ['ge'], {}, 'nonnegative'), node('Where', ['ge', 'k', 'zero'], ['relu'], {}, 'relu_by_mask'),
      ],
      inputs: [['s', [2, 2, 3, 3]], ['t', [2, 2, 3, 3]], ['k', [2, 3]]], outputs: ['p1', 'w2', 'w3', 'lf', 'relu'],
      inits: [floatTensor('zero', [], [0]), int64Tensor('to4', [4], [2, 1, 1, 3]), floatTensor('minus', [1], [-Infinity]), floatTensor('half', [1], [0.5]), floatTensor('two', [], [2])],
    };
    const types = await agrees(g);
    assert.equal(types.filter((t) => t === 'Compare').length, 3);
    const { definition } = importOnnx(model(g), { file: 'g.onnx' });
    assert.deepEqual(definition.layers.filter((l) => l.type === 'Compare').map((l) => [l.operation, l.value]), [['equal', 0], ['greater', 2], ['greaterOrEqual', 0]]);
    // k holds 0 once (inputOf's first value): one masked column in p1
    assert.equal(inputOf([2, 3])[0], 0);
    const refusedBy = (h: Graph, why: RegExp) => assert.throws(() => importOnnx(model(h), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && why.test(e.message), `${why}`);
    refusedBy({ nodes: [node('Equal', ['k', 'j'], ['e'])], inputs: [['k', [2, 3]], ['j', [2, 3]]], outputs: ['e'] }, /node "equal" \(Equal, #0\): a comparison of two computed values/);
    refusedBy({ nodes: [node('Less', ['k', 'row'], ['e'])], inputs: [['k', [2, 3]]], outputs: ['e'], inits: [floatTensor('row', [3], [1, 2, 3])] }, /a constant of several values, \[3\]/);
    refusedBy({ nodes: [node('Not', ['k'], ['n'])], inputs: [['k', [2, 3]]], outputs: ['n'] }, /node "not" \(Not, #0\): a value not known to hold only 0 and 1/);
    refusedBy({ nodes: [node('Greater', ['c', 'fives'], ['e'])], inputs: [['c', [2, 1]]], outputs: ['e'], inits: [floatTensor('fives', [3], [5, 5, 5])] }, /a constant of shape \[3\] beyond the compared value's \[2,1\]/);
    refusedBy({ ...g, nodes: [...g.nodes.slice(0, 2), node('Where', ['e4', 'inf', 's'], ['w1'])], outputs: ['w1'], inits: [...g.inits!, floatTensor('inf', [1], [Infinity])] }, /a constant of Infinity to choose/);
  });

  it('refuses, naming the node and why: a lossy Cast, shapes numpy cannot broadcast, the smallest of TopK', () => {
    const refused = (g: Graph, node: string, why: RegExp) =>
      assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && e.message.startsWith('g.onnx: 1 node(s) Cortado cannot import:') && e.message.includes(`node "${node}"`) && why.test(e.message), `${node}`);
    refused({ nodes: [node('Relu', ['x'], ['r']), node('Cast', ['r'], ['y'], { to: 7 })], inputs: [['x', [2, 3]]], outputs: ['y'] }, 'cast', /a cast to type 7 of computed values/);
    refused({ nodes: [node('Add', ['x', 'z'], ['y'])], inputs: [['x', [2, 3]], ['z', [3, 2]]], outputs: ['y'] }, 'add', /a broadcast between computed values of shapes \[2,3\], \[3,2\] \(numpy's rules: each size 1 or the largest\)/);
    refused({ nodes: [node('TopK', ['x', 'k'], ['v', 'i'], { largest: 0 })], inputs: [['x', [2, 7]]], outputs: ['v'], inits: [int64Tensor('k', [1], [2])] }, 'topk', /largest 0/);
  });
});

describe('refused nodes', () => {
  it('every cause is listed, on every path, and every operator Cortado lacks; the nodes reading what the causes would compute are counted after them', () => {
    const bytes = model({
      nodes: [node('Sin', ['x'], ['a']), node('Relu', ['x'], ['r']), node('Cast', ['r'], ['e'], { to: 7 }), node('Add', ['a', 'e'], ['s']), node('Shape', ['s'], ['shape']),
        node('Reshape', ['s', 'shape'], ['t']), node('Sin', ['t'], ['u'], {}, 'sin2'), node('constructor', ['x'], ['y'], {}, 'proto')],
      inputs: [['x', [2, 3]]], outputs: ['y'],
    });
    assert.throws(() => importOnnx(bytes, { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && e.message ===
      'g.onnx: 4 node(s) Cortado cannot import:\n' +
      '  node "sin" (Sin, #0): Cortado has no layer for this operator\n' +
      '  node "cast" (Cast, #2): a cast to type 7 of computed values (Cortado computes in float; it casts an ArgMax\'s indices)\n' +
      '  node "sin2" (Sin, #6): Cortado has no layer for this operator\n' +
      // Not an operator because JavaScript objects have it.
      '  node "proto" (constructor, #7): Cortado has no layer for this operator\n' +
      '  and 3 later node(s) reading what these would compute ("add", "shape", "reshape")');
  });
});

describe('constant folding', () => {
  const t = (values: number[], integer: boolean) => ({ dims: [values.length], values: Float64Array.from(values), integer });
  const none = new Map<string, any>();
  const read = () => { throw new Error('no tensor attributes here'); };
  it('a Div of integers truncates (ShuffleNet splits its channels with a size / 2); of floats it does not', () => {
    assert.deepEqual(Array.from(fold('Div', [t([49, -7], true), t([2, 2], true)], none, read).values), [24, -3]);
    assert.deepEqual(Array.from(fold('Div', [t([49], false), t([2], true)], none, read).values), [24.5]);
  });
  it('integers stay integers through the ops that move values, and a Cast says what it makes', () => {
    const gathered = fold('Gather', [t([7, 49, 3], true), t([1], true)], none, read);
    assert.equal(gathered.integer, true);
    assert.equal(fold('Cast', [t([1.5], false)], new Map([['to', 7]]), read).integer, true);
    assert.equal(fold('Cast', [t([3], true)], new Map([['to', 1]]), read).integer, false);
    assert.deepEqual(Array.from(fold('Div', [fold('Cast', [t([9.7], false)], new Map([['to', 7]]), read), t([2], true)], none, read).values), [4]);
    assert.deepEqual(Array.from(fold('Cast', [t([2.5, 0, -1], false)], new Map([['to', 9]]), read).values), [1, 0, 1], 'to bool');
  });
  // the shape arithmetic and mask building of shifted windows (torchvision's Swin)
  it('Mod (the divisor\'s sign, or fmod\'s the dividend\'s), Range, Not and the comparisons', () => {
    const v = (op: string, ins: { dims: number[]; values: Float64Array; integer: boolean }[], attrs = none) => Array.from(fold(op, ins, attrs, read).values);
    assert.deepEqual(v('Mod', [t([7, -7, 7, -7], true), t([3, 3, -3, -3], true)]), [1, 2, -2, -1]);
    assert.deepEqual(v('Mod', [t([7.5, -7.5], false), t([2, 2], false)], new Map([['fmod', 1]])), [1.5, -1.5]);
    assert.throws(() => fold('Mod', [t([7.5], false), t([2], false)], none, read), /fmod 0 of floats/);
    assert.deepEqual(v('Range', [t([0], true), t([10], true), t([4], true)]), [0, 4, 8]);
    assert.deepEqual(v('Range', [t([5], true), t([1], true), t([1], true)]), []);
    assert.deepEqual(v('Not', [t([0, 1, 2], false)]), [1, 0, 0]);
    assert.deepEqual(v('Less', [t([1, 2, 3], false), t([2], false)]), [1, 0, 0]);
    assert.deepEqual(v('GreaterOrEqual', [t([1, 2, 3], false), t([2], false)]), [0, 1, 1]);
    assert.deepEqual(v('Xor', [t([0, 1, 1], false), t([1, 1, 0], false)]), [1, 0, 1]);
  });
  it('Transpose, Concat along any axis, and ScatterND of slices (replaced, added, multiplied), refusing an index outside', () => {
    const m = (dims: number[], values: number[], integer = false) => ({ dims, values: Float64Array.from(values), integer });
    const x = m([2, 3], [1, 2, 3, 4, 5, 6]);
    const tr = fold('Transpose', [x], none, read);
    assert.deepEqual([tr.dims, Array.from(tr.values)], [[3, 2], [1, 4, 2, 5, 3, 6]]);
    const perm = fold('Transpose', [m([1, 2, 3], [1, 2, 3, 4, 5, 6])], new Map([['perm', [2, 0, 1]]]), read);
    assert.deepEqual([perm.dims, Array.from(perm.values)], [[3, 1, 2], [1, 4, 2, 5, 3, 6]]);
    const cat = fold('Concat', [x, m([2, 1], [7, 8])], new Map([['axis', 1]]), read);
    assert.deepEqual([cat.dims, Array.from(cat.values)], [[2, 4], [1, 2, 3, 7, 4, 5, 6, 8]]);
    assert.throws(() => fold('Concat', [x, m([3, 1], [7, 8, 9])], new Map([['axis', 1]]), read), /constant Concat along axis 1 of shapes \[2,3\], \[3,1\]/);
    // rows 1 and 0 of a [2, 3] replaced; then one element of each
    assert.deepEqual(Array.from(fold('ScatterND', [x, m([2, 1], [1, 0], true), m([2, 3], [10, 11, 12, 20, 21, 22])], none, read).values), [20, 21, 22, 10, 11, 12]);
    assert.deepEqual(Array.from(fold('ScatterND', [x, m([2, 2], [0, 2, -1, 0], true), m([2], [100, 200])], new Map([['reduction', 'add']]), read).values), [1, 2, 103, 204, 5, 6]);
    assert.deepEqual(Array.from(fold('ScatterND', [x, m([1, 2], [1, 1], true), m([1], [3])], new Map([['reduction', 'mul']]), read).values), [1, 2, 3, 4, 15, 6]);
    assert.throws(() => fold('ScatterND', [x, m([1, 1], [2], true), m([1, 3], [0, 0, 0])], none, read), /ScatterND index 2 outside an axis of 2/);
  });
});

describe('ONNX import of Erf, GELU and LayerNormalization', () => {
  const k = (name: string, v: number) => floatTensor(name, [], [v]);
  // Node names must be unique: named after the first output.
  const nd = (op: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[] | string> = {}) => node(op, inputs, outputs, attrs, `${op.toLowerCase()}_${outputs[0]}`);
  const gelus: [string, Graph][] = [
    ['as PyTorch writes nn.GELU: x / √2, Erf, + 1, × x, × 0.5', {
      nodes: [nd('Div', ['x', 'sqrt2'], ['a']), nd('Erf', ['a'], ['b']), nd('Add', ['b', 'one'], ['c']), nd('Mul', ['x', 'c'], ['d']), nd('Mul', ['d', 'half'], ['y'])],
      inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [k('sqrt2', Math.SQRT2), k('one', 1), k('half', 0.5)],
    }],
    ['halved first: (x × 0.5) × (1 + erf(x × 0.7071))', {
      nodes: [nd('Mul', ['x', 'r'], ['a']), nd('Erf', ['a'], ['b']), nd('Add', ['one', 'b'], ['c']), nd('Mul', ['x', 'half'], ['h']), nd('Mul', ['c', 'h'], ['y'])],
      inputs: [['x', [2, 5]]], outputs: ['y'], inits: [k('r', Math.SQRT1_2), k('one', 1), k('half', 0.5)],
    }],
    ['0.5 (1 + erf) first, then × x', {
      nodes: [nd('Div', ['x', 'sqrt2'], ['a']), nd('Erf', ['a'], ['b']), nd('Add', ['b', 'one'], ['c']), nd('Mul', ['c', 'half'], ['h']), nd('Mul', ['h', 'x'], ['y'])],
      inputs: [['x', [3, 4]]], outputs: ['y'], inits: [k('sqrt2', Math.SQRT2), k('one', 1), k('half', 0.5)],
    }],
  ];
  for (const [what, g] of gelus) {
    it(`the exact GELU ${what} is one GELU layer`, { skip }, async () => {
      assert.deepEqual(await agrees(g), ['Input', 'GELU']);
    });
  }

  it('GELU\'s tanh approximation as PyTorch writes it (x·x·x) or with Pow(x, 3) is one GELU with approximate tanh', { skip }, async () => {
    const c = Math.sqrt(2 / Math.PI);
    const tail = [nd('Tanh', ['u'], ['t']), nd('Add', ['one', 't'], ['p']), nd('Mul', ['x', 'p'], ['q']), nd('Mul', ['half', 'q'], ['y'])];
    const consts = [k('k', 0.044715), k('c', c), k('one', 1), k('half', 0.5), k('three', 3)];
    const torch = await agrees({
      nodes: [nd('Mul', ['x', 'x'], ['sq']), nd('Mul', ['x', 'sq'], ['cube']), nd('Mul', ['k', 'cube'], ['kc']), nd('Add', ['x', 'kc'], ['s']), nd('Mul', ['c', 's'], ['u']), ...tail],
      inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: consts,
    });
    assert.deepEqual(torch, ['Input', 'GELU']);
    const pow = await agrees({
      nodes: [nd('Pow', ['x', 'three'], ['cube']), nd('Mul', ['cube', 'k'], ['kc']), nd('Add', ['kc', 'x'], ['s']), nd('Mul', ['s', 'c'], ['u']), ...tail],
      inputs: [['x', [3, 5]]], outputs: ['y'], inits: consts,
    });
    assert.deepEqual(pow, ['Input', 'GELU']);
    assert.equal(importOnnx(model({ nodes: [nd('Gelu', ['x'], ['y'], { approximate: 'tanh' })], inputs: [['x', [2, 3]]], outputs: ['y'], opset: 20 })).definition.layers[1]!.approximate, 'tanh');
    assert.deepEqual(await agrees({ nodes: [nd('Gelu', ['x'], ['y'], { approximate: 'tanh' })], inputs: [['x', [2, 7]]], outputs: ['y'], opset: 20 }), ['Input', 'GELU']);
  });

  it('Erf outside a GELU, and a GELU chain with a value read elsewhere, keep their layers', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [nd('Erf', ['x'], ['y'])], inputs: [['x', [2, 6]]], outputs: ['y'] }), ['Input', 'Erf']);
    // erf(x/√2) is also an output: nothing is fused
    const kept = await agrees({
      nodes: [nd('Div', ['x', 'sqrt2'], ['a']), nd('Erf', ['a'], ['b']), nd('Add', ['b', 'one'], ['c']), nd('Mul', ['x', 'c'], ['d']), nd('Mul', ['d', 'half'], ['y'])],
      inputs: [['x', [2, 3]]], outputs: ['y', 'b'], inits: [k('sqrt2', Math.SQRT2), k('one', 1), k('half', 0.5)],
    });
    assert.deepEqual(kept, ['Input', 'Power', 'Erf', 'Power', 'Eltwise', 'Power']);
    // x (1 + erf(x/√2)) / 4 is not GELU
    const quarter = await agrees({
      nodes: [nd('Div', ['x', 'sqrt2'], ['a']), nd('Erf', ['a'], ['b']), nd('Add', ['b', 'one'], ['c']), nd('Mul', ['x', 'c'], ['d']), nd('Mul', ['d', 'q'], ['y'])],
      inputs: [['x', [2, 3]]], outputs: ['y'], inits: [k('sqrt2', Math.SQRT2), k('one', 1), k('q', 0.25)],
    });
    assert.ok(quarter.includes('Erf'), quarter.join());
  });

  it('Gelu (opset 20) is a GELU layer', { skip }, async () => {
    assert.deepEqual(await agrees({ nodes: [nd('Gelu', ['x'], ['y'])], inputs: [['x', [2, 7]]], outputs: ['y'], opset: 20 }), ['Input', 'GELU']);
  });

  it('LayerNormalization over the last axis and over several, with and without B; a scale of ones with B (fresh from PyTorch) is affine, a scale of ones alone affine false', { skip }, async () => {
    const ramp = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => a + (b * i) / n);
    assert.deepEqual(await agrees({
      nodes: [nd('LayerNormalization', ['x', 's', 'b'], ['y'], { epsilon: 1e-3 })], inputs: [['x', [2, 3, 5]]], outputs: ['y'],
      inits: [floatTensor('s', [5], ramp(5, -1, 2)), floatTensor('b', [5], ramp(5, 0.5, -1))],
    }), ['Input', 'LayerNorm']);
    await agrees({
      nodes: [nd('LayerNormalization', ['x', 's'], ['y'], { axis: 1 })], inputs: [['x', [2, 3, 2, 2]]], outputs: ['y'],
      inits: [floatTensor('s', [3, 2, 2], ramp(12, 0.5, 1))],
    });
    const fresh = importOnnx(model({
      nodes: [nd('LayerNormalization', ['x', 's', 'b'], ['y'], { axis: -2 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'],
      inits: [floatTensor('s', [3, 4], new Array(12).fill(1)), floatTensor('b', [3, 4], new Array(12).fill(0))],
    }));
    assert.deepEqual(fresh.definition.layers[1], { name: 'layernormalization_y', type: 'LayerNorm', bottoms: ['x'], tops: ['y'], axis: 1, eps: 1e-5 });
    assert.deepEqual([...fresh.weights.keys()].sort(), ['layernormalization_y___bias', 'layernormalization_y___scale']);
    const { definition, weights } = importOnnx(model({
      nodes: [nd('LayerNormalization', ['x', 's'], ['y'], { axis: -2 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'],
      inits: [floatTensor('s', [3, 4], new Array(12).fill(1))],
    }));
    assert.deepEqual(definition.layers[1], { name: 'layernormalization_y', type: 'LayerNorm', bottoms: ['x'], tops: ['y'], axis: 1, eps: 1e-5, affine: false });
    assert.equal(weights.size, 0);
  });

  it('a LayerNorm written as ReduceMean, Sub, Pow (or Mul), ReduceMean, Add, Sqrt, Div [, Mul, Add] is one LayerNorm', { skip }, async () => {
    const ln = (square: Msg[], affine: Msg[], axes: number[], extra: Msg[] = []): Graph => ({
      nodes: [nd('ReduceMean', ['x'], ['m'], { axes }), nd('Sub', ['x', 'm'], ['d']), ...square, nd('ReduceMean', ['sq'], ['v'], { axes }),
        nd('Add', ['eps', 'v'], ['ve']), nd('Sqrt', ['ve'], ['s']), nd('Div', ['d', 's'], ['n']), ...affine, ...extra],
      inputs: [['x', [2, 3, 4]]], outputs: [affine.length ? affine[affine.length - 1].output[0] : 'n'],
      inits: [k('eps', 1e-3), k('two', 2), floatTensor('g', [4], [0.5, 1, 1.5, 2]), floatTensor('b', [4], [0, 0.1, -0.2, 0.3]), floatTensor('g2', [3, 4], ramp12())],
    });
    const ramp12 = () => Array.from({ length: 12 }, (_, i) => 0.5 + i / 12);
    const pow = [nd('Pow', ['d', 'two'], ['sq'])];
    assert.deepEqual(await agrees(ln(pow, [nd('Mul', ['n', 'g'], ['gn']), nd('Add', ['gn', 'b'], ['y'])], [-1])), ['Input', 'LayerNorm']);
    assert.deepEqual(await agrees(ln([nd('Mul', ['d', 'd'], ['sq'])], [nd('Mul', ['g2', 'n'], ['y'])], [-2, -1])), ['Input', 'LayerNorm']);
    const plain = await agrees(ln(pow, [], [-1]));
    assert.deepEqual(plain, ['Input', 'LayerNorm']);
    // positive axes (the rank unknown before import) or a difference read elsewhere: not a LayerNorm, the nodes one by one
    assert.ok(!(await agrees(ln(pow, [], [2]))).includes('LayerNorm'), 'positive axes');
    assert.ok(!(await agrees({ ...ln(pow, [], [-1], [nd('Relu', ['d'], ['r'])]), outputs: ['n', 'r'] })).includes('LayerNorm'), 'a difference read elsewhere');
  });

  it('refuses, naming the node and why: a constant of Infinity or NaN, a Gelu approximated otherwise than by tanh, a broadcast LayerNorm scale, LayerNorm statistics as outputs', () => {
    const refused = (g: Graph, name: string, why: RegExp) =>
      assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && e.message.includes(`node "${name}"`) && why.test(e.message), name);
    refused({ nodes: [node('Div', ['x', 'k'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'], inits: [floatTensor('k', [], [Infinity])] }, 'div', /a constant "k" of Infinity \(Cortado's Power takes a finite scale and shift\)/);
    refused({ nodes: [node('Pow', ['x', 'e'], ['y'])], inputs: [['x', [2, 3]]], outputs: ['y'], inits: [floatTensor('e', [], [NaN])] }, 'pow', /an exponent of NaN/);
    refused({ nodes: [node('Gelu', ['x'], ['y'], { approximate: 'sigmoid' })], inputs: [['x', [2, 3]]], outputs: ['y'], opset: 20 }, 'gelu', /approximate "sigmoid" \(Cortado's GELU is exact or the tanh approximation\)/);
    refused({ nodes: [node('LayerNormalization', ['x', 's'], ['y'], { axis: 1 })], inputs: [['x', [2, 3, 4]]], outputs: ['y'], inits: [floatTensor('s', [4], [1, 2, 3, 4])] },
      'layernormalization', /a scale of shape \[4\] broadcast over \[3,4\]/);
    refused({ nodes: [node('LayerNormalization', ['x', 's'], ['y', 'mean'])], inputs: [['x', [2, 3]]], outputs: ['y', 'mean'], inits: [floatTensor('s', [3], [1, 2, 3])] },
      'layernormalization', /Mean or InvStdDev read as outputs/);
  });
});

describe('ONNX import of attention: MatMul of computed values, Softmax over the last axis, Gather, constants as data', () => {
  const nd = (op: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[] | string> = {}) => node(op, inputs, outputs, attrs, `${op.toLowerCase()}_${outputs[0]}`);

  it('q kᵀ: a MatMul of a Transpose of the last two axes is one MatMul with transposeB; Softmax(axis -1); weights times v', { skip }, async () => {
    const types = await agrees({
      nodes: [nd('Transpose', ['k'], ['kt'], { perm: [0, 1, 3, 2] }), nd('MatMul', ['q', 'kt'], ['s']), nd('Softmax', ['s'], ['w'], { axis: -1 }), nd('MatMul', ['w', 'v'], ['y'])],
      inputs: [['q', [2, 2, 3, 4]], ['k', [2, 2, 5, 4]], ['v', [2, 2, 5, 3]]], outputs: ['y'],
    });
    assert.deepEqual(types, ['Input', 'Input', 'Input', 'MatMul', 'Softmax', 'MatMul']);
    // a Transpose read elsewhere stays a Permute; a matrix b is shared by the batch
    const kept = await agrees({
      nodes: [nd('Transpose', ['k'], ['kt'], { perm: [1, 0] }), nd('MatMul', ['q', 'kt'], ['y']), nd('Relu', ['kt'], ['z'])],
      inputs: [['q', [2, 3, 4]], ['k', [5, 4]]], outputs: ['y', 'z'],
    });
    assert.deepEqual(kept, ['Input', 'Input', 'Permute', 'MatMul', 'ReLU']);
  });

  it('a class token: a constant Expanded to the batch and Concatenated is a Parameter tiled over the batch; Gather of one index takes the token back', { skip }, async () => {
    const ok = await agrees({
      nodes: [
        nd('Shape', ['x'], ['shape']), nd('Gather', ['shape', 'zero'], ['n']), nd('Unsqueeze', ['n', 'axes0'], ['n1']),
        nd('Concat', ['n1', 'rest'], ['target'], { axis: 0 }), nd('Expand', ['token', 'target'], ['tokens']),
        nd('Concat', ['tokens', 'x'], ['seq'], { axis: 1 }), nd('Gather', ['seq', 'zero'], ['y'], { axis: 1 }),
        nd('Gather', ['seq', 'run'], ['u'], { axis: 1 }),
      ],
      inputs: [['x', [3, 4, 2]]], outputs: ['y', 'u'],
      inits: [int64Tensor('zero', [], [0]), int64Tensor('axes0', [1], [0]), int64Tensor('rest', [2], [1, 2]), floatTensor('token', [1, 1, 2], [0.5, -1.5]), int64Tensor('run', [2], [1, 2])],
    });
    assert.deepEqual(ok, ['Input', 'Parameter', 'Tile', 'Concat', 'Slice', 'Silence', 'Reshape', 'Slice', 'Silence']);
    const { weights } = importOnnx(model({
      nodes: [nd('Concat', ['token', 'x'], ['y'], { axis: 1 })], inputs: [['x', [1, 4, 2]]], outputs: ['y'], inits: [floatTensor('token', [1, 1, 2], [0.5, -1.5])],
    }));
    assert.deepEqual([...weights].map(([k, w]) => [k, w.shape, Array.from(w.values)]), [['token_parameter___value', [1, 1, 2], [0.5, -1.5]]]);
  });

  it('Gather of rows of a constant matrix by computed indices (nn.Embedding) is an Embed holding the matrix', { skip }, async () => {
    const table = Array.from({ length: 18 }, (_, i) => Math.sin(i));
    const g: Graph = { nodes: [nd('Gather', ['table', 'ids'], ['y'])], inputs: [['ids', [2, 3]]], outputs: ['y'], inits: [floatTensor('table', [6, 3], table)] };
    // the ids as ONNX has them: int64
    const bytes = encodeModel({
      ir_version: 8, opset_import: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: g.nodes, initializer: g.inits, input: [{ name: 'ids', type: { tensor_type: { elem_type: 7, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } } }], output: [{ name: 'y' }] },
    });
    const ids = [5, 0, 2, 2, 1, 4];
    const { definition, weights } = importOnnx(bytes);
    assert.deepEqual(definition.layers.map((l) => l.type), ['Input', 'Embed']);
    assert.deepEqual(weights.get('gather_y___weight')!.shape, [6, 3]);
    const net = new Net(definition.layers, { backend: new JsBackend('float32'), phase: 'test' });
    load(net, weights);
    (net.layers[0] as InputLayer).feed('ids', ids);
    net.forward();
    const theirs = (await runOrt(bytes, { ids: { values: ids, shape: [2, 3], int64: true } })).get('y')!;
    assert.deepEqual(theirs.dims, [2, 3, 3]);
    assert.ok(maxRelDiff(theirs.data, Float32Array.from(net.blob('y').read())) < 1e-6);
    net.destroy();
    assert.throws(() => importOnnx(model({ ...g, nodes: [nd('Gather', ['table', 'ids'], ['y'], { axis: 1 })] })), /computed indices into a constant of shape \[6,3\] along axis 1/);
  });

  it('folds ConstantOfShape, Where, Expand and the Shape of a constant', () => {
    const t = (dims: number[], values: number[], integer = false) => ({ dims, values: Float64Array.from(values), integer });
    const none = new Map<string, any>();
    const read = () => t([1], [7]);
    assert.deepEqual(Array.from(fold('ConstantOfShape', [t([2], [2, 3], true)], new Map([['value', {}]]), read).values), [7, 7, 7, 7, 7, 7]);
    const w = fold('Where', [t([2, 1], [1, 0]), t([3], [1, 2, 3]), t([1], [-1])], none, read);
    assert.deepEqual([w.dims, Array.from(w.values)], [[2, 3], [1, 2, 3, -1, -1, -1]]);
    const e = fold('Expand', [t([1, 2], [4, 5]), t([3], [2, 1, 1], true)], none, read);
    assert.deepEqual([e.dims, Array.from(e.values)], [[2, 1, 2], [4, 5, 4, 5]]);
    assert.throws(() => fold('Expand', [t([1], [1]), t([3], [1 << 10, 1 << 10, 1 << 10], true)], none, read), /too large to fold/);
  });

  it('refuses, naming the node and why: MatMul batch axes that differ, a Gather of scattered indices', () => {
    const refused = (g: Graph, name: string, why: RegExp) =>
      assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && e.message.includes(`node "${name}"`) && why.test(e.message), name);
    refused({ nodes: [nd('MatMul', ['a', 'b'], ['y'])], inputs: [['a', [2, 3, 4]], ['b', [3, 4, 5]]], outputs: ['y'] }, 'matmul_y', /batch axes \[2\] and \[3\] that differ/);
    refused({ nodes: [nd('Gather', ['x', 'idx'], ['y'], { axis: 1 })], inputs: [['x', [2, 5]]], outputs: ['y'], inits: [int64Tensor('idx', [2], [0, 3])] },
      'gather_y', /indices \[0,3\] \(Cortado gathers one index or a run of consecutive ones from a computed value\)/);
  });
});

describe('ONNX import of BatchNormalization for fine-tuning', () => {
  const C = 3;
  const shape = [4, C, 2, 2];
  const inits = (gamma: number[], beta: number[]) => [
    floatTensor('scale', [C], Float32Array.from(gamma)), floatTensor('B', [C], Float32Array.from(beta)),
    floatTensor('mean', [C], Float32Array.of(0.5, -0.25, 1)), floatTensor('var', [C], Float32Array.of(1.5, 0.5, 2)),
  ];
  const graph = (attrs: Record<string, number>, gamma = [1.2, 0.8, 1], beta = [0.1, 0, -0.3]): Graph => ({
    nodes: [node('BatchNormalization', ['x', 'scale', 'B', 'mean', 'var'], ['y'], { epsilon: 1e-5, ...attrs }, 'bn')], inputs: [['x', shape]], outputs: ['y'], inits: inits(gamma, beta),
  });

  it('inference agrees with onnxruntime; a train-phase forward moves the running statistics as PyTorch does (λ running + (1 - λ) batch, the variance unbiased)', { skip }, async () => {
    await agrees(graph({ momentum: 0.8 }));
    const { definition, weights } = importOnnx(model(graph({ momentum: 0.8 })), { file: 'g.onnx' });
    const net = new Net(definition.layers, { backend: new JsBackend('float64'), phase: 'train' });
    load(net, weights);
    const x = inputOf(shape);
    (net.layers.find((l) => l instanceof InputLayer) as InputLayer).feed('x', x);
    net.forward();
    const [mean, variance, factor] = net.layers.find((l) => l.type === 'BatchNorm')!.params.map((p) => Array.from(p.blob.read()));
    const m = 4 * 2 * 2;
    for (let c = 0; c < C; c++) {
      const values = Array.from({ length: m }, (_, k) => x[Math.floor(k / 4) * C * 4 + c * 4 + (k % 4)]!);
      const mu = values.reduce((a, b) => a + b, 0) / m;
      const unbiased = values.reduce((a, b) => a + (b - mu) ** 2, 0) / (m - 1);
      const want = [0.8 * [0.5, -0.25, 1][c]! + 0.2 * mu, 0.8 * [1.5, 0.5, 2][c]! + 0.2 * unbiased];
      const got = [mean![c]! / factor![0]!, variance![c]! / factor![0]!];
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-6, `channel ${c}, ${i ? 'variance' : 'mean'}: ${g} vs ${want[i]}`));
    }
    net.destroy();
  });

  it('training_mode 1 imports as the same layers, with a Scale even where γ is 1 and β 0 (they train); momentum 1 refused there, taken by an inference graph', () => {
    const types = (g: Graph) => importOnnx(model(g), { file: 'g.onnx' }).definition.layers.map((l) => l.type);
    assert.deepEqual(types(graph({ training_mode: 1 }, [1, 1, 1], [0, 0, 0])), ['Input', 'BatchNorm', 'Scale']);
    assert.deepEqual(types(graph({}, [1, 1, 1], [0, 0, 0])), ['Input', 'BatchNorm']);
    assert.deepEqual(types(graph({ momentum: 1 })), ['Input', 'BatchNorm', 'Scale']);
    assert.throws(() => importOnnx(model(graph({ momentum: 1, training_mode: 1 })), { file: 'g.onnx' }),
      (e: unknown) => e instanceof ConfigError && /node "bn" \(BatchNormalization.*momentum 1 \(Cortado's moving averages need 0 <= momentum < 1\)/.test((e as Error).message));
    const read = graph({ training_mode: 1 });
    read.nodes[0]!.output = ['y', 'running_mean', 'running_var'];
    read.outputs.push('running_mean');
    assert.throws(() => importOnnx(model(read), { file: 'g.onnx' }), (e: unknown) => e instanceof ConfigError && /running statistics read as outputs/.test((e as Error).message));
  });
  it('Resize and Upsample of mode nearest by whole scales are an Upsample under every coordinate mode that reads floor(i / s); the others are refused, saying why', { skip }, async () => {
    const resize = (attrs: Record<string, string>, scales: number[], opset = 17): Graph => ({
      nodes: [node('Resize', ['x', '', 's'], ['y'], attrs)], inputs: [['x', [2, 3, 4, 5]]], outputs: ['y'], opset,
      inits: [floatTensor('s', [4], scales)],
    });
    // PyTorch's nn.Upsample: asymmetric, floor
    assert.deepEqual(await agrees(resize({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2])), ['Input', 'Upsample']);
    // ONNX's defaults (half_pixel, round_prefer_floor), factors per axis
    await agrees(resize({}, [1, 1, 3, 2]));
    await agrees(resize({ coordinate_transformation_mode: 'pytorch_half_pixel', nearest_mode: 'round_prefer_ceil' }, [1, 1, 2, 4]));
    await agrees(resize({ coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'floor' }, [1, 1, 2, 3]));
    // output sizes instead of scales
    await agrees({ nodes: [node('Resize', ['x', '', '', 'n'], ['y'], { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })], inputs: [['x', [1, 2, 3, 3]]], outputs: ['y'], inits: [int64Tensor('n', [4], [1, 2, 6, 9])] });
    // Upsample (opset 9): scales an input; opset 10's Resize reads as Upsample
    await agrees({ nodes: [node('Upsample', ['x', 's'], ['y'], { mode: 'nearest' })], inputs: [['x', [1, 2, 3, 4]]], outputs: ['y'], opset: 9, inits: [floatTensor('s', [4], [1, 1, 2, 2])] });
    await agrees({ nodes: [node('Resize', ['x', 's'], ['y'])], inputs: [['x', [1, 2, 3, 4]]], outputs: ['y'], opset: 10, inits: [floatTensor('s', [4], [1, 1, 3, 2])] });
    const refusedBy = (g: Graph, why: RegExp) => assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: Error) => e instanceof ConfigError && /\(Resize/.test(e.message) && why.test(e.message), `${why}`);
    refusedBy(resize({ mode: 'linear' }, [1, 1, 2, 2]), /mode "linear" \(Cortado's Upsample is nearest-neighbour\)/);
    refusedBy(resize({}, [1, 1, 1.5, 2]), /scales \[1, 1, 1\.5, 2\] \(Cortado's Upsample repeats values a whole number of times\)/);
    refusedBy(resize({}, [1, 2, 2, 2]), /batch and channel axes/);
    refusedBy(resize({}, [1, 1, 2 ** 20, 2 ** 20]), /an output of 131941395333120 values \(a blob holds at most 2147483647\)/);
    // align_corners reads floor(i / s) at these sizes and scales 2 (judged pixel by pixel, not by name), not at 3
    await agrees(resize({ coordinate_transformation_mode: 'align_corners' }, [1, 1, 2, 2]));
    refusedBy(resize({ coordinate_transformation_mode: 'align_corners' }, [1, 1, 3, 2]), /coordinate_transformation_mode "align_corners" with nearest_mode "round_prefer_floor": output 2 of axis 2 reads input 1, not 0/);
    refusedBy(resize({ coordinate_transformation_mode: 'half_pixel', nearest_mode: 'ceil' }, [1, 1, 2, 2]), /nearest_mode "ceil": output \d+ of axis 2 reads input \d+, not \d+/);
  });
});
