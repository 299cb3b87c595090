/** Deconvolution: Caffe's output shape, exact values on small cases, and bilinear upsampling. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const deconv = (extra: Record<string, unknown>): LayerConfig =>
  ({ type: 'Deconvolution', name: 'up', bottoms: ['x'], tops: ['y'], numOutput: 1, bias: false, ...extra });

describe('Deconvolution', () => {
  it('stride 2, kernel 2: each input pixel paints the kernel times its value, plus the bias', () => {
    const b = buildLayer(backend, deconv({ kernel: 2, stride: 2, bias: true, biasInit: { type: 'Constant', value: 0.5 } }), [[1, 1, 2, 2]], { values: [[1, 2, 3, 4]] });
    assert.deepEqual(b.tops[0].shape, [1, 1, 4, 4]);
    assert.deepEqual(b.layer.params[0].blob.shape, [1, 1, 2, 2]);
    b.layer.params[0].blob.write([1, 10, 100, 1000]);
    b.layer.forward(b.bottoms, b.tops);
    assert.deepEqual([...b.tops[0].read()], [
      1, 10, 2, 20,
      100, 1000, 200, 2000,
      3, 30, 4, 40,
      300, 3000, 400, 4000,
    ].map((v) => v + 0.5));
  });

  it('overlapping windows add up; the weight is [channels, numOutput / group, kh, kw]', () => {
    const b = buildLayer(backend, deconv({ kernel: 3, numOutput: 2 }), [[1, 1, 1, 2]], { values: [[1, 2]] });
    assert.deepEqual(b.layer.params[0].blob.shape, [1, 2, 3, 3]);
    assert.deepEqual(b.tops[0].shape, [1, 2, 3, 4]);
    b.layer.params[0].blob.write([...Array(9).fill(1), ...Array(9).fill(-1)]);
    b.layer.forward(b.bottoms, b.tops);
    const row = [1, 3, 3, 2];
    assert.deepEqual([...b.tops[0].read()], [...row, ...row, ...row, ...row.map((v) => -v), ...row.map((v) => -v), ...row.map((v) => -v)]);
  });

  it('shape: stride (H - 1) + dilation (k - 1) + 1 - 2 pad', () => {
    const b = buildLayer(backend, deconv({ kernel: [3, 2], stride: [2, 3], pad: [1, 0], dilation: [2, 1] }), [[2, 1, 4, 5]]);
    assert.deepEqual(b.tops[0].shape, [2, 1, 2 * 3 + 4 + 1 - 2, 3 * 4 + 1 + 1]);
  });

  it('with the Bilinear initializer, factor-2 upsampling interpolates a ramp linearly inside', () => {
    const channels = 2;
    const b = buildLayer(backend, deconv({ numOutput: channels, group: channels, kernel: 4, stride: 2, pad: 1, weightInit: { type: 'Bilinear' } }),
      [[1, channels, 4, 4]], { values: [Array.from({ length: 32 }, (_, i) => (i % 4) + 10 * Math.floor(i / 16))] });
    b.layer.forward(b.bottoms, b.tops);
    assert.deepEqual(b.tops[0].shape, [1, channels, 8, 8]);
    const y = b.tops[0].read();
    for (let c = 0; c < channels; c++) {
      for (let h = 1; h < 7; h++) {
        for (let w = 1; w < 7; w++) {
          const expected = w / 2 - 0.25 + 10 * c;
          assert.ok(Math.abs(y[(c * 8 + h) * 8 + w] - expected) < 1e-12, `channel ${c} (${h}, ${w}): ${y[(c * 8 + h) * 8 + w]}, expected ${expected}`);
        }
      }
    }
  });

  it('errors name the layer and the field', () => {
    assert.throws(() => buildLayer(backend, deconv({ kernel: 2, pad: 3 }), [[1, 1, 2, 2]]),
      (e: Error) => e instanceof ShapeError && /layer "up" \(Deconvolution\)/.test(e.message) && /pad/.test(e.message));
    assert.throws(() => buildLayer(backend, deconv({ kernel: 2, group: 2, numOutput: 3 }), [[1, 2, 2, 2]]),
      (e: Error) => e instanceof ConfigError && /layer "up" \(Deconvolution\)/.test(e.message) && /"numOutput"/.test(e.message));
    assert.throws(() => buildLayer(backend, deconv({ kernel: 2, group: 2, numOutput: 2 }), [[1, 3, 2, 2]]),
      (e: Error) => e instanceof ShapeError && /3 channels, not a multiple of group 2/.test(e.message));
  });
});
