/**
 * Cortado → ONNX → Cortado for every layer case ONNX holds and Cortado reads back: the imported
 * net must hold the same weights under the same keys (BatchNorm's statistics come back divided by
 * their scale factor, with a scale factor of 1) and compute the same tops. Every exported row is read
 * back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportOnnx, importOnnx } from '../../../src/io/onnx/index.js';
import { layerCases } from '../../harness/layer-cases.js';
import { build, load, run, weightsOf } from '../caffe/helpers.js';
import { NOT_IN_ONNX, NOTHING_TO_COMPARE } from './export.test.js';
import { inputsOf, maxRelDiff, withInput } from './helpers.js';

describe('ONNX round trip of the layer cases', () => {
  for (const c of layerCases) {
    if (NOT_IN_ONNX[c.name] || NOTHING_TO_COMPARE[c.name]) continue;
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
      // Nothing more: constants the export wrote for a layer (Power's scale and shift, a Reduction's
      // coefficient, a Scale's bias) come back into that layer, not as parameters of their own.
      assert.deepEqual([...imported.weights.keys()].filter((k) => !weights.has(k)), [], 'weights the original lacks');
      const back = build(imported.definition.layers, 'test');
      load(back, imported.weights);
      const found = run(back, inputsOf(c), tops);
      for (const t of tops) assert.ok(maxRelDiff(expected.get(t)!, found.get(t)!) < 1e-6, `top "${t}": ${expected.get(t)} vs ${found.get(t)}`);
      original.destroy();
      back.destroy();
    });
  }
});
