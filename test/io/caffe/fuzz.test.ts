/**
 * Damaged Caffe files: truncated and bit-flipped prototxts, caffemodels and mean files give a
 * Cortado error (DataError, ConfigError or ShapeError) every time, never another exception; each
 * import is bounded by the file's size, so a hang shows as this test's timeout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../../src/core/errors.js';
import { Random } from '../../../src/core/random.js';
import { encodeBinary } from '../../../src/io/caffe/codec.js';
import { exportCaffe, importCaffe, importCaffeMean } from '../../../src/io/caffe/index.js';
import { cortadoErrorOrNothing } from '../../harness/errors.js';
import { SMALL_LENET_V2 } from './fixtures.js';
import { build, flipped, weightsOf } from './helpers.js';


describe('damaged Caffe files', { timeout: 120_000 }, () => {
  const small = SMALL_LENET_V2;
  const net = build(importCaffe(small).definition.layers);
  const { prototxt, caffemodel } = exportCaffe(importCaffe(small).definition, weightsOf(net));
  net.destroy();
  const rng = new Random(5);

  it('truncated and bit-flipped caffemodels', () => {
    for (let k = 0; k < 60; k++) {
      const cut = caffemodel.subarray(0, rng.int(caffemodel.length));
      cortadoErrorOrNothing(() => importCaffe(prototxt, cut), `caffemodel cut at ${cut.length}`);
      cortadoErrorOrNothing(() => importCaffe(prototxt, flipped(caffemodel, rng, 1 + rng.int(8))), `flipped caffemodel ${k}`);
    }
    assert.throws(() => importCaffe(prototxt, caffemodel.subarray(0, caffemodel.length - 3)), DataError);
  });

  it('truncated and bit-flipped prototxts', () => {
    const text = new TextEncoder().encode(prototxt);
    for (let k = 0; k < 120; k++) {
      const cut = prototxt.slice(0, rng.int(prototxt.length));
      cortadoErrorOrNothing(() => importCaffe(cut), `prototxt cut at ${cut.length}`);
      const bad = new TextDecoder().decode(flipped(text, rng, 1 + rng.int(4)));
      cortadoErrorOrNothing(() => importCaffe(bad), `flipped prototxt ${k}: ${bad}`);
    }
  });

  it('wrong types: a caffemodel as a prototxt, a prototxt as a caffemodel, random bytes as a mean file', () => {
    cortadoErrorOrNothing(() => importCaffe(new TextDecoder().decode(caffemodel)), 'caffemodel as text');
    cortadoErrorOrNothing(() => importCaffe(prototxt, new TextEncoder().encode(prototxt)), 'prototxt as caffemodel');
    const mean = encodeBinary('BlobProto', { num: 1, channels: 3, height: 2, width: 2, data: new Array(12).fill(1) });
    for (let k = 0; k < 60; k++) {
      cortadoErrorOrNothing(() => importCaffeMean(flipped(mean, rng, 1 + rng.int(4))), `flipped mean ${k}`);
      cortadoErrorOrNothing(() => importCaffeMean(mean.subarray(0, rng.int(mean.length))), `cut mean ${k}`);
    }
  });
});
