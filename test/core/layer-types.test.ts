/**
 * Layer types come into a net through NetOptions' `layerTypes`: the core Net knows none but Split,
 * the package's entries default them (standard set; in Node, with the HDF5 layers), a user's own
 * type is added with withLayerTypes without changing any shared set. The core imports no layer,
 * no registry and no Node module (checked on the sources, type imports included), and src/ has no
 * import cycle at run time (type imports aside).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Net as CoreNet } from '../../src/core/net.js';
import { Net as StandardNet } from '../../src/net.js';
import { Net as NodeNet } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError } from '../../src/core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerConfig, type LayerType } from '../../src/core/layer.js';
import type { Blob, Shape } from '../../src/core/blob.js';
import { layerTypes, withLayerTypes } from '../../src/layers/index.js';
import { nodeLayerTypes } from '../../src/node/layers.js';
import { sourceImports } from '../harness/imports.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

/** y = 2x, a user's own layer type. */
class DoubleLayer extends Layer<BaseConfig> {
  setup(bottoms: Blob[]): Shape[] {
    return [bottoms[0].shape];
  }
  forward(bottoms: Blob[], tops: Blob[]): void {
    const b = this.ctx.backend;
    b.axpby(bottoms[0].count, 2, bottoms[0].data, 0, tops[0].data);
  }
}
const Double: LayerType<BaseConfig> = {
  type: 'Double',
  parse(r, base) {
    expectBlobs(r, base, 1, 1);
    return base;
  },
  create: (c) => new DoubleLayer(c),
};

const def: LayerConfig[] = [
  { type: 'Input', name: 'in', tops: ['x'], shapes: [[2, 3]] },
  { type: 'Double', name: 'd', bottoms: ['x'], tops: ['y'] },
];

test("a user's layer type comes in through the layerTypes option; the shared sets are left as they were", () => {
  const backend = new JsBackend('float64');
  assert.throws(() => new StandardNet(def as never, { backend }), (e: unknown) => e instanceof ConfigError && /unknown layer type "Double"/.test(e.message));
  const types = withLayerTypes(layerTypes, Double);
  const net = new StandardNet(def as never, { backend, layerTypes: types });
  const out = net.predict({ x: [1, 2, 3, 4, 5, 6] });
  assert.deepEqual([...out.get('y')!], [2, 4, 6, 8, 10, 12]);
  assert.equal(layerTypes.has('Double'), false);
  assert.equal(types.size, layerTypes.size + 1);
  net.destroy();
  // A name already given to another type is refused.
  assert.throws(() => withLayerTypes(layerTypes, { ...Double, type: 'ReLU' }), /"ReLU" is already taken/);
});

test('the core Net takes its layer types from the caller, and inserts Splits itself', () => {
  const backend = new JsBackend('float64');
  const only = withLayerTypes(new Map(), Double, layerTypes.get('Input')!, layerTypes.get('EuclideanLoss')!);
  const net = new CoreNet([
    ...def,
    { type: 'Double', name: 'd2', bottoms: ['x'], tops: ['z'] },
    { type: 'EuclideanLoss', name: 'loss', bottoms: ['y', 'z'], tops: ['loss'] },
  ], { backend, layerTypes: only });
  assert.deepEqual(net.layers.map((l) => l.type), ['Input', 'Split', 'Double', 'Double', 'EuclideanLoss']);
  net.destroy();
  assert.throws(() => new CoreNet(def, { backend } as never), (e: unknown) => e instanceof ConfigError && /option "layerTypes" must be a Map/.test(e.message));
  assert.throws(() => new CoreNet([{ type: 'ReLU', name: 'r', bottoms: ['x'], tops: ['y'] }], { backend, layerTypes: only }),
    (e: unknown) => e instanceof ConfigError && /unknown layer type "ReLU"/.test(e.message));
});

test("Node's Net knows the HDF5 layers and has weights files; the browser entry's Net does not know them", () => {
  for (const t of ['HDF5Data', 'AsyncHDF5Data', 'HDF5Output']) {
    assert.ok(nodeLayerTypes.has(t), t);
    assert.ok(!layerTypes.has(t), t);
  }
  const net = new NodeNet([{ type: 'Input', name: 'in', tops: ['x'], shapes: [[1, 1]] }], { backend: new JsBackend() });
  assert.equal(typeof net.saveWeights, 'function');
  assert.equal(net.layerTypes, nodeLayerTypes);
  net.destroy();
});

test('the core imports no layer, no layer registry and no Node module; src/ has no import cycle at run time', () => {
  const graph = sourceImports(root);
  const core = [...graph].filter(([f]) => f.startsWith('src/core/'));
  assert.ok(core.length > 10);
  const outward = core.flatMap(([f, deps]) => deps.filter((d) => /^src\/(layers|node|data|io|cli|solver)\//.test(d.to)).map((d) => `${f} -> ${d.to}`));
  assert.deepEqual(outward, []);
  for (const [f] of core) assert.doesNotMatch(readFileSync(join(root, f), 'utf8'), /from\s+['"]node:/, f);
  // Depth-first search for a back edge, over the imports that remain in the JavaScript.
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    state.set(f, 1);
    for (const { to: d } of (graph.get(f) ?? []).filter((e) => e.to && !e.typeOnly)) {
      if (state.get(d) === 1) cycles.push([...path.slice(path.indexOf(d)), d].join(' -> '));
      else if (!state.has(d)) visit(d, [...path, d]);
    }
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});
