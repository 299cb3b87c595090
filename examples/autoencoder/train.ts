/**
 * The stacked denoising auto-encoder of net.ts on MNIST: each encoder level pre-trained in turn
 * as a denoising auto-encoder (lower levels frozen), then the whole stack plus a softmax
 * classifier fine-tuned on the labels; compared with the same classifier fine-tuned for as many
 * iterations from random weights. Test accuracy on the 10,000 test images is recorded every
 * `--validate-every` iterations (and at iteration 0) in each run's coffee lounge, kept in
 * OUTPUT/{pretrain-<k>,finetune-pretrained,finetune-random}/statistics.json.
 *
 *   node dist/examples/autoencoder/train.js [--backend auto|js|native|cuda] [--pretrain-iterations N]
 *     [--finetune-iterations N] [--validate-every N] [--hidden H1,H2,...] [--output DIR] [--seed N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from '../../src/backend/backend.js';
import { Net } from '../../src/node/net.js';
import { loadMnist } from '../../src/node/data/mnist.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { statisticsFile } from '../../src/node/statistics-file.js';
import { TrainingSummary } from '../../src/solver/coffee/training-summary.js';
import { ValidationPerformance } from '../../src/solver/coffee/validation-performance.js';
import { Solver } from '../../src/solver/solver.js';
import { DEFAULT_HIDDEN, buildPretrainNet, classifierNet, finetuneSolver, pretrainSolver, type SdaeOptions } from './net.js';

const usage =
  'usage: node dist/examples/autoencoder/train.js [--backend auto|js|native|cuda] [--pretrain-iterations N] ' +
  '[--finetune-iterations N] [--validate-every N] [--hidden H1,H2,...] [--output DIR] [--seed N]';
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    'pretrain-iterations': { type: 'string', default: '1800' },
    'finetune-iterations': { type: 'string', default: '6000' },
    'validate-every': { type: 'string', default: '500' },
    hidden: { type: 'string', default: DEFAULT_HIDDEN.join(',') },
    output: { type: 'string', default: 'examples/autoencoder/output' },
    seed: { type: 'string', default: '42' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(usage);
  process.exit(0);
}

function positiveInt(flag: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${flag} must be an integer of at least ${min}, found "${value}"\n${usage}`);
    process.exit(2);
  }
  return n;
}

const pretrainIters = positiveInt('pretrain-iterations', args['pretrain-iterations'], 0);
const finetuneIters = positiveInt('finetune-iterations', args['finetune-iterations']);
const validateEvery = positiveInt('validate-every', args['validate-every']);
const seed = positiveInt('seed', args.seed, 0);
const hidden = String(args.hidden).split(',').map((h) => positiveInt('hidden', h));
const outputDir = args.output as string;
const backend = createBackend(args.backend as BackendName);
const mnist = loadMnist();
const options: SdaeOptions = { hidden, batchSize: 100, testBatchSize: 100, train: mnist.train, test: mnist.test };
console.log(
  `MNIST: ${mnist.train.count} training and ${mnist.test.count} test images; backend ${backend.name}; ` +
  `encoder 784-${hidden.join('-')}, classifier 10`,
);

function lounge(solver: Solver, name: string): void {
  const dir = join(outputDir, name);
  mkdirSync(dir, { recursive: true });
  solver.lounge.store = statisticsFile(join(dir, 'statistics.json'));
}

/** Pre-trains every level in turn; returns the first net (the parameter store) and the seconds taken. */
async function pretrain(b: Backend): Promise<{ store: Net; seconds: number }> {
  const start = performance.now();
  let store: Net | undefined;
  for (let level = 1; level <= hidden.length; level++) {
    const net = buildPretrainNet(b, options, level, store, seed);
    store ??= net;
    const solver = new Solver(net, pretrainSolver(pretrainIters));
    solver.addCoffeeBreak(new TrainingSummary({ log: (l) => console.log(`pretrain ${level} | ${l}`) }), { everyIter: 200 });
    lounge(solver, `pretrain-${level}`);
    if (pretrainIters > 0) await solver.solve();
    if (net !== store) net.destroy();
  }
  return { store: store as Net, seconds: (performance.now() - start) / 1000 };
}

/** Fine-tunes the classifier (in `store`'s parameters, or fresh random ones); returns the accuracy curve. */
async function finetune(b: Backend, name: string, store?: Net): Promise<{ curve: [number, number][]; seconds: number }> {
  const layers = classifierNet(options);
  const trainNet = new Net(layers, { backend: b, phase: 'train', seed, name: `${name}-train`, ...(store && { shareParamsWith: store }) });
  const testNet = new Net(layers, { backend: b, phase: 'test', shareParamsWith: trainNet, name: `${name}-test` });
  const solver = new Solver(trainNet, finetuneSolver(finetuneIters));
  const log = (l: string) => console.log(`${name} | ${l}`);
  solver.addCoffeeBreak(new TrainingSummary({ log }), { everyIter: 500 });
  const validation = new ValidationPerformance(testNet, { log });
  solver.addCoffeeBreak(validation, { everyIter: validateEvery });
  lounge(solver, `finetune-${name}`);
  // Iteration 0: what the starting weights give.
  for (const [k, v] of validation.evaluate()) solver.lounge.update(`validation/${k}`, 0, v);
  const start = performance.now();
  await solver.solve();
  const seconds = (performance.now() - start) / 1000;
  if (validation.lastIter !== solver.iter) {
    for (const [k, v] of validation.evaluate()) solver.lounge.update(`validation/${k}`, solver.iter, v);
    solver.lounge.save();
  }
  const curve = solver.lounge.get('validation/accuracy');
  testNet.destroy();
  trainNet.destroy();
  return { curve, seconds };
}

const pre = await pretrain(backend);
console.log(`pre-training: ${hidden.length} levels × ${pretrainIters} iterations in ${pre.seconds.toFixed(1)} s`);
const withPretraining = await finetune(backend, 'pretrained', pre.store);
const fromRandom = await finetune(backend, 'random');
pre.store.destroy();

const random = new Map(fromRandom.curve);
const rows = withPretraining.curve.map(([iter, acc]) => ({ iter, pretrained: acc, random: random.get(iter) ?? NaN }));
writeFileSync(
  join(outputDir, 'summary.json'),
  JSON.stringify({ backend: backend.name, hidden, pretrainIters, finetuneIters, pretrainSeconds: pre.seconds, finetunePretrainedSeconds: withPretraining.seconds, finetuneRandomSeconds: fromRandom.seconds, curve: rows }, null, 2),
);
console.log('\n| iteration | pre-trained | random init |\n| ---: | ---: | ---: |');
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
for (const r of rows) console.log(`| ${r.iter} | ${pct(r.pretrained)} | ${pct(r.random)} |`);
console.log(
  `\ntimes: pre-training ${pre.seconds.toFixed(1)} s, fine-tuning ${withPretraining.seconds.toFixed(1)} s (pre-trained) and ` +
  `${fromRandom.seconds.toFixed(1)} s (random init), backend ${backend.name}`,
);
