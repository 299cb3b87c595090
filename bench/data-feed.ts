/**
 * `npm run bench:feed`: does reading MNIST from HDF5 slow LeNet training down? The same training
 * (the MNIST tutorial's LeNet and solver, batch 64, shuffled) is fed three ways:
 *   memory       MemoryData over the IDX files loaded into memory (the tutorial's way)
 *   hdf5         HDF5Data, reading each chunk from the converted files when it is needed
 *   async-hdf5   AsyncHDF5Data, a worker thread reading chunks ahead
 * One child process trains the three side by side, taking turns (see `child`); the report gives
 * each feed's median images/s over the processes and its ratio to memory. The HDF5 files come from
 * `cortado convert mnist` into a temporary folder.
 *
 *   node dist/bench/data-feed.js [--backend native|js|cuda] [--rounds N] [--iters N] [--turn N] [--quick]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerConfig } from '../src/core/layer.js';
import { Net } from '../src/node/net.js';
import { Solver } from '../src/solver/solver.js';
import { loadMnist } from '../src/node/data/mnist.js';
import { createBackend, type BackendName } from '../src/node/backends.js';
import { lenetBody } from '../examples/mnist/lenet.js';
import { childArgs, median } from './measure.js';

const FEEDS = ['memory', 'hdf5', 'async-hdf5'] as const;
type Feed = (typeof FEEDS)[number];

const argv = process.argv.slice(2);
const flag = childArgs(argv).get;
const quick = argv.includes('--quick');
const backendName = flag('backend', 'native') as BackendName;
const batch = 64;

/** The data layer of one feed; HDF5 pixels are bytes, scaled like loadMnist's (1/256). */
function dataLayer(feed: Feed, dir: string): LayerConfig {
  const common = { name: 'train-data', tops: ['data', 'label'], batchSize: batch, shuffle: true };
  if (feed === 'memory') {
    const m = loadMnist();
    return { ...common, type: 'MemoryData', data: [{ values: m.train.images, shape: [m.train.count, ...m.shape] }, { values: m.train.labels, shape: [m.train.count] }] };
  }
  return {
    ...common,
    type: feed === 'hdf5' ? 'HDF5Data' : 'AsyncHDF5Data',
    source: join(dir, 'train.txt'),
    transformers: { data: [{ type: 'Scale', scale: 1 / 256 }] },
  };
}

/**
 * Child: one LeNet solver per feed, all in this process, trained in turns of `turn` iterations
 * (each turn in another feed order) until each has run `iters` after warm-up; prints
 * {"ips": {feed: images/s}} as its last line. Taking turns within one process puts every feed under
 * the same machine conditions, which drift on a shared VM by more than the effect measured; an
 * AsyncHDF5Data reader reads ahead while the other feeds train, as it would while its own net does.
 */
async function child(dir: string, iters: number, turn: number): Promise<void> {
  const backend = createBackend(backendName);
  const runs = FEEDS.map((feed) => {
    const net = new Net([dataLayer(feed, dir), ...lenetBody()], { backend, phase: 'train', seed: 1 });
    const solver = new Solver(net, {
      baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 2 ** 31 - 1,
    });
    for (let i = 0; i < 50; i++) solver.step();
    return { feed, net, solver, ms: 0, done: 0 };
  });
  backend.synchronize();
  for (let t = 0; runs.some((r) => r.done < iters); t++) {
    for (let i = 0; i < runs.length; i++) {
      const r = runs[(i + t) % runs.length];
      const n = Math.min(turn, iters - r.done);
      if (n <= 0) continue;
      const start = performance.now();
      for (let k = 0; k < n; k++) r.solver.step();
      backend.synchronize();
      r.ms += performance.now() - start;
      r.done += n;
    }
  }
  for (const r of runs) r.net.destroy();
  console.log(JSON.stringify({ ips: Object.fromEntries(runs.map((r) => [r.feed, (r.done * batch) / (r.ms / 1000)])) }));
}

function parent(): void {
  const rounds = Number(flag('rounds', quick ? '1' : '3'));
  const iters = Number(flag('iters', quick ? '200' : '2000'));
  const turn = Number(flag('turn', '100'));
  const dir = mkdtempSync(join(os.tmpdir(), 'cortado-feed-'));
  const here = fileURLToPath(import.meta.url);
  const cli = fileURLToPath(new URL('../src/node/cli/main.js', import.meta.url));
  try {
    const conv = spawnSync(process.execPath, [cli, 'convert', 'mnist', '--out', dir], { encoding: 'utf8' });
    if (conv.status !== 0) throw new Error(`cortado convert mnist failed: ${conv.stderr}`);
    const rates = new Map<Feed, number[]>(FEEDS.map((f) => [f, []]));
    for (let r = 0; r < rounds; r++) {
      const run = spawnSync(process.execPath, [here, '--child', '--dir', dir, '--iters', String(iters), '--turn', String(turn), '--backend', backendName], { encoding: 'utf8' });
      const line = run.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (run.status !== 0 || !line) throw new Error(`bench child failed (${run.status}): ${run.stderr}`);
      const { ips } = JSON.parse(line) as { ips: Record<Feed, number> };
      for (const feed of FEEDS) rates.get(feed)!.push(ips[feed]);
      console.log(`round ${r + 1}/${rounds}  ${FEEDS.map((f) => `${f} ${Math.round(ips[f]).toLocaleString('en-US')}`).join('  ')}  images/s`);
    }
    const base = median(rates.get('memory')!);
    const rows = FEEDS.map((f) => {
      const m = median(rates.get(f)!);
      return { feed: f, medianIps: m, ratioToMemory: m / base, all: rates.get(f)! };
    });
    console.log(`\nLeNet training, batch ${batch}, backend ${backendName}, ${iters} iterations per feed in turns of ${turn}, ${rounds} process(es), median images/s:`);
    for (const r of rows) console.log(`  ${r.feed.padEnd(10)} ${Math.round(r.medianIps).toLocaleString('en-US').padStart(8)}   ${r.ratioToMemory.toFixed(3)} x memory`);
    const out = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    const file = join(out, `feed-${new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), backend: backendName, batch, iters, turn, rounds, loadAverage: os.loadavg(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, rows }, null, 2) + '\n');
    console.log(`results written to ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (argv.includes('--child')) await child(flag('dir', ''), Number(flag('iters', '200')), Number(flag('turn', '100')));
else parent();
