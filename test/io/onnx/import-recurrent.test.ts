/**
 * ONNX's RNN, LSTM and GRU (import-recurrent.ts), Squeeze and Unsqueeze of computed values, a Slice
 * backwards (a Reverse), and the constant Slice of more than one axis, on small graphs written
 * here: each accepted graph runs in Cortado (js) and in onnxruntime-node and must agree; each
 * refused use is a ConfigError naming the node and why. test/io/onnx/torchvision.test.ts imports
 * PyTorch's own nn.LSTM, nn.GRU and nn.RNN exports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/core/errors.js';
import { floatTensor, int64Tensor, type Msg } from '../../../src/io/onnx/codec.js';
import { fold } from '../../../src/io/onnx/fold.js';
import { importOnnx } from '../../../src/io/onnx/index.js';
import { agrees, model, node, skip, type Graph } from './graphs.js';

/** A constant of the given dims, values from a sine (scaled by `scale`), or zeros. */
const tensor = (name: string, dims: number[], scale = 0.5) =>
  floatTensor(name, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.7 + name.length) * scale));

/** The constants of an LSTM with H hidden units over I inputs, in `dirs` directions. */
function lstmInits(H: number, I: number, dirs: number, bias = true): Msg[] {
  return [tensor('W', [dirs, 4 * H, I]), tensor('R', [dirs, 4 * H, H]), ...(bias ? [tensor('B', [dirs, 8 * H], 0.3)] : [])];
}

/** sequence_lens, int32 as ONNX types it. */
const int32Tensor = (name: string, values: number[]): Msg => ({ name, dims: [values.length], data_type: 6, int32_data: values });

const strings = (name: string, values: string[]): Msg => ({ name, type: 8, strings: values.map((v) => new TextEncoder().encode(v)) });

/** The graph's import must be refused with a message matching `why`. */
function refused(g: Graph, why: RegExp): void {
  assert.throws(() => importOnnx(model(g), { file: 'g.onnx' }), (e: unknown) => e instanceof ConfigError && why.test(e.message), `expected ${why}`);
}

