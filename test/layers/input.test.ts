/** Input: feeding, transformers, shape checks and config errors; MemoryOutput: collecting batches in a net. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { InputLayer } from '../../src/layers/input.js';
import type { MemoryOutputLayer } from '../../src/layers/memory-output.js';
import { buildLayer, type BuiltLayer } from '../harness/context.js';

const backend = new JsBackend('float32');
const ramp = (n: number, f = (i: number) => i) => Float32Array.from({ length: n }, (_, i) => f(i));

function build(c: Partial<LayerConfig>, phase: 'train' | 'test' = 'test'): BuiltLayer {
  return buildLayer(backend, { type: 'Input', name: 'in', ...c } as LayerConfig, [], { phase });
}

describe('Input', () => {
  it('is a data layer whose tops hold zeros until fed, then what was fed, for every forward', () => {
    const b = build({ tops: ['data', 'label'], shapes: [[2, 3], [2]] });
    const input = b.layer as InputLayer;
    assert.equal(input.isData, true);
    assert.equal(input.batchSize, 2);
    assert.deepEqual(b.tops.map((t) => t.shape), [[2, 3], [2]]);
    b.layer.forward([], b.tops);
    assert.deepEqual([...b.tops[0].read()], [0, 0, 0, 0, 0, 0]);
    input.feed('data', [1, 2, 3, 4, 5, 6]);
    input.feed('label', [7, 8]);
    for (let i = 0; i < 2; i++) {
      b.layer.forward([], b.tops);
      assert.deepEqual([...b.tops[0].read()], [1, 2, 3, 4, 5, 6]);
      assert.deepEqual([...b.tops[1].read()], [7, 8]);
    }
    input.feed('data', ramp(6, (i) => -i));
    b.layer.forward([], b.tops);
    assert.deepEqual([...b.tops[0].read()], [-0, -1, -2, -3, -4, -5]);
  });

  it('applies the top\'s transformers per sample, deterministically (centre crop, no mirror) in both phases', () => {
    for (const phase of ['train', 'test'] as const) {
      const b = build({
        tops: ['data'], shapes: [[2, 1, 3, 4]],
        transformers: [{ type: 'SubMean', mean: [1] }, { type: 'Scale', scale: 2 }, { type: 'RandomCrop', height: 1, width: 2 }, { type: 'RandomMirror' }],
      }, phase);
      assert.deepEqual(b.tops[0].shape, [2, 1, 1, 2]);
      assert.deepEqual((b.layer as InputLayer).sampleShape('data'), [1, 3, 4]);
      (b.layer as InputLayer).feed('data', ramp(24));
      b.layer.forward([], b.tops);
      // sample s holds 12 s + 4 y + x; the centre crop is row 1, columns 1..2; then (v - 1) * 2
      assert.deepEqual([...b.tops[0].read()], [8, 10, 32, 34], phase);
    }
  });

  it('gives transformers per top with an object, and leaves the other tops alone', () => {
    const b = build({ tops: ['a', 'b'], shapes: [[1, 2], [1, 2]], transformers: { b: [{ type: 'Scale', scale: 10 }] } });
    const input = b.layer as InputLayer;
    input.feed('a', [1, 2]);
    input.feed('b', [1, 2]);
    b.layer.forward([], b.tops);
    assert.deepEqual([...b.tops[0].read(), ...b.tops[1].read()], [1, 2, 10, 20]);
  });

  it('rejects a feed of the wrong size or to an unknown top, naming the layer, the top and the sizes', () => {
    const input = build({ tops: ['data'], shapes: [[2, 3]] }).layer as InputLayer;
    assert.throws(() => input.feed('data', [1, 2, 3]), (e: Error) =>
      e instanceof ShapeError && /layer "in" \(Input\): top "data" takes 6 values \(shape \[2, 3\]: 2 samples of 3\), found 3/.test(e.message));
    assert.throws(() => input.feed('label', [1, 2]), (e: Error) => e instanceof ConfigError && /no top named "label"; tops are "data"/.test(e.message));
  });

  it('rejects bad shapes and transformers in its config', () => {
    const bad = (c: Partial<LayerConfig>, re: RegExp) => assert.throws(() => build(c), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(c));
    bad({ tops: ['a', 'b'], shapes: [[2, 3]] }, /field "shapes" must be a list of 2 shapes/);
    bad({ tops: ['a', 'b'], shapes: [[2, 3], [3]] }, /with the same batchSize/);
    bad({ tops: ['a'], shapes: [[0, 3]] }, /positive integers/);
    bad({ tops: ['a'] }, /field "shapes"/);
    bad({ tops: [], shapes: [] }, /field "tops"/);
    bad({ tops: ['a'], shapes: [[1, 2]], transformers: { z: [] } }, /keys must be top names \("a"\), found "z"/);
    bad({ tops: ['a'], shapes: [[1, 2]], transformers: [{ type: 'Blur' }] }, /Blur/);
  });
});

describe('MemoryOutput', () => {
  const def = (): LayerConfig[] => [
    { type: 'Input', name: 'in', tops: ['x'], shapes: [[2, 3]] },
    { type: 'Power', name: 'double', bottoms: ['x'], tops: ['y'], scale: 2 },
    { type: 'MemoryOutput', name: 'out', bottoms: ['x', 'y'] },
  ];

  it('collects each bottom batch by batch in a net, joins them, and forgets them on reset', () => {
    const net = new Net(def(), { backend, phase: 'test' });
    const input = net.layer('in') as InputLayer;
    const out = net.layer('out') as MemoryOutputLayer;
    for (const batch of [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]) {
      input.feed('x', batch);
      net.forward();
    }
    assert.equal(out.outputs.get('x')?.length, 2);
    assert.deepEqual([...out.concat('x')], [...ramp(12, (i) => i + 1)]);
    assert.deepEqual([...out.concat('y')], [...ramp(12, (i) => 2 * (i + 1))]);
    // copies, not views of the blob: later forwards leave earlier batches alone
    assert.deepEqual([...(out.outputs.get('y') ?? [])[0]], [2, 4, 6, 8, 10, 12]);
    out.reset();
    assert.deepEqual(out.outputs.get('x'), []);
    assert.equal(out.concat('y').length, 0);
    assert.throws(() => out.concat('z'), /layer "out" \(MemoryOutput\): no bottom named "z"; bottoms are "x", "y"/);
  });

  it('needs at least one bottom and takes no tops, and does not make the net back-propagate into it', () => {
    assert.throws(() => new Net([{ type: 'Input', name: 'in', tops: ['x'], shapes: [[1, 1]] }, { type: 'MemoryOutput', name: 'out', bottoms: [] }], { backend }), /field "bottoms"/);
    assert.throws(() => new Net([...def().slice(0, 2), { type: 'MemoryOutput', name: 'out', bottoms: ['y'], tops: ['z'] }], { backend }), /field "tops"/);
    const net = new Net(def(), { backend });
    assert.equal(net.layer('out').propagatesTo(0), false);
    assert.ok(!net.layers.some((l) => l.type === 'Split'), 'no split for a blob read by MemoryOutput and one other layer');
  });
});
