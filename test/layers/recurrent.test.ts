/**
 * RNN, LSTM and GRU beyond the table: one LSTM step against hand formulas, state carried across
 * forwards (two windows equal one long one), getState/setState, shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { ShapeError } from '../../src/core/errors.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { buildLayer } from '../harness/context.js';

const σ = (v: number) => 1 / (1 + Math.exp(-v));
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('LSTM: two steps of one stream equal the hand formulas of LSTMUnit (gates i, f, o, g)', () => {
  // H = D = 1; W_xc = [wi, wf, wo, wg], b_c = 0.1 each, W_hc = 0.5 each
  const w = [0.3, -0.2, 0.7, 1.1];
  const cfg: LayerConfig = { type: 'LSTM', name: 'lstm', bottoms: ['x', 'cont'], tops: ['h'], numOutput: 1, biasInit: { type: 'Constant', value: 0.1 }, weightInit: { type: 'Constant', value: 0.5 } };
  const built = buildLayer(new JsBackend('float64'), cfg, [[2, 1, 1], [2, 1]], { values: [[2, -1], [0, 1]] });
  built.layer.params[0].blob.write(w);
  built.layer.forward(built.bottoms, built.tops);
  const [h1, h2] = built.tops[0].read();
  // step 1: h0 = c0 = 0
  let [i, f, o, g] = w.map((wk, k) => (k < 3 ? σ : Math.tanh)(wk * 2 + 0.1));
  const c1 = i * g;
  close(h1, o * Math.tanh(c1), 'h1');
  // step 2 continues: pre = W_xc x + b_c + W_hc h1
  [i, f, o, g] = w.map((wk, k) => (k < 3 ? σ : Math.tanh)(wk * -1 + 0.1 + 0.5 * h1));
  const c2 = f * c1 + i * g;
  close(h2, o * Math.tanh(c2), 'h2');
  assert.deepEqual(built.layer.getState!(), { h: [h2], c: [c2] });
});

for (const type of ['RNN', 'LSTM', 'GRU'] as const) {
  test(`${type}: two windows of 3 steps (cont = 1 at the second's start) equal one window of 6; state round-trips`, () => {
    const b = new JsBackend('float64');
    const cfg = (T: number): LayerConfig => ({ type, name: 'r', bottoms: ['x', 'cont'], tops: ['h'], numOutput: 3, weightInit: { type: 'Uniform', min: -0.7, max: 0.7 } });
    const x = Array.from({ length: 6 * 2 * 2 }, (_, k) => Math.sin(k));
    const cont = [0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]; // stream 1 restarts at t = 2
    const long = buildLayer(b, cfg(6), [[6, 2, 2], [6, 2]], { values: [x, cont], seed: 7 });
    long.layer.forward(long.bottoms, long.tops);
    const short = buildLayer(b, cfg(3), [[3, 2, 2], [3, 2]], { values: [x.slice(0, 12), cont.slice(0, 6)], seed: 7 });
    short.layer.forward(short.bottoms, short.tops);
    const first = Array.from(short.tops[0].read());
    short.bottoms[0].write(x.slice(12));
    short.bottoms[1].write(cont.slice(6));
    const saved = short.layer.getState!();
    short.layer.forward(short.bottoms, short.tops);
    const joined = [...first, ...short.tops[0].read()];
    Array.from(long.tops[0].read()).forEach((v, k) => close(joined[k], v, `top[${k}]`));
    // a fresh layer given the saved state continues the same way
    const other = buildLayer(b, cfg(3), [[3, 2, 2], [3, 2]], { values: [x.slice(12), cont.slice(6)], seed: 7 });
    other.layer.setState!(saved);
    other.layer.forward(other.bottoms, other.tops);
    assert.deepEqual(Array.from(other.tops[0].read()), Array.from(short.tops[0].read()));
  });
}

for (const type of ['RNN', 'LSTM', 'GRU'] as const) {
  test(`${type} with x alone: every forward starts from a zero state, as with cont 0 at t = 0 and 1 after`, () => {
    const b = new JsBackend('float64');
    const cfg = (bottoms: string[]): LayerConfig => ({ type, name: 'r', bottoms, tops: ['h'], numOutput: 3, weightInit: { type: 'Uniform', min: -0.7, max: 0.7 } });
    const x = Array.from({ length: 4 * 2 * 2 }, (_, k) => Math.sin(k));
    const fresh = buildLayer(b, cfg(['x']), [[4, 2, 2]], { values: [x], seed: 3 });
    const marked = buildLayer(b, cfg(['x', 'cont']), [[4, 2, 2], [4, 2]], { values: [x, [0, 0, 1, 1, 1, 1, 1, 1]], seed: 3 });
    fresh.layer.forward(fresh.bottoms, fresh.tops);
    marked.layer.forward(marked.bottoms, marked.tops);
    const first = Array.from(fresh.tops[0].read());
    assert.deepEqual(first, Array.from(marked.tops[0].read()));
    // the state left by the first forward does not enter the second
    fresh.layer.forward(fresh.bottoms, fresh.tops);
    assert.deepEqual(Array.from(fresh.tops[0].read()), first);
  });
}

test('RNN and LSTM name the blob and the expected shape when cont or the static input is wrong', () => {
  const b = new JsBackend();
  const cfg = (bottoms: string[]): LayerConfig => ({ type: 'LSTM', name: 'l', bottoms, tops: ['h'], numOutput: 2 });
  assert.throws(() => buildLayer(b, cfg(['x', 'cont']), [[3, 2, 4], [2, 3]]), (e: Error) => e instanceof ShapeError && /"cont".*\[T, N\] = \[3, 2\]/.test(e.message));
  assert.throws(() => buildLayer(b, { ...cfg(['x', 'cont', 's']), type: 'RNN' }, [[3, 2, 4], [3, 2], [3, 5]]), (e: Error) => e instanceof ShapeError && /"s".*N = 2/.test(e.message));
  assert.throws(() => buildLayer(b, cfg(['x', 'cont', 's', 'extra']), [[3, 2, 4], [3, 2], [2, 5], [2, 5]]), /bottoms/);
  assert.throws(() => buildLayer(b, cfg(['x']), [[3]]), (e: Error) => e instanceof ShapeError && /"x".*\[T, N, \.\.\.\]/.test(e.message));
});

test('SequenceData: N streams of T-step windows, labels the next token, cont 0 only where a stream starts', () => {
  const tokens = Float32Array.from({ length: 21 }, (_, k) => k); // S = floor(20 / 3) = 6: two windows of 3 per epoch
  const cfg: LayerConfig = { type: 'SequenceData', name: 'seq', tops: ['data', 'cont', 'label'], tokens, timeSteps: 3, streams: 3 };
  const built = buildLayer(new JsBackend(), cfg, []);
  const batch = () => {
    built.layer.forward([], built.tops);
    return built.tops.map((t) => Array.from(t.read()));
  };
  assert.deepEqual(batch(), [[0, 6, 12, 1, 7, 13, 2, 8, 14], [0, 0, 0, 1, 1, 1, 1, 1, 1], [1, 7, 13, 2, 8, 14, 3, 9, 15]]);
  const saved = built.layer.getState!();
  assert.deepEqual(batch(), [[3, 9, 15, 4, 10, 16, 5, 11, 17], [1, 1, 1, 1, 1, 1, 1, 1, 1], [4, 10, 16, 5, 11, 17, 6, 12, 18]]);
  assert.deepEqual(batch()[1], [0, 0, 0, 1, 1, 1, 1, 1, 1], 'the next epoch starts every stream again');
  assert.deepEqual(built.layer.getState!(), { position: 3, epoch: 1 });
  built.layer.setState!(saved);
  assert.equal(batch()[0][0], 3, 'setState goes back to the saved window');
  assert.throws(() => buildLayer(new JsBackend(), { ...cfg, tokens: tokens.slice(0, 9) }, []), /at least streams × timeSteps \+ 1 = 10 tokens/);
});
