/**
 * Exact resume mid-sequence: a character LSTM trained 24 iterations straight, and 12 + snapshot +
 * resume into a fresh net, end with bit-identical weights. The snapshot is taken where every
 * stream is mid-sequence (cont = 1 next), so the carried h and c must travel with it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostArray } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { Solver } from '../../src/solver/solver.js';
import { loadFrom, saveSnapshot } from '../../src/node/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'cortado-exact-rnn-'));
after(() => rmSync(root, { recursive: true, force: true }));

const text = 'the quick brown fox jumps over the lazy dog; a stitch in time saves nine. '.repeat(12);
const vocab = [...new Set(text)];
const tokens = Float32Array.from(text, (ch) => vocab.indexOf(ch));

function defs(): LayerConfig[] {
  return [
    { type: 'SequenceData', name: 'data', tops: ['char', 'cont', 'next'], tokens, timeSteps: 5, streams: 3 },
    { type: 'Embed', name: 'embed', bottoms: ['char'], tops: ['e'], inputDim: vocab.length, numOutput: 6 },
    { type: 'LSTM', name: 'lstm', bottoms: ['e', 'cont'], tops: ['h'], numOutput: 8, weightInit: { type: 'Uniform', min: -0.3, max: 0.3 } },
    { type: 'InnerProduct', name: 'out', bottoms: ['h'], tops: ['scores'], numOutput: vocab.length, axis: 2 },
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['scores', 'next'], tops: ['loss'], axis: 2 },
  ];
}

const bytes = (a: HostArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const make = (seed: number) => new Solver(new Net(defs(), { backend: new JsBackend(), seed }), { baseLr: 0.5, momentum: 0.9, lrPolicy: { type: 'fixed' }, maxIter: 24 });

test('LSTM: 24 iterations straight and 12 + snapshot + resume (h and c carried) give bit-identical weights', async () => {
  const straight = make(5);
  await straight.run(12);
  const state = straight.net.getDataState().lstm as { h: number[]; c: number[] };
  assert.ok(state.h.some((v) => v !== 0) && state.c.some((v) => v !== 0), 'the state at the snapshot is not zero');
  const dir = join(root, 'snap');
  await saveSnapshot(straight, dir);
  await straight.run(12);

  const resumed = make(77);
  await loadFrom(resumed, dir, { log: () => {} });
  await resumed.run();
  assert.equal(resumed.iter, 24);
  straight.net.params.forEach((p, i) => assert.ok(bytes(resumed.net.params[i]!.blob.read()).equals(bytes(p.blob.read())), `weights of ${p.key} differ`));
  assert.deepEqual(resumed.net.getDataState(), straight.net.getDataState());

  // without the carried state the same resume goes elsewhere: the test can fail
  const stateless = make(77);
  await loadFrom(stateless, dir, { log: () => {} });
  stateless.net.setDataState({ lstm: { h: state.h.map(() => 0), c: state.c.map(() => 0) } });
  await stateless.run();
  const w = (s: Solver) => bytes(s.net.params.find((p) => p.key.startsWith('lstm'))!.blob.read());
  assert.ok(!w(stateless).equals(w(straight)), 'zeroing the state at resume changes the weights');
});
