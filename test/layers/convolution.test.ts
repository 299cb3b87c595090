/** Convolution against hand-computed examples: plain, padded and strided, dilated, grouped. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const x3 = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // 3×3, row-major

function conv(extra: Record<string, unknown>, shape: number[], x: number[], w: number[], bias?: number[]) {
  const config: LayerConfig = { type: 'Convolution', name: 'conv', bottoms: ['x'], tops: ['y'], ...extra };
  const built = buildLayer(backend, config, [shape], { values: [x] });
  built.layer.params[0].blob.write(w);
  if (bias) built.layer.params[1].blob.write(bias);
  built.layer.forward(built.bottoms, built.tops);
  return built;
}

describe('Convolution, closed form', () => {
  it('2×2 kernel on a 3×3 input: forward, then backward with dy = 1', () => {
    const b = conv({ numOutput: 1, kernel: 2 }, [1, 1, 3, 3], x3, [1, 2, 3, 4], [0.5]);
    assert.deepEqual(b.tops[0].shape, [1, 1, 2, 2]);
    assert.deepEqual([...b.tops[0].read()], [37.5, 47.5, 67.5, 77.5]);
    b.tops[0].writeDiff([1, 1, 1, 1]);
    b.layer.backward(b.tops, [true], b.bottoms);
    assert.deepEqual([...b.bottoms[0].readDiff()], [1, 3, 2, 4, 10, 6, 3, 7, 4]);
    assert.deepEqual([...b.layer.params[0].blob.readDiff()], [12, 16, 24, 28]);
    assert.deepEqual([...b.layer.params[1].blob.readDiff()], [4]);
  });

  it('pad 1, stride 2: windows start in the padding', () => {
    const b = conv({ numOutput: 1, kernel: 2, pad: 1, stride: 2, bias: false }, [1, 1, 3, 3], x3, [1, 2, 3, 4]);
    assert.equal(b.layer.params.length, 1);
    assert.deepEqual(b.tops[0].shape, [1, 1, 2, 2]);
    assert.deepEqual([...b.tops[0].read()], [4, 18, 36, 77]);
  });

  it('dilation 2 spreads a 2×2 kernel over the corners of a 3×3 input', () => {
    const b = conv({ numOutput: 1, kernel: 2, dilation: 2, bias: false }, [1, 1, 3, 3], x3, [1, 2, 3, 4]);
    assert.deepEqual(b.tops[0].shape, [1, 1, 1, 1]);
    assert.deepEqual([...b.tops[0].read()], [1 * 1 + 3 * 2 + 7 * 3 + 9 * 4]);
  });

  it('group 2 keeps the channel groups apart; weights are [numOutput, channels / group, kh, kw]', () => {
    const b = conv({ numOutput: 2, kernel: 1, group: 2, bias: false }, [1, 2, 1, 2], [1, 2, 10, 20], [2, 3]);
    assert.deepEqual(b.layer.params[0].blob.shape, [2, 1, 1, 1]);
    assert.deepEqual([...b.tops[0].read()], [2, 4, 30, 60]);
  });

  it('the neuron is applied to the top', () => {
    const b = conv({ numOutput: 1, kernel: 1, neuron: 'ReLU' }, [1, 1, 1, 3], [-1, 0.5, 2], [1], [0.25]);
    assert.deepEqual([...b.tops[0].read()], [0, 0.75, 2.25]);
  });

  it('rejects channels that do not divide by group, naming the layer and the blob', () => {
    assert.throws(
      () => buildLayer(backend, { type: 'Convolution', name: 'c3', bottoms: ['img'], tops: ['y'], numOutput: 4, kernel: 1, group: 2 }, [[1, 3, 2, 2]]),
      (e: Error) => e instanceof ShapeError && /layer "c3" \(Convolution\)/.test(e.message) && /"img"/.test(e.message) && /3 channels/.test(e.message) && /group 2/.test(e.message),
    );
  });

  it('rejects a kernel larger than the padded input, and a bottom that is not 4-d', () => {
    assert.throws(
      () => buildLayer(backend, { type: 'Convolution', name: 'big', bottoms: ['x'], tops: ['y'], numOutput: 1, kernel: 5 }, [[1, 1, 3, 3]]),
      (e: Error) => e instanceof ShapeError && /layer "big"/.test(e.message) && /does not fit/.test(e.message),
    );
    assert.throws(
      () => buildLayer(backend, { type: 'Convolution', name: 'flat', bottoms: ['x'], tops: ['y'], numOutput: 1, kernel: 1 }, [[2, 3]]),
      (e: Error) => e instanceof ShapeError && /layer "flat"/.test(e.message) && /4-d/.test(e.message) && /\[2, 3\]/.test(e.message),
    );
  });
});
