import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver, parseSolverConfig } from '../../src/solver/solver.js';
import { bitsPerChar, charRnn, charRnnSolver, encode, sample } from '../../examples/char-rnn/net.js';

const small = { timeSteps: 8, streams: 4, embed: 8, hidden: 24 };

test('char-rnn: the net is SequenceData → Embed → LSTM → InnerProduct (axis 2) → SoftmaxLoss (axis 2); Adam with clipping', () => {
  const { vocab, train } = encode('hello world, hello cortado. '.repeat(20));
  const s = new Net(charRnn(train, vocab.length, small), { backend: new JsBackend() }).toString();
  assert.match(s, /data +SequenceData +- -> char\[8, 4\], cont\[8, 4\], next\[8, 4\]/);
  assert.match(s, /lstm +LSTM +e\S*, cont\S* -> h\[8, 4, 24\]/);
  assert.match(s, new RegExp(`scores +InnerProduct +h -> scores\\[8, 4, ${vocab.length}\\]`));
  const solver = parseSolverConfig(charRnnSolver(10));
  assert.deepEqual([solver.method, solver.baseLr, solver.clipGradients], ['Adam', 2e-3, 5]);
});

for (const cell of ['LSTM', 'GRU'] as const) {
  test(`char-rnn (${cell}): training on a repeated sentence drives held-out bits per character far down, and a cold sample is made of its 4-grams`, () => {
    const backend = new JsBackend();
    const sentence = 'the cat sat on the mat. ';
    const { vocab, train, heldOut } = encode(sentence.repeat(60), 0.1);
    const net = new Net(charRnn(train, vocab.length, { ...small, cell }), { backend, seed: 3 });
    const solver = new Solver(net, { ...charRnnSolver(300), baseLr: 0.02 });
    const before = bitsPerChar(net, backend, heldOut, vocab.length, { ...small, cell });
    for (let i = 0; i < 300; i++) solver.step();
    const after = bitsPerChar(net, backend, heldOut, vocab.length, { ...small, cell });
    assert.ok(before > 3 && after < 0.5, `held-out bits per character ${before} → ${after}`);
    const text = sample(net, backend, vocab, 'the ', 40, 0.1, new Random(1), { ...small, cell });
    const full = `the ${text}`;
    for (let k = 0; k + 4 <= full.length; k++) assert.ok(sentence.repeat(2).includes(full.slice(k, k + 4)), `"${full.slice(k, k + 4)}" of the sample "${full}" is not in the sentence`);
  });
}
