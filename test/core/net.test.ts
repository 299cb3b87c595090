import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Net } from '../../src/node/net.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ConfigError, DataError, NumericError, ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Solver } from '../../src/solver/solver.js';
import type { Backend } from '../../src/backend/backend.js';

const backend = new JsBackend('float64');

function data(n = 8, features = 4, classes = 3): LayerConfig {
  const x = new Float64Array(n * features).map((_, i) => Math.sin(i * 1.7));
  const y = new Float64Array(n).map((_, i) => i % classes);
  return { type: 'MemoryData', name: 'data', tops: ['x', 'label'], batchSize: 4, data: [{ values: x, shape: [n, features] }, { values: y, shape: [n] }] };
}

const mlp = (): LayerConfig[] => [
  data(),
  { type: 'InnerProduct', name: 'ip1', bottoms: ['x'], tops: ['h'], numOutput: 5, neuron: 'ReLU' },
  { type: 'InnerProduct', name: 'ip2', bottoms: ['h'], tops: ['score'], numOutput: 3 },
  { type: 'SoftmaxLoss', name: 'loss', bottoms: ['score', 'label'], tops: ['loss'] },
  { type: 'Accuracy', name: 'acc', bottoms: ['score', 'label'], tops: ['accuracy'], include: { phase: 'test' } },
];

test('layers in any order are sorted; toString shows every blob shape', () => {
  const defs = mlp();
  const net = new Net([defs[3], defs[2], defs[0], defs[1]], { backend });
  assert.deepEqual(net.layers.map((l) => l.name), ['data', 'ip1', 'ip2', 'loss']);
  const s = net.toString();
  for (const part of ['x[4, 4]', 'label[4]', 'h[4, 5]', 'score[4, 3]', 'loss[1]']) assert.ok(s.includes(part), `${part} missing in\n${s}`);
  assert.deepEqual(net.params.map((p) => p.key), ['ip1___weight', 'ip1___bias', 'ip2___weight', 'ip2___bias']);
});

test('topology errors name the layers and blobs', () => {
  const defs = mlp();
  assert.throws(() => new Net([...defs, { type: 'InnerProduct', name: 'dup', bottoms: ['x'], tops: ['h'], numOutput: 2 }], { backend }),
    (e: Error) => e instanceof ConfigError && /blob "h"/.test(e.message) && /"ip1"/.test(e.message) && /"dup"/.test(e.message));
  assert.throws(() => new Net([defs[0], { ...defs[1], bottoms: ['nope'] }], { backend }),
    (e: Error) => e instanceof ConfigError && /layer "ip1"/.test(e.message) && /bottom "nope"/.test(e.message));
  assert.throws(() => new Net([
    { type: 'InnerProduct', name: 'a', bottoms: ['q'], tops: ['p'], numOutput: 2 },
    { type: 'InnerProduct', name: 'b', bottoms: ['p'], tops: ['q'], numOutput: 2 },
  ], { backend }), (e: Error) => e instanceof ConfigError && /cycle/.test(e.message) && /"a"/.test(e.message) && /"b"/.test(e.message));
  assert.throws(() => new Net([...defs, { ...defs[1], name: 'ip1', tops: ['h2'] }], { backend }), /two layers are named "ip1"/);
});

