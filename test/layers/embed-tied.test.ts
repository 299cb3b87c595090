/** Embed (lookup and scatter-add backward) and TiedInnerProduct (the transpose of a shared weight, in a net). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { buildLayer } from '../harness/context.js';

const backend = new JsBackend('float64');

describe('Embed', () => {
  const embed = (extra: Record<string, unknown> = {}): LayerConfig =>
    ({ type: 'Embed', name: 'emb', bottoms: ['x'], tops: ['y'], inputDim: 3, numOutput: 2, ...extra });

  it('forward looks rows up and adds the bias; backward adds dy into the rows used, repeats summed', () => {
    const b = buildLayer(backend, embed({ biasInit: { type: 'Constant', value: 0.5 } }), [[2, 2]], { values: [[2, 0, 2, 1]] });
    assert.deepEqual(b.tops[0].shape, [2, 2, 2]);
    b.layer.params[0].blob.write([1, 2, 10, 20, 100, 200]);
    b.layer.forward(b.bottoms, b.tops);
    assert.deepEqual([...b.tops[0].read()], [100.5, 200.5, 1.5, 2.5, 100.5, 200.5, 10.5, 20.5]);
    b.tops[0].writeDiff([1, 2, 3, 4, 5, 6, 7, 8]);
    b.layer.backward(b.tops, [false], b.bottoms);
    assert.deepEqual([...b.layer.params[0].blob.readDiff()], [3, 4, 7, 8, 6, 8]);
    assert.deepEqual([...b.layer.params[1].blob.readDiff()], [16, 20]);
    assert.equal(b.layer.propagatesTo(0), false);
  });

  it('an index outside [0, inputDim) is an error naming it', () => {
    const b = buildLayer(backend, embed(), [[2]], { values: [[1, 3]] });
    assert.throws(() => b.layer.forward(b.bottoms, b.tops), /index\[1\] = 3/);
  });

  it('needs inputDim and numOutput', () => {
    assert.throws(() => buildLayer(backend, { type: 'Embed', name: 'emb', bottoms: ['x'], tops: ['y'], numOutput: 2 }, [[2]]),
      (e: Error) => e instanceof ConfigError && /layer "emb" \(Embed\): field "inputDim"/.test(e.message));
  });
});

describe('TiedInnerProduct', () => {
  const defs = (tiedParamKey = 'enc', numOutput = 4): LayerConfig[] => [
    { type: 'MemoryData', name: 'data', tops: ['x'], batchSize: 3, data: [{ values: new Float64Array(24).map((_, i) => Math.cos(i)), shape: [6, 4] }] },
    { type: 'InnerProduct', name: 'enc', bottoms: ['x'], tops: ['h'], numOutput: 2 },
    { type: 'TiedInnerProduct', name: 'dec', bottoms: ['h'], tops: ['y'], tiedParamKey, numOutput, biasInit: { type: 'Constant', value: 0.25 } },
  ];

  it('uses the transpose of the tied weight, shares it, and keeps a bias of its own', () => {
    const net = new Net(defs(), { backend });
    assert.deepEqual(net.params.map((p) => p.key), ['enc___weight', 'enc___bias', 'dec___bias']);
    const dec = net.layers.find((l) => l.name === 'dec')!;
    const enc = net.layers.find((l) => l.name === 'enc')!;
    assert.equal(dec.params[0], enc.params[0]);
    net.forward();
    const W = enc.params[0].blob.read();
    const h = net.blob('h').read();
    const y = net.blob('y').read();
    for (let m = 0; m < 3; m++) {
      for (let k = 0; k < 4; k++) {
        const expected = 0.25 + h[m * 2] * W[k] + h[m * 2 + 1] * W[4 + k];
        assert.ok(Math.abs(y[m * 4 + k] - expected) < 1e-12, `y[${m}, ${k}] ${y[m * 4 + k]} vs ${expected}`);
      }
    }
  });

  it('errors: the tied key must exist, and the shapes must agree', () => {
    assert.throws(() => new Net(defs('encoder'), { backend }),
      (e: Error) => e instanceof ConfigError && /layer "dec" \(TiedInnerProduct\): no parameter "encoder___weight" to tie to/.test(e.message));
    assert.throws(() => new Net(defs('enc', 3), { backend }),
      (e: Error) => e instanceof ShapeError && /"enc___weight" is shared with shape \[2, 4\] but this layer needs \[2, 3\]/.test(e.message));
  });
});
