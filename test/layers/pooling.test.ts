/** Pooling on a 4×4 example with Caffe's padding and rounding rules. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { pooledSize } from '../../src/layers/pooling.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');
const x4 = Array.from({ length: 16 }, (_, i) => i + 1); // x[r][c] = 4r + c + 1

function pool(extra: Record<string, unknown>, shape = [1, 1, 4, 4], x = x4) {
  const built = buildLayer(backend, { type: 'Pooling', name: 'pool', bottoms: ['x'], tops: ['y'], ...extra }, [shape], { values: [x] });
  built.layer.forward(built.bottoms, built.tops);
  return built;
}

function close(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `[${i}]: ${actual[i]} != ${expected[i]}`);
}

describe('Pooling, closed form', () => {
  it("output size follows Caffe's rule: rounds up, drops a window starting in the bottom padding", () => {
    assert.equal(pooledSize(6, 3, 2, 0), 3); // floor rounding would give 2
    assert.equal(pooledSize(4, 3, 2, 1), 3);
    assert.equal(pooledSize(3, 2, 2, 1), 2); // ceil gives 3, but the third window would start at row 3 = H + pad
    assert.equal(pooledSize(4, 2, 2, 0), 2);
    assert.deepEqual(pool({ kernel: 3, stride: 2 }, [1, 1, 6, 6], Array(36).fill(0)).tops[0].shape, [1, 1, 3, 3]);
  });

  it("stride above the kernel: Caffe's size, a window past the image gives 0 and no gradient", () => {
    // 6×6, kernel 2, stride 3: windows start at rows/columns 0, 3 and 6; the last misses the image.
    const x = Array.from({ length: 36 }, (_, i) => i + 1); // x[r][c] = 6r + c + 1
    const m = pool({ method: 'max', kernel: 2, stride: 3 }, [1, 1, 6, 6], x);
    assert.deepEqual(m.tops[0].shape, [1, 1, 3, 3]);
    assert.deepEqual([...m.tops[0].read()], [8, 11, 0, 26, 29, 0, 0, 0, 0]);
    m.tops[0].writeDiff(Array(9).fill(1));
    m.layer.backward(m.tops, [true], m.bottoms);
    const dx = [...m.bottoms[0].readDiff()];
    assert.deepEqual(dx.map((v, i) => (v ? i : -1)).filter((i) => i >= 0), [7, 10, 25, 28]);
    assert.equal(dx.reduce((a, b) => a + b), 4);
    const a = pool({ method: 'mean', kernel: 2, stride: 3 }, [1, 1, 6, 6], x);
    close(a.tops[0].read(), [4.5, 7.5, 0, 22.5, 25.5, 0, 0, 0, 0]);
    a.tops[0].writeDiff(Array(9).fill(1));
    a.layer.backward(a.tops, [true], a.bottoms);
    assert.equal([...a.bottoms[0].readDiff()].reduce((s, v) => s + v), 4);
  });

  it("padding on one axis drops the last window on both, as Caffe's test does", () => {
    // 6×7, kernel 2, stride 3, pad [0, 1]: rows 3 → 2 (the third would start at row 6 = H), columns 4 → 3.
    assert.deepEqual(pool({ kernel: 2, stride: 3, pad: [0, 1] }, [1, 1, 6, 7], Array(42).fill(1)).tops[0].shape, [1, 1, 2, 3]);
    assert.deepEqual(pool({ kernel: 2, stride: 3, pad: [1, 0] }, [1, 1, 7, 6], Array(42).fill(1)).tops[0].shape, [1, 1, 3, 2]);
  });

  it('max, kernel 3, stride 2, pad 1 on 4×4: forward and backward', () => {
    const b = pool({ method: 'max', kernel: 3, stride: 2, pad: 1 });
    assert.deepEqual(b.tops[0].shape, [1, 1, 3, 3]);
    assert.deepEqual([...b.tops[0].read()], [6, 8, 8, 14, 16, 16, 14, 16, 16]);
    b.tops[0].writeDiff(Array(9).fill(1));
    b.layer.backward(b.tops, [true], b.bottoms);
    // each input gets one unit per window it wins
    assert.deepEqual([...b.bottoms[0].readDiff()], [0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 2, 0, 4]);
  });

  it('mean, kernel 3, stride 2, pad 1 on 4×4: windows divided by their size clipped to the padded input', () => {
    const b = pool({ method: 'mean', kernel: 3, stride: 2, pad: 1 });
    close(b.tops[0].read(), [14 / 9, 30 / 9, 12 / 6, 57 / 9, 99 / 9, 36 / 6, 27 / 6, 45 / 6, 16 / 4]);
    b.tops[0].writeDiff(Array(9).fill(1));
    b.layer.backward(b.tops, [true], b.bottoms);
    close(b.bottoms[0].readDiff(), [
      1 / 9, 2 / 9, 1 / 9, 5 / 18,
      2 / 9, 4 / 9, 2 / 9, 5 / 9,
      1 / 9, 2 / 9, 1 / 9, 5 / 18,
      5 / 18, 5 / 9, 5 / 18, 25 / 36,
    ]);
  });

  it("2×2 stride 2 with Caffe's method names MAX and AVE", () => {
    assert.deepEqual([...pool({ method: 'MAX', kernel: 2, stride: 2 }).tops[0].read()], [6, 8, 14, 16]);
    close(pool({ method: 'AVE', kernel: 2, stride: 2 }).tops[0].read(), [3.5, 5.5, 11.5, 13.5]);
  });

  it('stride defaults to 1 (as in Caffe and Mocha)', () => {
    assert.deepEqual(pool({ kernel: 3 }).tops[0].shape, [1, 1, 2, 2]);
    assert.deepEqual([...pool({ kernel: 3 }).tops[0].read()], [11, 12, 15, 16]);
  });

  it('the neuron is applied to the pooled values', () => {
    const x = Array.from({ length: 16 }, (_, i) => i - 20);
    assert.deepEqual([...pool({ method: 'max', kernel: 2, stride: 2, neuron: 'ReLU' }, [1, 1, 4, 4], x).tops[0].read()], [0, 0, 0, 0]);
  });
});
