/** Caffemodel weights and mean files: matching blobs to layers, shape errors, BatchNorm's factor. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../../src/core/errors.js';
import { encodeBinary } from '../../../src/io/caffe/codec.js';
import { exportCaffe, importCaffe, importCaffeMean } from '../../../src/io/caffe/index.js';
import { LENET_V1, LENET_V2 } from './fixtures.js';
import { build, load, maxRelDiff, run, weightsOf } from './helpers.js';

const blob = (dim: number[], data: number[]) => ({ shape: { dim }, data });

describe('caffemodel weights', () => {
  it('LeNet: a caffemodel written by the exporter loads into the V1 and V2 prototxts and gives the same outputs', () => {
    const net = build(importCaffe(LENET_V2).definition.layers);
    const image = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => Math.sin(i));
    const expected = run(net, { data: image }, ['prob']).get('prob')!;
    const { caffemodel } = exportCaffe(importCaffe(LENET_V2).definition, weightsOf(net));
    for (const text of [LENET_V2, LENET_V1]) {
      const imported = importCaffe(text, caffemodel);
      assert.deepEqual([...imported.weights.keys()].sort(), ['conv1___bias', 'conv1___weight', 'conv2___bias', 'conv2___weight', 'ip1___bias', 'ip1___weight', 'ip2___bias', 'ip2___weight']);
      const back = build(imported.definition.layers, 'test', 99);
      load(back, imported.weights);
      assert.ok(maxRelDiff(expected, run(back, { data: image }, ['prob']).get('prob')!) < 1e-6);
      back.destroy();
    }
    net.destroy();
  });

  it('names the layer and both shapes when a blob disagrees with the prototxt', () => {
    const model = encodeBinary('NetParameter', {
      layer: [
        { name: 'conv1', type: 'Convolution', blobs: [blob([20, 3, 5, 5], new Array(1500).fill(0)), blob([20], new Array(20).fill(0))] },
        { name: 'ip2', type: 'InnerProduct', blobs: [blob([10, 500], new Array(5000).fill(0))] },
      ],
    });
    assert.throws(() => importCaffe(LENET_V2, model, { caffemodelName: 'lenet.caffemodel' }), (e: Error) =>
      e instanceof DataError && e.message.includes('lenet.caffemodel') &&
      e.message.includes('layer "conv1" (Convolution), blob 0 (weight): caffemodel [20, 3, 5, 5], prototxt [20, 1, 5, 5]') &&
      e.message.includes('layer "ip2" (InnerProduct): 1 blob(s) in the caffemodel, the prototxt\'s layer has 2 parameter(s) (weight, bias)'));
  });

  it('refuses a blob holding NaN or an infinity, naming the layer, the blob and the value', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const data = new Array(500).fill(0.1);
      data[17] = bad;
      const model = encodeBinary('NetParameter', { layer: [{ name: 'conv1', type: 'Convolution', blobs: [blob([20, 1, 5, 5], data), blob([20], new Array(20).fill(0))] }] });
      assert.throws(() => importCaffe(LENET_V2, model, { caffemodelName: 'lenet.caffemodel' }), (e: Error) =>
        e instanceof DataError && e.message.startsWith('lenet.caffemodel: 1 blob(s) do not fit the prototxt') &&
        e.message.includes(`layer "conv1" (Convolution), blob 0 (weight): value 17 is ${bad} (weights must be finite)`));
    }
  });

  it("refuses a caffemodel none of whose layers the prototxt has (another net's), naming both sides", () => {
    const model = encodeBinary('NetParameter', { layer: [{ name: 'fc6', type: 'InnerProduct', blobs: [blob([2, 3], [1, 2, 3, 4, 5, 6])] }] });
    assert.throws(() => importCaffe(LENET_V2, model, { caffemodelName: 'vgg.caffemodel' }), (e: Error) =>
      e instanceof DataError &&
      e.message === 'vgg.caffemodel: no layer of the caffemodel gives weights to the prototxt\'s layers with parameters ("conv1", "conv2", "ip1", "ip2"); the caffemodel has blobs for "fc6". Was it trained with another prototxt?');
    assert.throws(() => importCaffe(LENET_V2, encodeBinary('NetParameter', { name: 'empty' })), /caffemodel: no layer of the caffemodel gives weights .* the caffemodel holds no blobs\.$/);
    // Caffe's rule stays for a partial match: layers the caffemodel lacks keep their initializers.
    const conv1 = encodeBinary('NetParameter', { layer: [{ name: 'conv1', blobs: [blob([20, 1, 5, 5], new Array(500).fill(0)), blob([20], new Array(20).fill(0))] }] });
    assert.deepEqual([...importCaffe(LENET_V2, conv1).weights.keys()], ['conv1___weight', 'conv1___bias']);
    // A net without parameters takes any caffemodel (nothing to give).
    const relu = 'input: "x" input_shape { dim: 1 dim: 3 }\nlayer { name: "r" type: "ReLU" bottom: "x" top: "y" }';
    assert.equal(importCaffe(relu, model).weights.size, 0);
  });

  it("reads old 4-d blob shapes and transposed InnerProduct weights", () => {
    const text = `input: "x" input_shape { dim: 1 dim: 3 }
      layer { name: "ip" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 transpose: true } }`;
    const model = encodeBinary('NetParameter', {
      layer: [{ name: 'ip', blobs: [{ num: 1, channels: 1, height: 3, width: 2, data: [1, 2, 3, 4, 5, 6] }, { num: 1, channels: 1, height: 1, width: 2, data: [0.5, -0.5] }] }],
    });
    const { weights } = importCaffe(text, model);
    assert.deepEqual(weights.get('ip___weight'), { shape: [2, 3], values: Float32Array.from([1, 3, 5, 2, 4, 6]) });
    assert.deepEqual(weights.get('ip___bias')!.shape, [2]);
  });

  it("BatchNorm: the three blobs as Caffe stores them; the mean and variance are divided by the scale factor (0 gives 0)", () => {
    const text = `input: "x" input_shape { dim: 2 dim: 2 }
      layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { eps: 1 } param { lr_mult: 0 } param { lr_mult: 0 } param { lr_mult: 0 } }`;
    const x = [1, 2, 3, 4];
    for (const [factor, mean, variance] of [[4, [4, 8], [16, 36]], [0, [4, 8], [16, 36]]] as const) {
      const model = encodeBinary('NetParameter', { layer: [{ name: 'bn', blobs: [blob([2], [...mean]), blob([2], [...variance]), blob([1], [factor])] }] });
      const imported = importCaffe(text, model);
      assert.deepEqual(Array.from(imported.weights.get('bn___scaleFactor')!.values), [factor]);
      const net = build(imported.definition.layers);
      load(net, imported.weights);
      const y = run(net, { x }, ['x_bn']).get('x_bn')!;
      // factor 4: mean [1, 2], variance [4, 9]; factor 0: mean and variance 0, so y = x / sqrt(0 + eps) = x.
      const want = factor ? [0, 0, 2 / Math.sqrt(5), 2 / Math.sqrt(10)] : x;
      assert.ok(maxRelDiff(want, y) < 1e-6, `factor ${factor}: ${y}`);
      net.destroy();
    }
  });
});

describe('Caffe mean file (binaryproto)', () => {
  it('reads the old 4-d form and the shape form', () => {
    const old = encodeBinary('BlobProto', { num: 1, channels: 3, height: 2, width: 2, data: Array.from({ length: 12 }, (_, i) => i + 0.5) });
    assert.deepEqual(importCaffeMean(old), { shape: [1, 3, 2, 2], values: Float32Array.from({ length: 12 }, (_, i) => i + 0.5) });
    const shaped = encodeBinary('BlobProto', { shape: { dim: [3, 1, 1] }, data: [104, 117, 123] });
    assert.deepEqual(importCaffeMean(shaped).values, Float32Array.from([104, 117, 123]));
  });

  it('refuses a mean whose values do not fill its shape', () => {
    const bad = encodeBinary('BlobProto', { num: 1, channels: 3, height: 2, width: 2, data: [1, 2] });
    assert.throws(() => importCaffeMean(bad, 'mean.binaryproto'), (e: Error) => e instanceof DataError && /mean\.binaryproto.*\[1, 3, 2, 2\] needs 12 values, found 2/.test(e.message));
  });
});
