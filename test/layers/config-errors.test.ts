/** Config validation: every message names the layer, its type and the field, and says what was expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { parseLayerConfig, type LayerConfig } from '../../src/core/layer.js';
import { layerTypes } from '../../src/layers/index.js';
import { buildLayer } from '../harness/context.js';

function parse(raw: LayerConfig) {
  return parseLayerConfig(raw, layerTypes.get(raw.type)!);
}

/** Asserts that parsing throws a ConfigError whose message contains every fragment. */
function rejects(raw: LayerConfig, ...fragments: string[]): void {
  assert.throws(() => parse(raw), (e: Error) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e.name}: ${e.message}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

const conv = (extra: Record<string, unknown>): LayerConfig => ({ type: 'Convolution', name: 'conv1', bottoms: ['x'], tops: ['y'], ...extra });

describe('layer config validation', () => {
  it('missing numOutput', () => {
    rejects(conv({ kernel: 3 }), 'layer "conv1" (Convolution)', 'field "numOutput"', 'given');
    rejects({ type: 'InnerProduct', name: 'fc', bottoms: ['x'], tops: ['y'] }, 'layer "fc" (InnerProduct)', 'field "numOutput"');
  });

  it('bad kernel: missing, zero, wrong length, not an integer', () => {
    rejects(conv({ numOutput: 4 }), 'layer "conv1"', 'field "kernel"', 'given');
    rejects(conv({ numOutput: 4, kernel: 0 }), 'field "kernel"', '>= 1', 'found 0');
    rejects(conv({ numOutput: 4, kernel: [3] }), 'field "kernel"', 'pair [h, w]', 'found [3]');
    rejects(conv({ numOutput: 4, kernel: 2.5 }), 'field "kernel"', 'integer', 'found 2.5');
    rejects({ type: 'Pooling', name: 'pool1', bottoms: ['x'], tops: ['y'], kernel: -1 }, 'layer "pool1" (Pooling)', 'field "kernel"');
  });

  it('unknown fields (typos) are errors', () => {
    rejects(conv({ numOutput: 4, kernal: 3, kernel: 3 }), 'layer "conv1" (Convolution)', 'unknown field "kernal"');
    rejects({ type: 'ReLU', name: 'r', bottoms: ['x'], tops: ['y'], slope: 0.1 }, 'layer "r" (ReLU)', 'unknown field "slope"');
    rejects(conv({ numOutput: 4, kernel: 3, weightInit: { type: 'Gaussian', sdt: 1 } }), 'field "weightInit"', 'unknown field "sdt"');
  });

  it('values out of range or of the wrong kind', () => {
    rejects(conv({ numOutput: 6, kernel: 3, group: 4 }), 'field "numOutput"', 'multiple of group 4', 'found 6');
    rejects(conv({ numOutput: 4, kernel: 3, neuron: 'Relu' }), 'field "neuron"', 'field "type"', "'ReLU'", 'found "Relu"');
    rejects({ type: 'Pooling', name: 'p', bottoms: ['x'], tops: ['y'], kernel: 2, pad: 2 }, 'layer "p" (Pooling)', 'field "pad"', 'smaller than the kernel');
    rejects({ type: 'Pooling', name: 'p', bottoms: ['x'], tops: ['y'], kernel: 2, method: 'median' }, 'field "method"', "'max'", 'found "median"');
    rejects({ type: 'Dropout', name: 'd', bottoms: ['x'], tops: ['y'], ratio: 1 }, 'layer "d" (Dropout)', 'field "ratio"', 'in [0, 1)', 'found 1');
    rejects({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['x', 'l'], normalization: 'mean' }, 'layer "loss" (SoftmaxLoss)', 'field "normalization"', "'valid'");
    rejects({ type: 'MemoryData', name: 'm', tops: ['d'], data: [{ values: [1], shape: [1] }] }, 'layer "m" (MemoryData)', 'field "batchSize"');
  });

  it('wrong number of bottoms or tops', () => {
    rejects({ type: 'SoftmaxLoss', name: 'loss', bottoms: ['x'] }, 'layer "loss" (SoftmaxLoss)', 'field "bottoms"', '2 blob names', 'found ["x"]');
    rejects(conv({ numOutput: 4, kernel: 3, tops: ['a', 'b'] }), 'field "tops"', '1 blob name');
    rejects({ type: 'Split', name: 's', bottoms: ['x'], tops: [] }, 'layer "s" (Split)', 'field "tops"', 'at least 1');
  });

  it('InnerProduct axis past the bottom axes is a ShapeError naming the layer and the blob', () => {
    const backend = new JsBackend('float64');
    assert.throws(
      () => buildLayer(backend, { type: 'InnerProduct', name: 'fc', bottoms: ['feat'], tops: ['y'], numOutput: 2, axis: 2 }, [[3, 4]]),
      (e: Error) => e instanceof ShapeError && /layer "fc" \(InnerProduct\)/.test(e.message) && /"axis"/.test(e.message) && /"feat"/.test(e.message) && /\[3, 4\]/.test(e.message),
    );
    assert.throws(
      () => buildLayer(backend, { type: 'TiedInnerProduct', name: 'dec', bottoms: ['code'], tops: ['y'], numOutput: 2, tiedParamKey: 'enc', axis: 2 }, [[3, 4]]),
      (e: Error) => e instanceof ShapeError && /layer "dec" \(TiedInnerProduct\)/.test(e.message) && /field "axis" is 2/.test(e.message) && /"code" \[3, 4\]/.test(e.message),
    );
  });
});

describe('absurd sizes are refused where they are read, naming the layer and the field', () => {
  const ip = (extra: Record<string, unknown>): LayerConfig => ({ type: 'InnerProduct', name: 'fc', bottoms: ['x'], tops: ['y'], ...extra });
  const pool = (extra: Record<string, unknown>): LayerConfig => ({ type: 'Pooling', name: 'pool1', bottoms: ['x'], tops: ['y'], kernel: 2, ...extra });

  it('integers above 2^31 - 1 (numOutput 2^31, stride 2^31 + 1, kernel 1e300)', () => {
    rejects(ip({ numOutput: 2 ** 31 }), 'layer "fc" (InnerProduct)', 'field "numOutput"', '2147483647', 'found 2147483648');
    rejects(pool({ stride: 2 ** 31 + 1 }), 'layer "pool1" (Pooling)', 'field "stride"', 'found 2147483649');
    rejects(pool({ stride: [1, 2 ** 40] }), 'field "stride"', 'found 1099511627776');
    rejects(conv({ numOutput: 2, kernel: 1e300 }), 'layer "conv1" (Convolution)', 'field "kernel"');
    rejects({ type: 'MemoryData', name: 'd', tops: ['x'], batchSize: 1e8, data: [{ values: new Float32Array(784), shape: [1, 784] }] }, 'layer "d" (MemoryData)', 'field "batchSize"', 'at most 2739');
  });

  it('NaN and infinities show as themselves, not as null', () => {
    rejects(ip({ numOutput: NaN }), 'field "numOutput"', 'found NaN');
    rejects(ip({ numOutput: Infinity }), 'found Infinity');
    rejects(pool({ stride: [1, -Infinity] }), 'field "stride"', 'found [1,-Infinity]');
  });

  it('params that is not a list, and a close typo named with the field meant', () => {
    rejects(ip({ numOutput: 2, params: 'x' }), 'layer "fc" (InnerProduct)', 'field "params"', 'a list', 'found "x"');
    rejects(ip({ numOutput: 2, params: { lrMult: 1 } }), 'field "params"');
    rejects(ip({ numOutput: 2, numOuput: 3 }), 'unknown field "numOuput" (did you mean "numOutput"?)');
  });

  it("Caffe's snake_case spelling is answered with Cortado's camelCase name", () => {
    rejects(ip({ numOutput: 2, bias_term: false, weight_init: 'x' }), 'unknown fields');
    rejects(ip({ numOutput: 2, weight_init: 'x' }), 'unknown field "weight_init" (Caffe\'s snake_case spelling; Cortado\'s is "weightInit")');
  });

  it('a misspelt required field is reported as unknown, before the required field is missing', () => {
    rejects(ip({ numOuput: 2 }), 'unknown field "numOuput" (did you mean "numOutput"?)');
    rejects(ip({ num_output: 2 }), 'unknown field "num_output" (Caffe\'s snake_case spelling; Cortado\'s is "numOutput")');
    rejects(conv({ num_output: 4, kernel: 3 }), 'unknown field "num_output"', '"numOutput"');
    assert.throws(() => parse(ip({ numOuput: 2 })), (e: Error) => !/must be given/.test(e.message));
    // A field far from any name is still reported before the missing one.
    rejects(conv({ kernel: 3, filters: 4 }), 'unknown field "filters"');
    rejects(ip({ outputs: 4, bias: false }), 'unknown field "outputs"');
  });

  it('a padded window beyond 32-bit indexing is refused at setup, naming the layer and the fields', () => {
    const layer = () => buildLayer(new JsBackend('float64'), pool({ kernel: 2 ** 30, pad: 2 ** 30 - 1, stride: 2 ** 30 }), [[1, 1, 4, 4]]);
    assert.throws(layer, (e: Error) => e instanceof ConfigError && /layer "pool1" \(Pooling\).*2\^31 - 1.*"pad", "stride" or "kernel"/.test(e.message));
  });
  it('Upsample: a scale that is no whole number >= 1, or one per spatial axis, is refused naming the layer', () => {
    const up = (scale: unknown): LayerConfig => ({ type: 'Upsample', name: 'up', bottoms: ['x'], tops: ['y'], scale } as LayerConfig);
    rejects(up(0), 'layer "up" (Upsample)', 'field "scale"', '>= 1');
    rejects(up(1.5), 'layer "up" (Upsample)', 'field "scale"', 'integer');
    rejects(up([2, 2.5]), 'field "scale"', 'whole number >= 1');
    rejects(up([]), 'field "scale"', 'whole number >= 1');
    rejects({ type: 'Upsample', name: 'up', bottoms: ['x'], tops: ['y'] }, 'field "scale"', 'given');
    const f64 = new JsBackend('float64');
    assert.throws(() => buildLayer(f64, up([2, 2, 2]), [[1, 3, 4, 4]]),
      (e: Error) => e instanceof ShapeError && /layer "up" \(Upsample\): scale \[2, 2, 2\] has 3 factors for the 2 spatial axes of bottom "x" \[1, 3, 4, 4\]/.test(e.message));
    assert.throws(() => buildLayer(f64, up(2), [[4, 3]]), (e: Error) => e instanceof ShapeError && /at least one spatial axis/.test(e.message));
  });
  it('Exp and Log: a base that is not positive, or 1, is refused naming the layer (-1 means e)', () => {
    for (const type of ['Exp', 'Log']) {
      for (const base of [0, 1, -2]) rejects({ type, name: 'f', bottoms: ['x'], tops: ['y'], base } as LayerConfig, `layer "f" (${type})`, 'field "base"', 'a positive number other than 1, or -1 for e', `found ${base}`);
      assert.equal(parse({ type, name: 'f', bottoms: ['x'], tops: ['y'] } as LayerConfig).base, -1);
    }
  });
  it('Softplus: a beta that is not above 0 is refused naming the layer', () => {
    for (const beta of [0, -1]) rejects({ type: 'Softplus', name: 'sp', bottoms: ['x'], tops: ['y'], beta } as LayerConfig, 'layer "sp" (Softplus)', 'field "beta"', `found ${beta}`);
  });
});