test('malformed definitions are refused with what and where', () => {
  assert.throws(() => new Net([{ type: 'Convolutoin', name: 'c', bottoms: ['x'], tops: ['y'] }], { backend }),
    (e: Error) => /unknown layer type "Convolutoin" \(did you mean "Convolution"\?\)/.test(e.message));
  // @ts-expect-error: the misspelt type is also a compile-time error (test/types/definitions.ts)
  assert.throws(() => new Net([{ type: 'InnerProdcut', name: 'c', bottoms: ['x'], tops: ['y'], numOutput: 2 }], { backend }),
    /unknown layer type "InnerProdcut" \(did you mean "InnerProduct"\?\)/);
  assert.throws(() => new Net([data(), { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'] }], { backend }),
    (e: Error) => /layer "ip" \(InnerProduct\)/.test(e.message) && /"numOutput"/.test(e.message));
  assert.throws(() => new Net([data(), { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2, nuron: 'ReLU' }], { backend }),
    /unknown field "nuron"/);
  assert.throws(() => new Net({} as unknown as LayerConfig[], { backend }), /list of layers/);
  assert.throws(() => new Net([data(), { type: 'InnerProduct', name: 'ip', bottoms: ['x'], tops: ['y'], numOutput: 2, include: { phase: 'training' } } as unknown as LayerConfig], { backend }),
    /field "include"/);
});

test('a layer whose name is not a non-empty string is refused by its position in the definition, before its type is looked up', () => {
  const defs = mlp();
  // Position 4 of the definition, though the train phase leaves out the Accuracy before it.
  const named = (name: unknown, type = 'InnerProduct') =>
    [...defs, { type, name, bottoms: ['h'], tops: ['z'], numOutput: 2 } as unknown as LayerConfig];
  const refused = (def: LayerConfig[], message: RegExp) =>
    assert.throws(() => new Net(def, { backend }), (e: Error) => e instanceof ConfigError && message.test(e.message), message.source);
  refused(named([1, 2, 3, 4]), /^layer "#5" \(InnerProduct\): field "name" must be a non-empty string, found \[1,2,3,4\]/);
  refused(named(16777216, ''), /^layer "#5" \(\): field "name" must be a non-empty string, found 16777216/);
  refused(named(''), /^layer "#5" \(InnerProduct\): field "name" must be a non-empty string/);
  refused(named(undefined), /^layer "#5" \(InnerProduct\): field "name" must be given/);
  refused([defs[0], ['InnerProduct'] as unknown as LayerConfig], /^layer "#1": expected an object, found \["InnerProduct"\]/);
  refused([defs[0], { ...defs[1], type: 7 } as unknown as LayerConfig], /^layer "ip1": field "type" must be a layer type name, found 7/);
  const after = [defs[3], { ...defs[4], name: 'acc', type: 'Acuracy' } as unknown as LayerConfig, defs[0], defs[1], defs[2]];
  assert.throws(() => new Net(after, { backend, phase: 'test' }), /^ConfigError: layer "acc": unknown layer type "Acuracy" \(did you mean "Accuracy"\?\)/);
});

test('shape mismatches are refused naming the layer', () => {
  const defs = mlp();
  const wrongLabels: LayerConfig = { ...data(), data: [{ values: new Float64Array(32), shape: [8, 4] }, { values: new Float64Array(16), shape: [8, 2] }] };
  assert.throws(() => new Net([wrongLabels, defs[1], defs[2], defs[3]], { backend }),
    (e: Error) => e instanceof ShapeError && /"loss"/.test(e.message));
  assert.throws(() => new Net([
    data(),
    { type: 'InnerProduct', name: 'a', bottoms: ['x'], tops: ['y'], numOutput: 3, paramKey: 'shared' },
    { type: 'InnerProduct', name: 'b', bottoms: ['y'], tops: ['z'], numOutput: 3, paramKey: 'shared' },
  ], { backend }), (e: Error) => e instanceof ShapeError && /"shared___weight"/.test(e.message) && /\[3, 4\]/.test(e.message) && /\[3, 3\]/.test(e.message));
});

test('phases select layers; a test net shares the train net parameters', () => {
  const train = new Net(mlp(), { backend, phase: 'train' });
  const testNet = new Net(mlp(), { backend, phase: 'test', shareParamsWith: train });
  assert.ok(!train.layers.some((l) => l.name === 'acc'));
  assert.ok(testNet.layers.some((l) => l.name === 'acc'));
  assert.equal(testNet.params[0], train.params[0]);
  train.params[0].blob.write(new Float64Array(train.params[0].blob.count).fill(0.25));
  assert.equal(testNet.params[0].blob.read()[3], 0.25);
  const excluded = mlp();
  excluded[1] = { ...excluded[1], exclude: { phase: 'train' } };
  assert.throws(() => new Net(excluded, { backend, phase: 'train' }), /bottom "h"/);
});

test('a blob feeding two back-propagating layers gets a Split; its gradient is the sum', () => {
  const defs: LayerConfig[] = [
    data(),
    { type: 'InnerProduct', name: 'shared-in', bottoms: ['x'], tops: ['h'], numOutput: 3 },
    { type: 'InnerProduct', name: 'a', bottoms: ['h'], tops: ['sa'], numOutput: 3 },
    { type: 'InnerProduct', name: 'b', bottoms: ['h'], tops: ['sb'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'la', bottoms: ['sa', 'label'], tops: ['lossa'] },
    { type: 'SoftmaxLoss', name: 'lb', bottoms: ['sb', 'label'], tops: ['lossb'] },
  ];
  const net = new Net(defs, { backend, seed: 3 });
  const split = net.layers.find((l) => l.type === 'Split');
  assert.ok(split, net.toString());
  assert.deepEqual(split.config.bottoms, ['h']);
  net.clearParamDiffs();
  net.forward();
  net.backward();
  const both = net.blob('h_split_0').readDiff().map((v, i) => v + net.blob('h_split_1').readDiff()[i]);
  const hd = net.blob('h').readDiff();
  hd.forEach((v, i) => assert.ok(Math.abs(v - both[i]) < 1e-12));
  // A label consumed by two losses needs no split (losses do not propagate to labels).
  assert.ok(!net.layers.some((l) => l.config.bottoms.includes('label') && l.type === 'Split'));
});

test('generated split names never take a name the definition uses', () => {
  // The user's blob "h_split_0" (a different shape) and layer "h_split" sit where the automatic
  // split of "h" would put its own names.
  const defs: LayerConfig[] = [
    data(),
    { type: 'InnerProduct', name: 'h_split', bottoms: ['x'], tops: ['h_split_0'], numOutput: 7 },
    { type: 'InnerProduct', name: 'shared-in', bottoms: ['x'], tops: ['h'], numOutput: 3 },
    { type: 'InnerProduct', name: 'a', bottoms: ['h'], tops: ['sa'], numOutput: 3 },
    { type: 'InnerProduct', name: 'b', bottoms: ['h'], tops: ['sb'], numOutput: 3 },
    { type: 'InnerProduct', name: 'c', bottoms: ['h_split_0'], tops: ['sc'], numOutput: 3 },
    { type: 'SoftmaxLoss', name: 'la', bottoms: ['sa', 'label'], tops: ['lossa'] },
    { type: 'SoftmaxLoss', name: 'lb', bottoms: ['sb', 'label'], tops: ['lossb'] },
    { type: 'SoftmaxLoss', name: 'lc', bottoms: ['sc', 'label'], tops: ['lossc'] },
  ];
  const net = new Net(defs, { backend, seed: 3 });
  const split = net.layers.find((l) => l.type === 'Split' && l.config.bottoms[0] === 'h');
  assert.ok(split, net.toString());
  assert.deepEqual(split.config.tops, ['h_split_0_1', 'h_split_1']);
  assert.equal(split.name, 'h_split_2');
  assert.equal(net.layer('h_split').type, 'InnerProduct');
  assert.deepEqual(net.blob('h_split_0').shape, [net.batchSize, 7]);
  assert.deepEqual(net.layer('c').params[0].blob.shape, [3, 7]);
  assert.deepEqual(net.layer('a').config.bottoms, ['h']);
  net.forward();
  net.backward();
  assert.ok(Number.isFinite(net.loss()));
});

test('layers with the same paramKey share one parameter and add their gradients', () => {
  const defs: LayerConfig[] = [
    data(8, 3),
    { type: 'InnerProduct', name: 'a', bottoms: ['x'], tops: ['y'], numOutput: 3, paramKey: 'tied' },
    { type: 'InnerProduct', name: 'b', bottoms: ['y'], tops: ['z'], numOutput: 3, paramKey: 'tied' },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['z', 'label'], tops: ['loss'] },
  ];
  const net = new Net(defs, { backend });
  assert.equal(net.layer('a').params[0], net.layer('b').params[0]);
  assert.equal(net.params.length, 2);
});

test('freeze stops updates of a layer; unfreeze restarts them', () => {
  const net = new Net(mlp(), { backend, seed: 5 });
  const solver = new Solver(net, { baseLr: 0.1, momentum: 0.9, maxIter: 10 });
  net.freeze('ip1');
  assert.match(net.toString(), /ip1.*\(frozen\)/);
  const w1 = net.layer('ip1').params[0].blob.read().slice();
  const w2 = net.layer('ip2').params[0].blob.read().slice();
  solver.step();
  assert.deepEqual(net.layer('ip1').params[0].blob.read(), w1);
  assert.notDeepEqual(net.layer('ip2').params[0].blob.read(), w2);
  net.unfreeze('ip1');
  solver.step();
  assert.notDeepEqual(net.layer('ip1').params[0].blob.read(), w1);
  assert.throws(() => net.freeze('nope'), /no layer named "nope"/);
});

/** mlp() with the label of one item replaced by `label` (not a class index of its 3). */
function mlpWithLabel(item: number, label: number): LayerConfig[] {
  const defs = mlp();
  const d = data();
  const y = new Float64Array(8).map((_, i) => i % 3);
  y[item] = label;
  defs[0] = { ...d, data: [(d.data as unknown[])[0], { values: y, shape: [8] }] };
  return defs;
}

test('a label that is not a class index is a DataError naming the loss layer and the item', () => {
  const defs = mlpWithLabel(2, 3);
  const net = new Net(defs, { backend });
  assert.throws(() => net.forward(), (e: Error) => e instanceof DataError && /layer "loss" \(SoftmaxLoss\)/.test(e.message) &&
    /label 3 at item 2/.test(e.message) && /\[0, 3\)/.test(e.message));
});

/**
 * JsBackend made to act like a GPU backend on one point: a bad label in softmaxLossForward is not
 * thrown at once but left for the next synchronize, as CUDA's and WebGPU's error flag does. Counts
 * the synchronize calls.
 */
function deferringBackend(): { backend: Backend; syncs: () => number } {
  const js = new JsBackend('float32');
  let pending: Error | null = null;
  let syncs = 0;
  const backend = new Proxy(js, {
    get(target, prop) {
      if (prop === 'synchronize') {
        return () => {
          syncs++;
          const e = pending;
          pending = null;
          if (e) throw e;
        };
      }
      if (prop === 'softmaxLossForward') {
        return (...args: Parameters<Backend['softmaxLossForward']>) => {
          try {
            target.softmaxLossForward(...args);
          } catch (e) {
            pending = new DataError(`emulated device: ${(e as Error).message.replace(/^.*?softmaxLossForward/, 'softmaxLossForward')}`);
          }
        };
      }
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { backend, syncs: () => syncs };
}

test('syncEachLayer waits for the backend after every layer, so a deferred device error names its layer', () => {
  const defs = mlpWithLabel(1, 7);
  // Without it, the error waits for the next read and names no layer.
  const lazy = deferringBackend();
  const quiet = new Net(defs, { backend: lazy.backend });
  quiet.forward();
  assert.equal(lazy.syncs(), 0);
  assert.throws(() => lazy.backend.synchronize(), (e: Error) => e instanceof DataError && /softmaxLossForward/.test(e.message) && !/layer "loss"/.test(e.message));
  // With it, the forward pass stops at the loss layer, which the message names.
  const eager = deferringBackend();
  const net = new Net(defs, { backend: eager.backend, syncEachLayer: true });
  assert.throws(() => net.forward(), (e: Error) => e instanceof DataError && /^layer "loss" \(SoftmaxLoss\): emulated device: softmaxLossForward/.test(e.message));
  assert.equal(eager.syncs(), 4, 'data, ip1, ip2, then the loss layer, where it stopped');
  // Good labels: one wait per layer forward and per layer backward.
  const good = deferringBackend();
  const ok = new Net(mlp(), { backend: good.backend, syncEachLayer: true });
  ok.forward();
  ok.backward();
  assert.equal(good.syncs(), 4 + 3, 'four forwards; backward for loss, ip2 and ip1 (the data layer needs none)');
});

test('CORTADO_SYNC_LAYERS sets syncEachLayer\'s default in Node; other values than 0 and 1 are refused', () => {
  const saved = process.env.CORTADO_SYNC_LAYERS;
  try {
    const count = (env: string | undefined, options: { syncEachLayer?: boolean } = {}) => {
      if (env === undefined) delete process.env.CORTADO_SYNC_LAYERS;
      else process.env.CORTADO_SYNC_LAYERS = env;
      const d = deferringBackend();
      new Net(mlp(), { backend: d.backend, ...options }).forward();
      return d.syncs();
    };
    assert.equal(count(undefined), 0);
    assert.equal(count('0'), 0);
    assert.equal(count('1'), 4);
    assert.equal(count('1', { syncEachLayer: false }), 0, 'the option wins over the environment');
    assert.throws(() => count('yes'), (e: Error) => e instanceof ConfigError && /CORTADO_SYNC_LAYERS must be 1 .* or 0, found "yes"/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.CORTADO_SYNC_LAYERS;
    else process.env.CORTADO_SYNC_LAYERS = saved;
  }
});

test('a NaN loss stops training and names the layer that first produced it', () => {
  const bad = data();
  const x = new Float64Array(32).fill(0.5);
  x[5] = NaN;
  const defs = mlp();
  defs[0] = { ...bad, data: [{ values: x, shape: [8, 4] }, (bad.data as unknown[])[1]] };
  const net = new Net(defs, { backend });
  const solver = new Solver(net, { baseLr: 0.1, maxIter: 10 });
  const w = net.params[0].blob.read().slice();
  assert.throws(() => solver.step(), (e: Error) => e instanceof NumericError && /layer "data"/.test(e.message) && /iteration 1/.test(e.message));
  assert.deepEqual(net.params[0].blob.read(), w, 'weights must not be updated with a NaN gradient');
});

test('sizes past one blob\'s limit are a ConfigError naming the layer and the parameter, never a RangeError', () => {
  const defs = mlp();
  defs[1] = { ...defs[1], numOutput: 2 ** 31 - 1 };
  assert.throws(() => new Net(defs, { backend }), (e: Error) => e instanceof ConfigError && /layer "ip1" \(InnerProduct\)/.test(e.message) && /parameter "ip1___weight" \[2147483647, 4\]/.test(e.message) && /2\^31 - 1/.test(e.message));
});

test('a net above its memory budget is refused at setup, naming the largest blobs; within it, built', () => {
  const defs = mlp();
  defs[1] = { ...defs[1], numOutput: 1000 };
  // ip1's weight is 1000 × 4 float64 values, data and diff: 64 000 bytes; its top [4, 1000] another 64 000.
  assert.throws(() => new Net(defs, { backend, memoryBudget: 100_000 }), (e: Error) => {
    assert.ok(e instanceof ConfigError, String(e));
    for (const part of ['memory budget of 97.7 KB', 'memoryBudget', 'layer "ip1" (InnerProduct)', 'largest: ', 'parameter "ip1___weight" [1000, 4] 62.5 KB']) {
      assert.ok(e.message.includes(part), `${JSON.stringify(part)} missing in ${e.message}`);
    }
    return true;
  });
  const net = new Net(defs, { backend, memoryBudget: 1_000_000 });
  assert.equal(net.blob('h').shape[1], 1000);
  for (const bad of [0, -1, NaN]) {
    assert.throws(() => new Net(mlp(), { backend, memoryBudget: bad }), (e: Error) => e instanceof ConfigError && /"memoryBudget" must be a positive number/.test(e.message));
  }
});

test('seeds must be integers in [0, 2^32 - 1]: "abc", NaN, {}, 2^40, -1 and 1.5 are refused, not taken as seed 0', () => {
  for (const seed of ['abc', NaN, {}, 2 ** 40, -1, 1.5]) {
    assert.throws(() => new Net(mlp(), { backend, seed: seed as number }), (e: Error) => e instanceof ConfigError && /option "seed" must be an integer in \[0, 4294967295\]/.test(e.message), `seed ${String(seed)}`);
  }
  const a = new Net(mlp(), { backend, seed: 2 ** 32 - 1 });
  const b = new Net(mlp(), { backend, seed: 0 });
  assert.notDeepEqual([...a.params[0].blob.read()], [...b.params[0].blob.read()]);
});
