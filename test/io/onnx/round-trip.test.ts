/**
 * Cortado → ONNX → Cortado for every layer case ONNX holds and Cortado reads back: the imported
 * net must hold the same weights under the same keys (BatchNorm's statistics come back divided by
 * their scale factor, with a scale factor of 1) and compute the same tops. The rows whose ONNX form
 * Cortado does not read back are listed with the reason and must fail with a ConfigError.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/core/errors.js';
import { exportOnnx, importOnnx } from '../../../src/io/onnx/index.js';
import { layerCases } from '../../harness/layer-cases.js';
import { build, load, run, weightsOf } from '../caffe/helpers.js';
import { NOT_IN_ONNX, NOTHING_TO_COMPARE } from './export.test.js';
import { inputsOf, maxRelDiff, withInput } from './helpers.js';

/** Rows ONNX holds whose ONNX form Cortado does not read back, and why. */
export const NOT_BACK: Record<string, string> = {
  'ip-neuron-Exponential': 'Exp has no Cortado layer (only a neuron)',
  'conv-neuron-Exponential': 'Exp has no Cortado layer (only a neuron)',
  power: 'Pow has no Cortado layer', 'power-square': 'Pow has no Cortado layer',
  'scale-bottom': 'a Mul of two computed values that broadcast', 'scale-bottom-axis2': 'a Mul of two computed values that broadcast',
  'bias-bottom-axis-last': 'an Add of two computed values that broadcast',
  'lrn-within': "written with Pow (Caffe's WITHIN_CHANNEL has no ONNX operator)",
  'lrn-within-5': "written with Pow (Caffe's WITHIN_CHANNEL has no ONNX operator)",
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'ArgMax').map((c) => [c.name, 'TopK and Cast have no Cortado layer'])),
  ...Object.fromEntries(layerCases.filter((c) => c.config.type === 'Reduction').map((c) => [c.name, 'ONNX reductions have no Cortado layer'])),
};

describe('ONNX round trip of the layer cases', () => {
  for (const c of layerCases) {
    if (NOT_IN_ONNX[c.name] || NOTHING_TO_COMPARE[c.name]) continue;
    if (NOT_BACK[c.name]) {
      it(`${c.name}: import is refused (${NOT_BACK[c.name]})`, () => {
        const net = build(withInput(c), 'test');
        const model = exportOnnx(net);
        net.destroy();
        assert.throws(() => importOnnx(model), ConfigError);
      });
      continue;
    }
    it(c.name, () => {
      const original = build(withInput(c), 'test');
      const tops = original.layers.find((l) => l.name === c.config.name)!.config.tops;
      const expected = run(original, inputsOf(c), tops);
      const weights = weightsOf(original);
      const imported = importOnnx(exportOnnx(original));
      for (const [key, e] of weights) {
        const got = imported.weights.get(key);
        assert.ok(got, `no weights "${key}" among ${[...imported.weights.keys()]}`);
        if (c.config.type === 'BatchNorm') continue;
        assert.deepEqual(got.shape, e.shape, key);
        assert.deepEqual(Float32Array.from(got.values), e.values, key);
      }
      const back = build(imported.definition.layers, 'test');
      load(back, imported.weights);
      const found = run(back, inputsOf(c), tops);
      for (const t of tops) assert.ok(maxRelDiff(expected.get(t)!, found.get(t)!) < 1e-6, `top "${t}": ${expected.get(t)} vs ${found.get(t)}`);
      original.destroy();
      back.destroy();
    });
  }
});
