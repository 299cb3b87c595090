/**
 * A minimal ONNX writer, enough to describe Caffe's MNIST LeNet for onnxruntime at bench time
 * (nothing binary is committed, and no exporter is needed).
 *
 * ONNX files are protobuf messages (onnx.proto, proto2). Only the fields used here are written:
 *   ModelProto    ir_version=1 (varint), producer_name=2, graph=7, opset_import=8
 *   OperatorSetId domain=1, version=2
 *   GraphProto    node=1, name=2, initializer=5, input=11, output=12
 *   NodeProto     input=1, output=2, name=3, op_type=4, attribute=5
 *   AttributeProto name=1, i=3, ints=8, type=20 (INT=2, INTS=7)
 *   TensorProto   dims=1, data_type=2 (FLOAT=1), name=8, raw_data=9 (little-endian float32)
 *   ValueInfoProto name=1, type=2 -> TypeProto tensor_type=1 -> elem_type=1, shape=2 -> dim=1
 *                  -> dim_value=1 | dim_param=2
 */

/** Appends protobuf fields to a growing byte list. Field keys are (number << 3) | wire type. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(v: number): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    this.parts.push(Uint8Array.from(out));
  }

  int(field: number, v: number): this {
    this.varint(field << 3);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer and integer-list attributes (kernel_shape, strides, axis, transB...). */
  attrs?: Record<string, number | number[]>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** A tensor's dimensions: a number is fixed, a string is a symbolic (dynamic) dimension. */
export type OnnxDims = (number | string)[];

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: { name: string; dims: OnnxDims }[];
  outputs: { name: string; dims: OnnxDims }[];
}

function valueInfo(name: string, dims: OnnxDims): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, 1).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function attribute(name: string, v: number | number[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof v === 'number') return a.int(20, 2).int(3, v);
  a.int(20, 7);
  for (const x of v) a.int(8, x);
  return a;
}

function tensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  const raw = new Uint8Array(t.values.length * 4);
  const view = new DataView(raw.buffer);
  t.values.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return w.int(2, 1).string(8, t.name).bytes(9, raw);
}

/** Serializes a float32 graph as an ONNX model (IR version 7, default opset 13). */
export function encodeModel(g: OnnxGraph, opset = 13): Uint8Array {
  const graph = new ProtoWriter();
  g.nodes.forEach((n, i) => {
    const node = new ProtoWriter();
    for (const s of n.inputs) node.string(1, s);
    for (const s of n.outputs) node.string(2, s);
    node.string(3, `${n.op.toLowerCase()}${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.message(5, attribute(k, v));
    graph.message(1, node);
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v.name, v.dims));
  for (const v of g.outputs) graph.message(12, valueInfo(v.name, v.dims));
  return new ProtoWriter()
    .int(1, 7)
    .string(2, 'cortado-bench')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, opset))
    .finish();
}

/** Uniform(-a, a) values from a small LCG, so that every run builds the same model. */
function uniformTensor(name: string, dims: number[], a: number, seed: number): OnnxTensor {
  const values = new Float32Array(dims.reduce((x, y) => x * y, 1));
  let s = seed >>> 0;
  for (let i = 0; i < values.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = (s / 2 ** 32) * 2 * a - a;
  }
  return { name, dims, values };
}

/** Caffe's Xavier: a = sqrt(3 / fanIn), fanIn = count / dims[0]. */
function xavierTensor(name: string, dims: number[], seed: number): OnnxTensor {
  const fanIn = dims.slice(1).reduce((x, y) => x * y, 1);
  return uniformTensor(name, dims, Math.sqrt(3 / fanIn), seed);
}

/**
 * Caffe's MNIST LeNet for inference, NCHW, batch dimension 'N':
 * data[N,1,28,28] -> Conv 20 5x5 -> MaxPool 2/2 -> Conv 50 5x5 -> MaxPool 2/2 -> Flatten
 * -> Gemm 500 -> Relu -> Gemm 10 -> Softmax -> prob[N,10].
 */
export function lenetGraph(): OnnxGraph {
  const bias = (name: string, n: number, seed: number) => uniformTensor(name, [n], 0.1, seed);
  const pool = { kernel_shape: [2, 2], strides: [2, 2] };
  return {
    name: 'lenet',
    nodes: [
      { op: 'Conv', inputs: ['data', 'conv1_w', 'conv1_b'], outputs: ['conv1'], attrs: { kernel_shape: [5, 5] } },
      { op: 'MaxPool', inputs: ['conv1'], outputs: ['pool1'], attrs: pool },
      { op: 'Conv', inputs: ['pool1', 'conv2_w', 'conv2_b'], outputs: ['conv2'], attrs: { kernel_shape: [5, 5] } },
      { op: 'MaxPool', inputs: ['conv2'], outputs: ['pool2'], attrs: pool },
      { op: 'Flatten', inputs: ['pool2'], outputs: ['flat'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['flat', 'ip1_w', 'ip1_b'], outputs: ['ip1'], attrs: { transB: 1 } },
      { op: 'Relu', inputs: ['ip1'], outputs: ['relu1'] },
      { op: 'Gemm', inputs: ['relu1', 'ip2_w', 'ip2_b'], outputs: ['ip2'], attrs: { transB: 1 } },
      { op: 'Softmax', inputs: ['ip2'], outputs: ['prob'], attrs: { axis: 1 } },
    ],
    initializers: [
      xavierTensor('conv1_w', [20, 1, 5, 5], 1), bias('conv1_b', 20, 5),
      xavierTensor('conv2_w', [50, 20, 5, 5], 2), bias('conv2_b', 50, 6),
      xavierTensor('ip1_w', [500, 800], 3), bias('ip1_b', 500, 7),
      xavierTensor('ip2_w', [10, 500], 4), bias('ip2_b', 10, 8),
    ],
    inputs: [{ name: 'data', dims: ['N', 1, 28, 28] }],
    outputs: [{ name: 'prob', dims: ['N', 10] }],
  };
}

/** lenetGraph() as ONNX bytes. */
export function lenetOnnx(): Uint8Array {
  return encodeModel(lenetGraph());
}
