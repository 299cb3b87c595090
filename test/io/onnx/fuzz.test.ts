/**
 * Damaged ONNX files: truncated and bit-flipped models (LeNet exported by Cortado, and a model with
 * folded shape arithmetic) give a Cortado error (DataError, ConfigError or ShapeError) every time,
 * never another exception; each import is bounded by the file's size, so a hang shows as this
 * test's timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../../src/core/errors.js';
import { Random } from '../../../src/core/random.js';
import { importCaffe } from '../../../src/io/caffe/index.js';
import { exportOnnx, importOnnx } from '../../../src/io/onnx/index.js';
import { decodeModel, encodeModel, floatTensor, type Msg } from '../../../src/io/onnx/codec.js';
import { cortadoErrorOrNothing } from '../../harness/errors.js';
import { SMALL_LENET_V2 } from '../caffe/fixtures.js';
import { build, flipped } from '../caffe/helpers.js';


describe('damaged ONNX files', { timeout: 120_000 }, () => {
  const small = SMALL_LENET_V2;
  const net = build(importCaffe(small).definition.layers);
  const model = exportOnnx(net);
  net.destroy();
  const rng = new Random(9);

  it('imports undamaged', () => assert.ok(importOnnx(model).definition.layers.length > 3));

  it('truncated models', () => {
    for (let k = 0; k < 150; k++) cortadoErrorOrNothing(() => importOnnx(model.subarray(0, rng.int(model.length))), `cut ${k}`);
    assert.throws(() => importOnnx(model.subarray(0, model.length - 3)), DataError);
  });

  it('bit-flipped models', () => {
    for (let k = 0; k < 300; k++) cortadoErrorOrNothing(() => importOnnx(flipped(model, rng, 1 + rng.int(8))), `flipped ${k}`);
  });

  it('flips in the graph structure (the head of the file, before the weights)', () => {
    const head = Math.min(model.length, 600);
    for (let k = 0; k < 300; k++) {
      const out = Uint8Array.from(model);
      for (let f = 0; f < 1 + rng.int(3); f++) out[rng.int(head)] ^= 1 << rng.int(8);
      cortadoErrorOrNothing(() => importOnnx(out), `head flip ${k}`);
    }
  });

  it('an initializer that does not fit the input of its node is refused naming the weight, not left for loading', () => {
    const m = decodeModel(model, 'model.onnx');
    const gemm = (m.graph.node as Msg[]).find((n) => n.op_type === 'Gemm' || n.op_type === 'MatMul');
    assert.ok(gemm, 'the exported LeNet has a Gemm or MatMul');
    const inits = m.graph.initializer as Msg[];
    const i = inits.findIndex((t) => t.name === gemm.input[1]);
    const dims = (inits[i]!.dims as number[]).map(Number);
    // K + 1 values per output: B is [K, N], or [N, K] for a Gemm with transB.
    const transB = gemm.op_type === 'Gemm' && (gemm.attribute as Msg[] ?? []).some((a) => a.name === 'transB' && Number(a.i) === 1);
    const wider = transB ? [dims[0]!, dims[1]! + 1] : [dims[0]! + 1, dims[1]!];
    inits[i] = floatTensor(inits[i]!.name, wider, new Float32Array(wider[0]! * wider[1]!));
    assert.throws(() => importOnnx(encodeModel(m), { file: 'wide.onnx' }),
      (e: Error) => e instanceof DataError && /^wide\.onnx: weight "[^"]+___weight" has shape \[\d+, \d+\], but its layer, given its input's shape, has a parameter of shape \[\d+, \d+\]/.test(e.message));
  });

  it('a weight holding NaN or an infinity is refused naming the node, the weight and the index', () => {
    for (const bad of [NaN, -Infinity]) {
      const m = decodeModel(model, 'model.onnx');
      const conv = (m.graph.node as Msg[]).find((n) => n.op_type === 'Conv')!;
      const inits = m.graph.initializer as Msg[];
      const i = inits.findIndex((t) => t.name === conv.input[1]);
      const dims = (inits[i]!.dims as number[]).map(Number);
      const values = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.25);
      values[5] = bad;
      inits[i] = floatTensor(inits[i]!.name, dims, values);
      assert.throws(() => importOnnx(encodeModel(m), { file: 'nan.onnx' }), (e: Error) =>
        e instanceof DataError && new RegExp(`^nan\\.onnx: node "[^"]*" \\(Conv, #\\d+\\): weight "[^"]+___weight" has ${bad} at index 5 \\(weights must be finite\\)$`).test(e.message), `${bad}`);
    }
  });

  it('wrong types: text and random bytes', () => {
    cortadoErrorOrNothing(() => importOnnx(new TextEncoder().encode(small)), 'prototxt as onnx');
    for (let k = 0; k < 50; k++) cortadoErrorOrNothing(() => importOnnx(Uint8Array.from({ length: 1 + rng.int(200) }, () => rng.int(256))), `random ${k}`);
  });
});
