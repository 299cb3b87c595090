/**
 * Cortado's char-rnn against PyTorch's nn.LSTM (or nn.GRU): the model of examples/char-rnn, the
 * same corpus, sizes, data order, solver and number of steps, one system after the other; prints
 * one JSON line per system (characters/s of training, held-out bits per character after the
 * steps) and a table.
 *
 *   node dist/bench/char-rnn/run.js [--steps N] [--backend native] [--corpus FILE] [--hidden H]
 *     [--cell lstm|gru] [--time-steps T] [--streams N] [--python PATH]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Net } from '../../src/node/net.js';
import { Solver } from '../../src/solver/solver.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { bitsPerChar, charRnn, charRnnSolver, defaultSize, encode, loadCorpus } from '../../examples/char-rnn/net.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '500' },
    backend: { type: 'string', default: 'native' },
    corpus: { type: 'string' },
    hidden: { type: 'string', default: String(defaultSize.hidden) },
    cell: { type: 'string', default: 'lstm' },
    'time-steps': { type: 'string', default: String(defaultSize.timeSteps) },
    streams: { type: 'string', default: String(defaultSize.streams) },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const steps = Number(args.steps);
const cell = args.cell!.toUpperCase();
if (cell !== 'LSTM' && cell !== 'GRU') throw new Error(`--cell must be lstm or gru, found "${args.cell}"`);
const size = { ...defaultSize, hidden: Number(args.hidden), timeSteps: Number(args['time-steps']), streams: Number(args.streams), cell: cell as 'LSTM' | 'GRU' };
const { text, source } = loadCorpus(args.corpus);
const data = encode(text);
const V = data.vocab.length;
const rows: Record<string, unknown>[] = [];

// Cortado
const backend = createBackend(args.backend as BackendName);
const net = new Net(charRnn(data.train, V, size), { backend, seed: 42 });
const solver = new Solver(net, charRnnSolver(steps));
const t0 = performance.now();
for (let i = 0; i < steps; i++) solver.step();
backend.synchronize();
const seconds = (performance.now() - t0) / 1000;
const cortado = {
  system: `cortado-${backend.name}`, seconds, charsPerSecond: (steps * size.timeSteps * size.streams) / seconds,
  lastTrainLoss: net.loss() / Math.LN2, heldOutBpc: bitsPerChar(net, backend, data.heldOut, V, size),
};
console.log(JSON.stringify(cortado));
rows.push(cortado);

// PyTorch, in its own process with 2 threads
const dir = mkdtempSync(join(tmpdir(), 'cortado-char-rnn-'));
try {
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ ...size, vocab: V, steps, threads: 2, train: Array.from(data.train), heldOut: Array.from(data.heldOut) }));
  const script = fileURLToPath(new URL('../../../bench/char-rnn/pytorch_char_rnn.py', import.meta.url));
  const r = spawnSync(args.python, [script, cfg], { encoding: 'utf8', timeout: 3_600_000 });
  if (r.status === 0) {
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(JSON.stringify(line));
    rows.push(line);
  } else {
    console.log(JSON.stringify({ system: 'pytorch', skipped: `${args.python} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n${source}, ${V} characters; ${cell} ${size.hidden}, embedding ${size.embed}, ${size.timeSteps} steps × ${size.streams} streams, ${steps} Adam steps`);
console.log('| system | characters/s | seconds | held-out bits/char |\n| --- | ---: | ---: | ---: |');
for (const r of rows) {
  if (r.skipped) console.log(`| ${r.system} | skipped: ${r.skipped} | | |`);
  else console.log(`| ${r.system} | ${Math.round(r.charsPerSecond as number)} | ${(r.seconds as number).toFixed(1)} | ${(r.heldOutBpc as number).toFixed(3)} |`);
}
