/** Data transformers: parsing, exact values of each step, crop offsets, mirror, the mean loader. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { TransformPipeline, parseTopTransformers, parseTransformers, setMeanLoader, type MeanLoader } from '../../src/data/transformers.js';

/** A [2, 3, 4] sample: value = 100 c + 10 y + x. */
const sample = Float32Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4));

function run(p: TransformPipeline, draw?: { cropY: number; cropX: number; mirror: boolean }): number[] {
  const out = new Float32Array(p.outputSize + 2).fill(-1);
  const src = new Float32Array(30);
  src.set(sample, 3);
  p.apply(src, 3, out, 1, draw);
  assert.equal(out[0], -1);
  assert.equal(out[p.outputSize + 1], -1);
  return [...out.subarray(1, p.outputSize + 1)];
}

describe('parseTransformers', () => {
  it('reads every type; an unknown type lists the known ones; fields are checked', () => {
    assert.deepEqual(parseTransformers([{ type: 'Scale', scale: 2 }, { type: 'RandomMirror' }], 'w'), [{ type: 'Scale', scale: 2 }, { type: 'RandomMirror' }]);
    assert.throws(() => parseTransformers([{ type: 'Flip' }], 'layer "d", field "transformers"'), (e: Error) =>
      e instanceof ConfigError && /layer "d", field "transformers"\[0\]: unknown transformer type "Flip"; known types: SubMean, Scale, RandomCrop, RandomMirror/.test(e.message));
    assert.throws(() => parseTransformers([{ type: 'RandomCrop', height: 2 }], 'w'), /w\[0\]: field "width" must be given/);
    assert.throws(() => parseTransformers([{ type: 'Scale', scale: 1, factor: 2 }], 'w'), /unknown field "factor"/);
    assert.throws(() => parseTransformers([{ type: 'SubMean', mean: [1], meanFile: 'm.h5' }], 'w'), /not both/);
    assert.throws(() => parseTransformers({ type: 'Scale' }, 'w'), /expected a list of transformers/);
  });

  it('parseTopTransformers: a list applies to the first top, an object names tops', () => {
    const tops = ['data', 'label'];
    assert.deepEqual(parseTopTransformers([{ type: 'Scale', scale: 2 }], 'L', tops), [[{ type: 'Scale', scale: 2 }], []]);
    assert.deepEqual(parseTopTransformers({ label: [{ type: 'Scale', scale: 3 }] }, 'L', tops), [[], [{ type: 'Scale', scale: 3 }]]);
    assert.throws(() => parseTopTransformers({ lable: [] }, 'L', tops), /keys must be top names \("data", "label"\), found "lable"/);
  });
});

describe('TransformPipeline', () => {
  afterEach(() => setMeanLoader(undefined));

  it('SubMean per channel then Scale, in the listed order', () => {
    const p = new TransformPipeline([{ type: 'SubMean', mean: [1, 100] }, { type: 'Scale', scale: 0.5 }], [2, 3, 4], 'train');
    assert.deepEqual(p.outputShape, [2, 3, 4]);
    assert.deepEqual(run(p), [...sample].map((v, i) => (v - (i < 12 ? 1 : 100)) * 0.5));
    const q = new TransformPipeline([{ type: 'Scale', scale: 0.5 }, { type: 'SubMean', mean: [1, 100] }], [2, 3, 4], 'train');
    assert.deepEqual(run(q), [...sample].map((v, i) => v * 0.5 - (i < 12 ? 1 : 100)));
  });

  it('RandomCrop: the draw gives the offset; without a draw (test phase) the centre, as Caffe', () => {
    const p = new TransformPipeline([{ type: 'RandomCrop', height: 2, width: 2 }], [2, 3, 4], 'train');
    assert.deepEqual(p.outputShape, [2, 2, 2]);
    assert.deepEqual(p.drawNeeds, { cropRangeY: 2, cropRangeX: 3, mirror: false });
    assert.deepEqual(run(p, { cropY: 1, cropX: 2, mirror: false }), [12, 13, 22, 23, 112, 113, 122, 123]);
    assert.deepEqual(run(p), [1, 2, 11, 12, 101, 102, 111, 112]);
    const t = new TransformPipeline([{ type: 'RandomCrop', height: 2, width: 2 }], [2, 3, 4], 'test');
    assert.deepEqual(t.drawNeeds, { cropRangeY: 0, cropRangeX: 0, mirror: false });
  });

  it('RandomMirror flips the width when drawn, after a crop too', () => {
    const p = new TransformPipeline([{ type: 'RandomCrop', height: 1, width: 3 }, { type: 'RandomMirror' }], [2, 3, 4], 'train');
    assert.deepEqual(run(p, { cropY: 2, cropX: 1, mirror: true }), [23, 22, 21, 123, 122, 121]);
    assert.deepEqual(run(p, { cropY: 2, cropX: 1, mirror: false }), [21, 22, 23, 121, 122, 123]);
    assert.deepEqual(p.drawNeeds, { cropRangeY: 3, cropRangeX: 2, mirror: true });
  });

  it('shape errors name the transformer: crop too large, mean of the wrong length', () => {
    assert.throws(() => new TransformPipeline([{ type: 'RandomCrop', height: 4, width: 2 }], [2, 3, 4], 'train', 'L'), (e: Error) =>
      e instanceof ShapeError && /L\[0\] \(RandomCrop\): crop 4×2 is larger than the sample's 3×4/.test(e.message));
    assert.throws(() => new TransformPipeline([{ type: 'SubMean', mean: [1, 2, 3] }], [2, 3, 4], 'train', 'L'), /one value per channel, 2 for samples of shape \[2, 3, 4\], found 3/);
  });

  it('SubMean meanFile goes through the registered loader; without one it is a ConfigError saying it needs Node', () => {
    assert.throws(() => new TransformPipeline([{ type: 'SubMean', meanFile: 'mean.h5' }], [2, 3, 4], 'train'), (e: Error) => e instanceof ConfigError && /needs Cortado's Node entry/.test(e.message));
    const mean = Float32Array.from({ length: 24 }, (_, i) => i);
    const loader: MeanLoader = (file) => {
      assert.equal(file, 'mean.h5');
      return { shape: [1, 2, 3, 4], values: mean };
    };
    setMeanLoader(loader);
    const p = new TransformPipeline([{ type: 'SubMean', meanFile: 'mean.h5' }], [2, 3, 4], 'test');
    assert.deepEqual(run(p), [...sample].map((v, i) => v - i));
    setMeanLoader(() => ({ shape: [3, 4], values: new Float32Array(12) }));
    assert.throws(() => new TransformPipeline([{ type: 'SubMean', meanFile: 'm.h5' }], [2, 3, 4], 'train'), /the mean in "m.h5" has shape \[3, 4\], but samples here have shape \[2, 3, 4\]/);
  });
});
