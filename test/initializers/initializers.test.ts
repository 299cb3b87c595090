/** Orthogonal, Bilinear, and Xavier / MSRA fan modes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { constant, parseInitializer, type Initializer } from '../../src/initializers/initializer.js';

function fill(raw: unknown, shape: number[], seed = 3): Float64Array {
  const init: Initializer = parseInitializer(raw, 'test', constant(0));
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  init.fill(out, shape, new Random(seed));
  return out;
}

/** Gram matrix of the rows (rows = true) or columns of a rows × cols matrix. */
function gram(w: Float64Array, rows: number, cols: number, ofRows: boolean): number[][] {
  const k = ofRows ? rows : cols;
  const len = ofRows ? cols : rows;
  const at = (i: number, t: number) => (ofRows ? w[i * cols + t] : w[t * cols + i]);
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => {
    let d = 0;
    for (let t = 0; t < len; t++) d += at(i, t) * at(j, t);
    return d;
  }));
}

describe('Orthogonal', () => {
  for (const [shape, ofRows] of [[[3, 2, 2, 2], true], [[12, 5], false], [[4, 4], true]] as const) {
    it(`${JSON.stringify(shape)}: ${ofRows ? 'rows' : 'columns'} are orthogonal with norm gain`, () => {
      const rows = shape[0];
      const cols = shape.slice(1).reduce((a, b) => a * b, 1);
      const g = gram(fill({ type: 'Orthogonal', gain: 1.5 }, [...shape]), rows, cols, ofRows);
      g.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 2.25 : 0)) < 1e-12, `gram[${i}][${j}] = ${v}`)));
    });
  }

  it('follows the seed', () => {
    assert.deepEqual(fill({ type: 'Orthogonal' }, [3, 4], 5), fill({ type: 'Orthogonal' }, [3, 4], 5));
    assert.notDeepEqual(fill({ type: 'Orthogonal' }, [3, 4], 5), fill({ type: 'Orthogonal' }, [3, 4], 6));
  });
});

describe('Bilinear', () => {
  it('kernel 4 (factor 2): the outer product of [0.25, 0.75, 0.75, 0.25], in every plane', () => {
    const w = fill({ type: 'Bilinear' }, [2, 1, 4, 4]);
    const t = [0.25, 0.75, 0.75, 0.25];
    for (let p = 0; p < 2; p++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.equal(w[p * 16 + i * 4 + j], t[i] * t[j]);
  });

  it('kernel [5, 4] (factor 3 by 2): [1/3, 2/3, 1, 2/3, 1/3] by [0.25, 0.75, 0.75, 0.25]', () => {
    const w = fill({ type: 'Bilinear' }, [1, 1, 5, 4]);
    const ty = [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3];
    const tx = [0.25, 0.75, 0.75, 0.25];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(w[i * 4 + j] - ty[i] * tx[j]) < 1e-15, `(${i}, ${j})`);
  });
});

describe('Xavier and MSRA fan modes', () => {
  // Xavier on [out 4, in 3, 5, 5]: fanIn 75, fanOut 100, average 87.5;
  // MSRA on [out 80, in 60, 2, 2]: fanIn 240, fanOut 320, average 280.
  const shape = [4, 3, 5, 5];
  for (const [fan, value, msraFan] of [['in', 75, 240], ['out', 100, 320], ['average', 87.5, 280]] as const) {
    it(`fan '${fan}' uses ${value}`, () => {
      const x = fill({ type: 'Xavier', fan }, shape);
      const bound = Math.sqrt(3 / value);
      assert.ok(x.every((v) => Math.abs(v) <= bound));
      assert.ok(Math.max(...x.map(Math.abs)) > 0.95 * bound, 'the range is used up to the bound');
      const m = fill({ type: 'MSRA', fan }, [80, 60, 2, 2]);
      const variance = m.reduce((s, v) => s + v * v, 0) / m.length;
      assert.ok(Math.abs(variance / (2 / msraFan) - 1) < 0.05, `MSRA variance ${variance}, expected ${2 / msraFan}`);
    });
  }

  it('unknown types and fields are errors that list the choices', () => {
    assert.throws(() => fill({ type: 'Orthogonl' }, [2, 2]), (e: Error) => e instanceof ConfigError && /'Orthogonal', 'Bilinear'/.test(e.message));
    assert.throws(() => fill({ type: 'Bilinear', gain: 2 }, [2, 2]), /unknown field "gain"/);
  });
});