describe('ONNX import of RNN, LSTM and GRU, and Squeeze and Unsqueeze of computed values', () => {
  it('a forward LSTM: Y and Y_h match onnxruntime; one LSTM layer with x alone', { skip }, async () => {
    const g: Graph = {
      nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3 })],
      inputs: [['x', [5, 2, 4]]], outputs: ['y', 'yh'], inits: lstmInits(3, 4, 1),
    };
    const types = await agrees(g);
    assert.equal(types.filter((t) => t === 'LSTM').length, 1);
    const { definition } = importOnnx(model(g), { file: 'g.onnx' });
    assert.deepEqual(definition.layers.find((l) => l.type === 'LSTM')!.bottoms, ['x']);
  });

  it('biases train as PyTorch trains its two: the summed LSTM and RNN bias has lrMult 2 and decayMult 0.5; a recurrent half of zeros is one bias; no B is no bias (lrMult 0)', () => {
    const spec = (op: string, inits: Msg[]) => {
      const { definition } = importOnnx(model({ nodes: [node(op, ['x', 'W', 'R', ...(inits.length > 2 ? ['B'] : [])], ['y'], { hidden_size: 2 })], inputs: [['x', [3, 1, 2]]], outputs: ['y'], inits }), { file: 'g.onnx' });
      return definition.layers.find((l) => l.type === op)!.params;
    };
    const weights = (G: number) => [tensor('W', [1, G * 2, 2]), tensor('R', [1, G * 2, 2])];
    const halves = (G: number, recurrent: number) => floatTensor('B', [1, 2 * G * 2], Float32Array.from({ length: 4 * G }, (_, i) => (i < 2 * G ? 0.1 * (i + 1) : recurrent)));
    for (const [op, G] of [['LSTM', 4], ['RNN', 1]] as const) {
      assert.deepEqual(spec(op, [...weights(G), halves(G, 0.2)]), [{}, { lrMult: 2, decayMult: 0.5 }, {}], op);
      assert.equal(spec(op, [...weights(G), halves(G, 0)]), undefined, op);
      assert.deepEqual(spec(op, weights(G)), [{}, { lrMult: 0, decayMult: 0 }, {}], op);
    }
    assert.equal(spec('GRU', [...weights(3), halves(3, 0.2)]), undefined);
    assert.deepEqual(spec('GRU', weights(3)), [{}, { lrMult: 0, decayMult: 0 }, {}, { lrMult: 0, decayMult: 0 }]);
  });

  it('the default activations written out, sequence_lens of T and zero initial states are accepted', { skip }, async () => {
    const n = node('LSTM', ['x', 'W', 'R', '', 'lens', 'h0', 'c0'], ['y'], { hidden_size: 2 });
    n.attribute.push(strings('activations', ['Sigmoid', 'Tanh', 'Tanh']));
    await agrees({
      nodes: [n], inputs: [['x', [4, 3, 2]]], outputs: ['y'],
      inits: [...lstmInits(2, 2, 1, false), int32Tensor('lens', [4, 4, 4]), floatTensor('h0', [1, 3, 2], new Float32Array(6)), floatTensor('c0', [1, 3, 2], new Float32Array(6))],
    });
  });

  it('direction reverse, and bidirectional (Y, Y_h) at T = 6 and T = 1: the backward half runs on the sequence reversed', { skip }, async () => {
    await agrees({ nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, direction: 'reverse' })], inputs: [['x', [6, 2, 3]]], outputs: ['y', 'yh'], inits: lstmInits(3, 3, 1) });
    for (const T of [6, 1]) {
      const types = await agrees({ nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, direction: 'bidirectional' })], inputs: [['x', [T, 2, 3]]], outputs: ['y', 'yh'], inits: lstmInits(3, 3, 2) });
      assert.equal(types.filter((t) => t === 'LSTM').length, 2);
    }
  });

  it('Y_h alone, then Squeeze (axes as an input) and Unsqueeze (axes as an attribute, opset 11)', { skip }, async () => {
    await agrees({
      nodes: [node('LSTM', ['x', 'W', 'R', 'B'], ['', 'yh'], { hidden_size: 4 }), node('Squeeze', ['yh', 'axes'], ['s']), node('Unsqueeze', ['s', 'axes2'], ['u'])],
      inputs: [['x', [3, 2, 5]]], outputs: ['s', 'u'],
      inits: [...lstmInits(4, 5, 1), int64Tensor('axes', [1], [0]), int64Tensor('axes2', [2], [-1, 1])],
    });
    await agrees({
      nodes: [node('Unsqueeze', ['x'], ['u'], { axes: [0, 3] }), node('Squeeze', ['u'], ['s'], { axes: [0] }), node('Squeeze', ['u'], ['all'], {}, 'squeeze_all')],
      inputs: [['x', [2, 3]]], outputs: ['u', 's', 'all'], opset: 11,
    });
  });

  it('GRU (linear_before_reset 1, as PyTorch writes it): forward with Y and Y_h, reverse without B, bidirectional, one GRU layer per direction; linear_before_reset 0 as resetAfter false', { skip }, async () => {
    const gru = (H: number, I: number, dirs: number, bias = true): Msg[] => [tensor('W', [dirs, 3 * H, I]), tensor('R', [dirs, 3 * H, H]), ...(bias ? [tensor('B', [dirs, 6 * H], 0.3)] : [])];
    const types = await agrees({ nodes: [node('GRU', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, linear_before_reset: 1 })], inputs: [['x', [5, 2, 4]]], outputs: ['y', 'yh'], inits: gru(3, 4, 1) });
    assert.equal(types.filter((t) => t === 'GRU').length, 1);
    await agrees({ nodes: [node('GRU', ['x', 'W', 'R'], ['y'], { hidden_size: 2, linear_before_reset: 1, direction: 'reverse' })], inputs: [['x', [4, 3, 2]]], outputs: ['y'], inits: gru(2, 2, 1, false) });
    const both = await agrees({ nodes: [node('GRU', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, linear_before_reset: 1, direction: 'bidirectional' })], inputs: [['x', [6, 2, 3]]], outputs: ['y', 'yh'], inits: gru(3, 3, 2) });
    assert.equal(both.filter((t) => t === 'GRU').length, 2);
    // ONNX's default, linear_before_reset 0: the reset gate before the recurrent product
    for (const direction of ['forward', 'bidirectional']) {
      const dirs = direction === 'forward' ? 1 : 2;
      const g: Graph = { nodes: [node('GRU', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, direction })], inputs: [['x', [5, 2, 4]]], outputs: ['y', 'yh'], inits: gru(3, 4, dirs) };
      await agrees(g);
      assert.ok(importOnnx(model(g), { file: 'g.onnx' }).definition.layers.filter((l) => l.type === 'GRU').every((l) => l.resetAfter === false));
    }
  });

  it('RNN (tanh by default, Relu, one activation per direction): Y and Y_h match onnxruntime; RNN layers with output false; other activations refused', { skip }, async () => {
    const rnn = (H: number, I: number, dirs: number, bias = true): Msg[] => [tensor('W', [dirs, H, I]), tensor('R', [dirs, H, H]), ...(bias ? [tensor('B', [dirs, 2 * H], 0.3)] : [])];
    const g: Graph = { nodes: [node('RNN', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3 })], inputs: [['x', [5, 2, 4]]], outputs: ['y', 'yh'], inits: rnn(3, 4, 1) };
    assert.equal((await agrees(g)).filter((t) => t === 'RNN').length, 1);
    const layer = importOnnx(model(g), { file: 'g.onnx' }).definition.layers.find((l) => l.type === 'RNN')!;
    assert.deepEqual([layer.output, layer.activation, layer.bottoms], [false, 'tanh', ['x']]);
    await agrees({ nodes: [node('RNN', ['x', 'W', 'R'], ['y'], { hidden_size: 2, direction: 'reverse' })], inputs: [['x', [4, 3, 2]]], outputs: ['y'], inits: rnn(2, 2, 1, false) });
    const both = node('RNN', ['x', 'W', 'R', 'B'], ['y', 'yh'], { hidden_size: 3, direction: 'bidirectional' });
    both.attribute.push(strings('activations', ['Relu', 'Tanh']));
    const bg: Graph = { nodes: [both], inputs: [['x', [6, 2, 3]]], outputs: ['y', 'yh'], inits: rnn(3, 3, 2) };
    await agrees(bg);
    assert.deepEqual(importOnnx(model(bg), { file: 'g.onnx' }).definition.layers.filter((l) => l.type === 'RNN').map((l) => l.activation), ['relu', 'tanh']);
    const sigmoid = node('RNN', ['x', 'W', 'R', 'B'], ['y'], { hidden_size: 3 });
    sigmoid.attribute.push(strings('activations', ['Sigmoid']));
    refused({ ...g, nodes: [sigmoid], outputs: ['y'] }, /node "rnn" \(RNN, #0\): activations \[Sigmoid\] \(Cortado's RNN uses Tanh or Relu, one per direction\)/);
    refused({ ...g, nodes: [node('RNN', ['x', 'W', 'R', 'B'], ['y'], { hidden_size: 3, activation_alpha: [0.1] })], outputs: ['y'] }, /activation_alpha/);
    refused({ ...g, nodes: [node('RNN', ['x', 'W', 'R', 'B'], ['y'], { hidden_size: 3, clip: 2 })], outputs: ['y'] }, /clip \(Cortado's RNN does not clip\)/);
  });

  it('refuses, by name, what Cortado\'s LSTM does not compute', () => {
    const base = (attrs: Record<string, number | string>, extra: Partial<Graph> = {}, inputs = ['x', 'W', 'R', 'B'], outputs = ['y']): Graph => ({
      nodes: [node('LSTM', inputs, outputs, { hidden_size: 2, ...attrs })], inputs: [['x', [3, 2, 2]], ...(extra.inputs ?? [])], outputs, inits: [...lstmInits(2, 2, 1), ...(extra.inits ?? [])],
    });
    refused(base({ layout: 1 }), /node "lstm" \(LSTM, #0\): layout 1 \(batch first/);
    refused(base({ clip: 3 }), /clip/);
    refused(base({ input_forget: 1 }), /input_forget 1/);
    const relu = base({});
    relu.nodes[0].attribute.push(strings('activations', ['Sigmoid', 'Relu', 'Tanh']));
    refused(relu, /activations \[Sigmoid,Relu,Tanh\]/);
    refused(base({}, { inits: [tensor('h0', [1, 2, 2])] }, ['x', 'W', 'R', 'B', '', 'h0']), /a nonzero initial_h \(Cortado's imported LSTM starts each run from a zero state\)/);
    refused(base({}, { inputs: [['c0', [1, 2, 2]]] }, ['x', 'W', 'R', 'B', '', '', 'c0']), /initial_c computed by the graph/);
    refused(base({}, { inits: [tensor('P', [1, 6])] }, ['x', 'W', 'R', 'B', '', '', '', 'P']), /a nonzero peephole weight P/);
    refused(base({}, { inits: [int32Tensor('lens', [3, 2])] }, ['x', 'W', 'R', 'B', 'lens']), /sequence_lens \[3,2\] shorter than T = 3/);
    refused(base({}, {}, ['x', 'W', 'R', 'B'], ['y', 'yh', 'yc']), /Y_c read/);
    refused(base({ hidden_size: 3 }), /a weight W of shape \[1,8,2\] \(expected \[1,12,2\]/);
    refused({ nodes: [node('Squeeze', ['x', 'axes'], ['s'])], inputs: [['x', [2, 3]]], outputs: ['s'], inits: [int64Tensor('axes', [1], [1])] }, /axis 1 of size 3/);
  });

  it('a Slice of a computed value backwards over a whole axis (torch.flip) is a Reverse; part of an axis backwards is refused', { skip }, async () => {
    const flip = (ends: number): Graph => ({
      nodes: [node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])], inputs: [['x', [2, 5, 3]]], outputs: ['y'],
      inits: [int64Tensor('starts', [1], [-1]), int64Tensor('ends', [1], [ends]), int64Tensor('axes', [1], [1]), int64Tensor('steps', [1], [-1])],
    });
    assert.deepEqual(await agrees(flip(-6)), ['Input', 'Reverse']);
    assert.deepEqual(await agrees(flip(-9007199254740991)), ['Input', 'Reverse']);
    refused(flip(1), /node "slice" \(Slice, #0\): steps below 1/);
  });

  it('folds a constant Slice over several axes, with negative starts and steps', () => {
    const t = { dims: [2, 3, 4], values: Float64Array.from({ length: 24 }, (_, i) => i) };
    const c = (v: number[]) => ({ dims: [v.length], values: Float64Array.from(v) });
    // [1:, ::-2 from the end, 1:3] → [1, 2, 2]
    const out = fold('Slice', [t, c([1, -1, 1]), c([9, -9, 3]), c([0, 1, 2]), c([1, -2, 1])], new Map(), () => t);
    assert.deepEqual(out.dims, [1, 2, 2]);
    assert.deepEqual(Array.from(out.values), [21, 22, 13, 14]);
    // one axis named by a negative number, a 1-d tensor as before
    assert.deepEqual(Array.from(fold('Slice', [c([5, 6, 7, 8]), c([-3]), c([100]), c([-1])], new Map(), () => t).values), [6, 7, 8]);
  });
});
