/**
 * Small ONNX graphs written in tests: a node, a model from nodes, inputs and initializers, and the
 * check that Cortado's import of it agrees with onnxruntime-node (import-more.test.ts,
 * import-recurrent.test.ts).
 */
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';
import { encodeModel, makeAttributes, type Msg } from '../../../src/io/onnx/codec.js';
import { importOnnx } from '../../../src/io/onnx/index.js';
import { InputLayer } from '../../../src/layers/input.js';
import { Net } from '../../../src/node/net.js';
import { load } from '../caffe/helpers.js';
import { loadOrt, maxRelDiff, ortMissing, runOrt } from './helpers.js';

export const value = (name: string, shape: number[]): Msg => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: shape.map((d) => ({ dim_value: d })) } } } });
export const node = (op: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[] | string> = {}, name = op.toLowerCase()): Msg => ({
  name, op_type: op, input: inputs, output: outputs, attribute: makeAttributes(attrs),
});

export interface Graph {
  nodes: Msg[];
  inputs: [string, number[]][];
  outputs: string[];
  inits?: Msg[];
  opset?: number;
}

export function model(g: Graph): Uint8Array {
  return encodeModel({
    ir_version: 8, opset_import: [{ domain: '', version: g.opset ?? 17 }],
    graph: { name: 'g', node: g.nodes, initializer: g.inits ?? [], input: g.inputs.map(([n, s]) => value(n, s)), output: g.outputs.map((n) => ({ name: n })) },
  });
}

/** Values in [-4, 4] with ties (every third repeats the one before). */
export const inputOf = (shape: number[]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 3 === 2 ? Math.sin(i - 1) : Math.sin(i)) * 4);

/** Imports and runs the graph in Cortado; returns the outputs and the imported layer types. */
export function cortado(bytes: Uint8Array, g: Graph): { outputs: Map<string, Float32Array>; types: string[] } {
  const { definition, weights } = importOnnx(bytes, { file: 'g.onnx' });
  const net = new Net(definition.layers, { backend: new JsBackend('float32'), phase: 'test' });
  try {
    load(net, weights);
    for (const [name, shape] of g.inputs) (net.layers.find((l) => l instanceof InputLayer && l.config.tops!.includes(name)) as InputLayer).feed(name, inputOf(shape));
    net.forward();
    return { outputs: new Map(g.outputs.map((o) => [o, Float32Array.from(net.blob(o).read())])), types: definition.layers.map((l) => l.type) };
  } finally {
    net.destroy();
  }
}

export const ort = await loadOrt();

/** The graph must import, and agree with onnxruntime on every output; returns the layer types. */
export async function agrees(g: Graph): Promise<string[]> {
  const bytes = model(g);
  const ours = cortado(bytes, g);
  const theirs = await runOrt(bytes, Object.fromEntries(g.inputs.map(([n, s]) => [n, { values: inputOf(s), shape: s }])));
  for (const o of g.outputs) {
    const t = theirs.get(o)!;
    assert.equal(ours.outputs.get(o)!.length, t.data.length, `output "${o}": sizes`);
    assert.ok(maxRelDiff(t.data, ours.outputs.get(o)!) < 1e-5, `output "${o}": ${t.data.slice(0, 8)} vs ${ours.outputs.get(o)!.slice(0, 8)}`);
  }
  return ours.types;
}

export const skip = ort ? false : ortMissing();
