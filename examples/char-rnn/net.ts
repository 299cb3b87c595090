/**
 * A character-level LSTM (or GRU) language model (Karpathy's char-rnn, in Caffe's layers):
 *
 *   SequenceData (T steps × N streams) → Embed (V → E) → LSTM or GRU (H) → InnerProduct (H → V, axis 2)
 *   → SoftmaxLoss (axis 2) against the next character
 *
 * plus what the example measures with it: bits per character on held-out text, and text sampled
 * one character at a time with a temperature, from a deploy net that shares the trained weights.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../src/backend/backend.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import type { Random } from '../../src/core/random.js';
import type { SolverConfig } from '../../src/solver/solver.js';

/** Where Debian's vim-runtime keeps the Vim user manual: 35 chapters of English prose, 632 KB. */
export const VIM_DOC_DIRS = ['/usr/share/vim/vim90/doc', '/usr/share/vim/vim91/doc', '/usr/share/vim/vim82/doc'];

/** The corpus text: a file, or the Vim user manual's usr_NN.txt chapters concatenated in order. */
export function loadCorpus(file?: string): { text: string; source: string } {
  if (file) return { text: readFileSync(file, 'utf8'), source: file };
  for (const dir of VIM_DOC_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /^usr_\d\d\.txt$/.test(n)).sort();
    } catch {
      continue;
    }
    if (names.length) return { text: names.map((n) => readFileSync(join(dir, n), 'utf8')).join(''), source: `${dir}/usr_*.txt (${names.length} files)` };
  }
  throw new Error(`no corpus: the Vim user manual (Debian package vim-runtime: apt-get install vim-runtime) is not in ${VIM_DOC_DIRS.join(', ')}; pass --corpus FILE`);
}

export interface Encoded {
  /** The distinct characters, sorted; a character's id is its index. */
  vocab: string[];
  train: Float32Array;
  heldOut: Float32Array;
}

/** Character ids of the text; the last `heldOutFraction` of it is held out. */
export function encode(text: string, heldOutFraction = 0.05): Encoded {
  const chars = Array.from(text);
  const vocab = [...new Set(chars)].sort();
  const id = new Map(vocab.map((c, i) => [c, i]));
  const ids = Float32Array.from(chars, (c) => id.get(c)!);
  const cut = Math.floor(ids.length * (1 - heldOutFraction));
  return { vocab, train: ids.subarray(0, cut), heldOut: ids.subarray(cut) };
}

export interface CharRnnSize {
  /** Steps per window (truncated BPTT length), streams per batch, embedding and recurrent sizes. */
  timeSteps: number;
  streams: number;
  embed: number;
  hidden: number;
  /** The recurrent layer (default LSTM). */
  cell?: 'LSTM' | 'GRU';
}

export const defaultSize: CharRnnSize = { timeSteps: 50, streams: 32, embed: 32, hidden: 128, cell: 'LSTM' };

const uniform = (a: number) => ({ type: 'Uniform', min: -a, max: a });

/** The layers after the data: Embed, LSTM (or GRU), InnerProduct; `char` and `cont` name their blobs. */
function body(V: number, s: CharRnnSize, char: string, cont: string): LayerConfig[] {
  return [
    { type: 'Embed', name: 'embed', bottoms: [char], tops: ['e'], inputDim: V, numOutput: s.embed, weightInit: { type: 'Gaussian', std: 1 } },
    { type: s.cell ?? 'LSTM', name: (s.cell ?? 'LSTM').toLowerCase(), bottoms: ['e', cont], tops: ['h'], numOutput: s.hidden, weightInit: uniform(0.08) },
    { type: 'InnerProduct', name: 'scores', bottoms: ['h'], tops: ['scores'], numOutput: V, axis: 2, weightInit: uniform(0.08) },
  ];
}

/** The training (or evaluation) net on a token stream. */
export function charRnn(tokens: Float32Array, V: number, s: CharRnnSize = defaultSize): LayerConfig[] {
  return [
    { type: 'SequenceData', name: 'data', tops: ['char', 'cont', 'next'], tokens, timeSteps: s.timeSteps, streams: s.streams },
    ...body(V, s, 'char', 'cont'),
    { type: 'SoftmaxLoss', name: 'loss', bottoms: ['scores', 'next'], tops: ['loss'], axis: 2 },
  ];
}

/** Adam, Karpathy's char-rnn settings: learning rate 2e-3, gradients clipped to norm 5. */
export function charRnnSolver(maxIter: number): SolverConfig {
  return { method: 'Adam', baseLr: 2e-3, beta1: 0.9, beta2: 0.999, lrPolicy: { type: 'fixed' }, clipGradients: 5, maxIter };
}

/**
 * Bits per character of the trained net on `tokens`: every window of a fresh evaluation net (state
 * from zero, carried across its windows) once, the mean cross-entropy over ln 2. `s` must be the
 * sizes the net was trained with: the evaluation net shares its weights by layer name.
 */
export function bitsPerChar(train: Net, backend: Backend, tokens: Float32Array, V: number, s: CharRnnSize): number {
  const streams = Math.max(1, Math.min(s.streams, Math.floor((tokens.length - 1) / s.timeSteps)));
  const size = { ...s, streams };
  const net = new Net(charRnn(tokens, V, size), { backend, phase: 'test', shareParamsWith: train });
  const windows = Math.floor(Math.floor((tokens.length - 1) / streams) / s.timeSteps);
  let sum = 0;
  for (let w = 0; w < windows; w++) {
    net.forward();
    sum += net.loss();
  }
  net.destroy();
  return sum / windows / Math.LN2;
}

/**
 * `length` characters sampled after `prime`: p(c) ∝ exp(score_c / temperature), each character
 * fed back as the next input (a deploy net, T = N = 1, sharing the trained weights; `s` as for
 * bitsPerChar).
 */
export function sample(train: Net, backend: Backend, vocab: string[], prime: string, length: number, temperature: number, rng: Random, s: CharRnnSize): string {
  const V = vocab.length;
  const net = new Net([
    { type: 'Input', name: 'in', tops: ['char', 'cont'], shapes: [[1, 1], [1, 1]] },
    ...body(V, { ...s, timeSteps: 1, streams: 1 }, 'char', 'cont'),
  ], { backend, phase: 'test', shareParamsWith: train });
  const id = new Map(vocab.map((c, i) => [c, i]));
  let scores: Float32Array = new Float32Array(V);
  let cont = 0;
  const feed = (c: number) => {
    scores = net.predict({ char: [c], cont: [cont] }, { blobs: ['scores'] }).get('scores')!;
    cont = 1;
  };
  for (const ch of prime) feed(id.get(ch) ?? 0);
  let out = '';
  const p = new Float64Array(V);
  for (let k = 0; k < length; k++) {
    let max = -Infinity;
    for (let c = 0; c < V; c++) max = Math.max(max, scores[c] / temperature);
    let total = 0;
    for (let c = 0; c < V; c++) total += p[c] = Math.exp(scores[c] / temperature - max);
    let u = rng.uniform() * total;
    let c = 0;
    while (c < V - 1 && (u -= p[c]) > 0) c++;
    out += vocab[c];
    feed(c);
  }
  net.destroy();
  return out;
}
