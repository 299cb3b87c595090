/**
 * The ONNX writer: the bytes parse back into the graph that was described, and, where
 * onnxruntime-node is installed, the model it runs computes LeNet as a plain reference does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { lenetGraph, lenetOnnx, type OnnxGraph } from '../../bench/peers/onnx-model.js';

type Fields = Map<number, (number | Uint8Array)[]>;

/** Reads one protobuf message level: field number -> values (varints as numbers, bytes as views). */
function parse(buf: Uint8Array): Fields {
  const out: Fields = new Map();
  let at = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const [field, wire] = [Math.floor(key / 8), key & 7];
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = buf.subarray(at, at + n);
      at += n;
    } else throw new Error(`unexpected wire type ${wire} for field ${field}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (v: number | Uint8Array | undefined) => new TextDecoder().decode(v as Uint8Array);
const msgs = (f: Fields, n: number) => (f.get(n) ?? []).map((v) => parse(v as Uint8Array));

test('the encoded LeNet parses back into its ops, tensors and opset', () => {
  const model = parse(lenetOnnx());
  assert.equal(model.get(1)?.[0], 7, 'ir_version');
  const opset = msgs(model, 8)[0];
  assert.equal(opset.get(2)?.[0], 13);
  const graph = msgs(model, 7)[0];
  const nodes = msgs(graph, 1);
  assert.deepEqual(nodes.map((n) => text(n.get(4)?.[0])), ['Conv', 'MaxPool', 'Conv', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
  assert.deepEqual(nodes[0].get(1)?.map(text), ['data', 'conv1_w', 'conv1_b']);
  const kernel = msgs(nodes[0], 5)[0];
  assert.equal(text(kernel.get(1)?.[0]), 'kernel_shape');
  assert.equal(kernel.get(20)?.[0], 7, 'INTS');
  assert.deepEqual(kernel.get(8), [5, 5]);
  const tensors = msgs(graph, 5);
  const want = lenetGraph().initializers;
  assert.deepEqual(tensors.map((t) => text(t.get(8)?.[0])), want.map((t) => t.name));
  tensors.forEach((t, i) => {
    assert.deepEqual(t.get(1), want[i].dims);
    const raw = t.get(9)?.[0] as Uint8Array;
    assert.equal(raw.length, want[i].values.length * 4);
    assert.equal(new DataView(raw.buffer, raw.byteOffset).getFloat32(0, true), want[i].values[0]);
  });
  const input = msgs(graph, 11)[0];
  const dims = msgs(msgs(msgs(msgs(input, 2)[0], 1)[0], 2)[0], 1);
  assert.equal(text(dims[0].get(2)?.[0]), 'N');
  assert.deepEqual(dims.slice(1).map((d) => d.get(1)?.[0]), [1, 28, 28]);
});

/** LeNet's forward for one NCHW image, straight from the definitions (the test's reference). */
function reference(g: OnnxGraph, image: Float32Array): Float64Array {
  const w = new Map(g.initializers.map((t) => [t.name, t.values]));
  const conv = (x: ArrayLike<number>, c: number, h: number, k: Float32Array, b: Float32Array, o: number) => {
    const oh = h - 4;
    const y = new Float64Array(o * oh * oh);
    for (let m = 0; m < o; m++) for (let i = 0; i < oh; i++) for (let j = 0; j < oh; j++) {
      let s = b[m];
      for (let ch = 0; ch < c; ch++) for (let u = 0; u < 5; u++) for (let v = 0; v < 5; v++) {
        s += x[(ch * h + i + u) * h + j + v] * k[((m * c + ch) * 5 + u) * 5 + v];
      }
      y[(m * oh + i) * oh + j] = s;
    }
    return y;
  };
  const pool = (x: Float64Array, c: number, h: number) => {
    const oh = h / 2;
    const y = new Float64Array(c * oh * oh);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < oh; i++) for (let j = 0; j < oh; j++) {
      const at = (u: number, v: number) => x[(ch * h + 2 * i + u) * h + 2 * j + v];
      y[(ch * oh + i) * oh + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
    }
    return y;
  };
  const fc = (x: Float64Array, k: Float32Array, b: Float32Array) =>
    b.map((bias, o) => x.reduce((s, xi, i) => s + xi * k[o * x.length + i], bias));
  const p1 = pool(conv(image, 1, 28, w.get('conv1_w')!, w.get('conv1_b')!, 20), 20, 24);
  const p2 = pool(conv(p1, 20, 12, w.get('conv2_w')!, w.get('conv2_b')!, 50), 50, 8);
  const h = Float64Array.from(fc(p2, w.get('ip1_w')!, w.get('ip1_b')!), (v) => Math.max(v, 0));
  const z = Float64Array.from(fc(h, w.get('ip2_w')!, w.get('ip2_b')!));
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const ortPath = (() => {
  try {
    return createRequire(import.meta.url).resolve('onnxruntime-node');
  } catch {
    return undefined;
  }
})();

test('onnxruntime runs the written model as LeNet', { skip: ortPath ? false : 'onnxruntime-node is not installed (scripts/setup-bench.sh)' }, async () => {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(lenetOnnx(), { intraOpNumThreads: 1 });
  const images = Float32Array.from({ length: 2 * 784 }, (_, i) => ((i * 37) % 101) / 101);
  const out = await session.run({ data: new ort.Tensor('float32', images, [2, 1, 28, 28]) });
  assert.deepEqual(out.prob.dims, [2, 10]);
  const prob = out.prob.data as Float32Array;
  const g = lenetGraph();
  for (let n = 0; n < 2; n++) {
    const want = reference(g, images.subarray(n * 784, (n + 1) * 784));
    for (let k = 0; k < 10; k++) assert.ok(Math.abs(prob[n * 10 + k] - want[k]) < 1e-5, `image ${n}, class ${k}: onnxruntime ${prob[n * 10 + k]}, reference ${want[k]}`);
  }
});
