/** importCaffe on prototxts written inline: the text format, V1 and V2, in-place layers, errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataError, ShapeError } from '../../../src/core/errors.js';
import { parseText } from '../../../src/io/caffe/codec.js';
import { importCaffe } from '../../../src/io/caffe/index.js';
import { LENET_V1, LENET_V2 } from './fixtures.js';
import { build } from './helpers.js';

describe('prototxt reading', () => {
  it('reads comments, nested messages, repeated fields, enums by name and escaped strings', () => {
    const net = parseText('NetParameter', `# a comment
      name: "a \\"quoted\\" net\\n"  # trailing comment
      layer { name: 'p' type: "Pooling" top: "a" top: "b" pooling_param { pool: AVE kernel_h: 3 kernel_w: 2 } }
      layer { name: "c" type: "Convolution" convolution_param { kernel_size: 3 kernel_size: 5 weight_filler { type: "gaussian" std: 1e-2 } } }`, 'net.prototxt');
    assert.equal(net.name, 'a "quoted" net\n');
    assert.deepEqual(net.layer[0].top, ['a', 'b']);
    assert.deepEqual(net.layer[0].pooling_param, { pool: 'AVE', kernel_h: 3, kernel_w: 2 });
    assert.deepEqual(net.layer[1].convolution_param.kernel_size, [3, 5]);
    assert.equal(net.layer[1].convolution_param.weight_filler.std, 0.01);
  });

  it('names the file and the line of a syntax error or an unknown field', () => {
    assert.throws(() => parseText('NetParameter', 'layer {\n  name: "x"\n  kernal: 3\n}', 'deploy.prototxt'),
      (e: Error) => e instanceof DataError && /deploy\.prototxt/.test(e.message) && /kernal/.test(e.message) && /line 3/.test(e.message));
    assert.throws(() => parseText('NetParameter', 'layer { name: "x"', 'deploy.prototxt'), DataError);
  });

  it('names the line of a value of the wrong kind, which the text parser reports without one', () => {
    const text = 'name: "n"\nlayer {\n  name: "ip"\n  type: "InnerProduct"\n  inner_product_param {\n    num_output: "ten"\n  }\n}\n';
    assert.throws(() => parseText('NetParameter', text, 'deploy.prototxt'),
      (e: Error) => e instanceof DataError && e.message === 'deploy.prototxt: not a valid Caffe NetParameter in text format: integer value expected (line 6: num_output: "ten")');
    assert.throws(() => parseText('NetParameter', 'layer {\n  name: "x"\n  convolution_param { bias_term: 7 }\n}', 'deploy.prototxt'),
      (e: Error) => e instanceof DataError && /bool value expected \(line 3: convolution_param \{ bias_term: 7 \}\)$/.test(e.message));
  });
});

describe('importCaffe', () => {
  it('imports LeNet in the V2 and the V1 forms to the same definition, which builds', () => {
    const v2 = importCaffe(LENET_V2).definition;
    const v1 = importCaffe(LENET_V1).definition;
    assert.deepEqual(v1, v2);
    assert.equal(v2.name, 'LeNet');
    const conv1 = v2.layers.find((l) => l.name === 'conv1')!;
    assert.deepEqual(conv1.params, [{ lrMult: 1, decayMult: 1 }, { lrMult: 2, decayMult: 1 }]);
    assert.deepEqual(conv1.weightInit, { type: 'Xavier' });
    const net = build(v2.layers);
    assert.deepEqual(net.blob('prob').shape, [2, 10]);
    assert.deepEqual(net.blob('pool2').shape, [2, 50, 4, 4]);
    net.destroy();
  });

  it('renames in-place layers: the last writer keeps the name, consumers are rewired', () => {
    const { layers } = importCaffe(`
      input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
      layer { name: "scale0" type: "Power" bottom: "data" top: "data" power_param { scale: 2 } }
      layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 2 kernel_size: 1 } }
      layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
      layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
      layer { name: "drop" type: "Dropout" bottom: "conv" top: "conv" }
      layer { name: "prob" type: "Softmax" bottom: "conv" top: "prob" }`).definition;
    const wiring = Object.fromEntries(layers.map((l) => [l.name, [l.bottoms, l.tops]]));
    assert.deepEqual(wiring, {
      input: [[], ['data']],
      scale0: [['data'], ['data_scale0']],
      conv: [['data_scale0'], ['conv_before_bn']],
      bn: [['conv_before_bn'], ['conv_before_relu']],
      relu: [['conv_before_relu'], ['conv_before_drop']],
      drop: [['conv_before_drop'], ['conv']],
      prob: [['conv'], ['prob']],
    });
    build(layers).destroy();
  });

  it("refuses a bottom that no layer above writes (Caffe's unknown bottom blob), in-place or not, listing each", () => {
    const text = `input: "x" input_shape { dim: 1 dim: 2 }
      layer { name: "ip" type: "InnerProduct" bottom: "x" top: "h" inner_product_param { num_output: 2 } }
      layer { name: "relu" type: "ReLU" bottom: "y" top: "y" }
      layer { name: "sum" type: "Eltwise" bottom: "h" bottom: "later" top: "s" }
      layer { name: "late" type: "ReLU" bottom: "h" top: "later" }`;
    assert.throws(() => importCaffe(text, undefined, { prototxtName: 'net.prototxt' }), (e: Error) =>
      e instanceof ConfigError &&
      e.message === 'net.prototxt: 2 bottom(s) read before any layer writes them (Caffe reads a blob after the layer that writes it):\n' +
        '  layer "relu" (ReLU): bottom "y" is not a top of any layer above it\n' +
        '  layer "sum" (Eltwise): bottom "later" is not a top of any layer above it');
  });

  it('names the prototxt in the errors of the net the layers make', () => {
    const text = `input: "x" input_shape { dim: 1 dim: 2 dim: 3 }
      layer { name: "cat" type: "Concat" bottom: "x" bottom: "x" top: "c" concat_param { axis: 5 } }`;
    assert.throws(() => importCaffe(text, undefined, { prototxtName: 'cat.prototxt' }), (e: Error) =>
      e instanceof ShapeError && e.message.startsWith('cat.prototxt: layer "cat" (Concat)'));
  });

  it('lists every unsupported layer with its type in one ConfigError', () => {
    const text = `input: "data" input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4
      layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" }
      layer { name: "relu" type: "ReLU" bottom: "mvn" top: "mvn" }
      layer { name: "spp" type: "SPP" bottom: "mvn" top: "spp" }
      layer { name: "pool" type: "Pooling" bottom: "mvn" top: "pool" pooling_param { pool: STOCHASTIC kernel_size: 2 } }
      layers { name: "bnll" type: BNLL bottom: "mvn" top: "bnll" }`;
    assert.throws(() => importCaffe(text.replace(/layers \{ name: "bnll".*$/, '')), (e: Error) =>
      e instanceof ConfigError && /3 layer\(s\)/.test(e.message) && e.message.includes('layer "mvn" (MVN)') &&
      e.message.includes('layer "spp" (SPP)') && e.message.includes('layer "pool" (Pooling): pool STOCHASTIC') && !e.message.includes('"relu"'));
  });

  it('maps Caffe semantics: global pooling, loss normalization defaults, include phase, Scale with bias, Eltwise coefficients', () => {
    const { layers } = importCaffe(`
      layer { name: "in" type: "Input" top: "x" top: "label" input_param { shape { dim: 2 dim: 3 dim: 5 dim: 4 } shape { dim: 2 } } }
      layer { name: "gap" type: "Pooling" bottom: "x" top: "gap" pooling_param { pool: AVE global_pooling: true engine: CUDNN } }
      layer { name: "sc" type: "Scale" bottom: "gap" top: "sc" scale_param { bias_term: true } }
      layer { name: "sum" type: "Eltwise" bottom: "sc" bottom: "gap" top: "sum" eltwise_param { coeff: 1 coeff: -1 } }
      layer { name: "loss" type: "SoftmaxWithLoss" bottom: "sum" bottom: "label" top: "loss" loss_weight: 0.5 loss_param { normalize: false } }
      layer { name: "sce" type: "SigmoidCrossEntropyLoss" bottom: "sum" bottom: "sum" top: "sce" include { phase: TRAIN } }`).definition;
    const by = Object.fromEntries(layers.map((l) => [l.name, l]));
    assert.deepEqual([by.gap.kernel, by.gap.stride, by.gap.pad], [[5, 4], 1, 0]);
    assert.equal(by.sc.bias, true);
    assert.deepEqual(by.sum.coeff, [1, -1]);
    assert.deepEqual([by.loss.normalization, by.loss.lossWeight], ['batch', 0.5]);
    assert.deepEqual([by.sce.normalization, by.sce.include], ['batch', { phase: 'train' }]);
    const net = build(layers);
    assert.deepEqual(net.blob('gap').shape, [2, 3, 1, 1]);
    net.destroy();
  });
});
