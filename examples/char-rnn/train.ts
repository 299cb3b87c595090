/**
 * Trains the character-level LSTM of net.ts on a plain-text corpus (default: the Vim user manual
 * from Debian's vim-runtime), the last 5% held out. Every `--eval-every` iterations it prints the
 * held-out bits per character; at the end, samples at a few temperatures, time and characters/s.
 *
 *   node dist/examples/char-rnn/train.js [--backend auto|js|native|cuda] [--iterations N]
 *     [--corpus FILE] [--hidden H] [--cell lstm|gru] [--eval-every N] [--seed N] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver } from '../../src/solver/solver.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { bitsPerChar, charRnn, charRnnSolver, defaultSize, encode, loadCorpus, sample } from './net.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    iterations: { type: 'string', default: '3000' },
    corpus: { type: 'string' },
    hidden: { type: 'string', default: String(defaultSize.hidden) },
    cell: { type: 'string', default: 'lstm' },
    'eval-every': { type: 'string', default: '250' },
    seed: { type: 'string', default: '42' },
    json: { type: 'string' },
  },
});
const iterations = Number(args.iterations);
const evalEvery = Number(args['eval-every']);
const cell = args.cell!.toUpperCase();
if (cell !== 'LSTM' && cell !== 'GRU') throw new Error(`--cell must be lstm or gru, found "${args.cell}"`);
const size = { ...defaultSize, hidden: Number(args.hidden), cell: cell as 'LSTM' | 'GRU' };
const backend = createBackend(args.backend as BackendName);
const { text, source } = loadCorpus(args.corpus);
const data = encode(text);
const V = data.vocab.length;
console.log(`corpus ${source}: ${text.length} characters, ${V} distinct; ${data.train.length} for training, ${data.heldOut.length} held out`);
console.log(`${cell} ${size.hidden}, embedding ${size.embed}, ${size.timeSteps} steps × ${size.streams} streams per batch; backend ${backend.name}`);

const net = new Net(charRnn(data.train, V, size), { backend, seed: Number(args.seed) });
const solver = new Solver(net, charRnnSolver(iterations));
const curve: { iter: number; seconds: number; trainLoss: number; heldOutBpc: number }[] = [];
const evaluate = (seconds: number, trainLoss: number) => {
  const bpc = bitsPerChar(net, backend, data.heldOut, V, size);
  curve.push({ iter: solver.iter, seconds, trainLoss, heldOutBpc: bpc });
  console.log(`iter ${String(solver.iter).padStart(5)}  ${seconds.toFixed(1).padStart(7)} s  train ${(trainLoss / Math.LN2).toFixed(3)} bits/char  held-out ${bpc.toFixed(3)} bits/char`);
};
evaluate(0, Math.log(V));
let trained = 0; // seconds spent in solver steps only
let lossSum = 0;
while (solver.iter < iterations) {
  const t0 = performance.now();
  solver.step();
  backend.synchronize();
  trained += (performance.now() - t0) / 1000;
  lossSum += net.loss();
  if (solver.iter % evalEvery === 0 || solver.iter === iterations) {
    evaluate(trained, lossSum / (solver.iter % evalEvery || evalEvery));
    lossSum = 0;
  }
}
const chars = iterations * size.timeSteps * size.streams;
console.log(`trained ${iterations} iterations (${chars} characters) in ${trained.toFixed(1)} s: ${Math.round(chars / trained)} characters/s`);
const samples: Record<string, string> = {};
for (const temperature of [0.5, 0.8, 1.0]) {
  samples[temperature] = sample(net, backend, data.vocab, 'The ', 300, temperature, new Random(7), size);
  console.log(`\n--- sample, temperature ${temperature} ---\nThe ${samples[temperature]}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify({ source, backend: backend.name, size, iterations, seconds: trained, charsPerSecond: chars / trained, curve, samples }, null, 1));
