/**
 * `npm run bench`: Cortado against its peers on Caffe's MNIST LeNet (batch 64) and SGEMM, all
 * measured in this one run, each system in its own child process, one after the other, so that
 * none disturbs another. Prints one table with the ratios, and writes bench/results/<date>.json.
 *
 *   node dist/bench/run.js [--quick] [--only cortado,torch,tfjs,onnx,...] [--python PATH] [--rounds N]
 *
 * Systems (--only takes these names, or the groups cortado, tfjs, torch, onnx, memory):
 *   cortado-js, cortado-native, cortado-wasm   Cortado's backends (cortado-cuda when named
 *                                explicitly); wasm is the WebAssembly SIMD backend, one thread, in Node
 *   cortado-wasm-threads         the wasm backend with one thread per core (worker_threads)
 *   cortado-native-1t            the native backend on one thread (CORTADO_NUM_THREADS=1)
 *   memory-js, memory-native     RSS of a long Cortado training run, and whether it grows
 *   pytorch                      Debian's python3-torch, 2 threads, OpenBLAS (scripts/setup-bench.sh)
 *   tfjs-cpu, tfjs-wasm          @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm (inference only)
 *   onnxruntime                  onnxruntime-node, CPU provider (inference only)
 *   browser-*                    headless Chromium (bench/browser/): Cortado js and wasm beside
 *                                TF.js cpu, wasm and webgl in the same browser, one row each
 *                                (bench/browser/rows.ts); group `browser`
 * --rounds N runs the chosen systems N times in turn (the memory rows once) and ends with each
 * ratio's median over the rounds, lowest and highest: on a machine whose speed drifts over minutes
 * a ratio within one round compares neighbours in time, and the median of several is the figure to
 * quote. A system that is not installed is listed as skipped, with what to install. Node children run
 * with this node's own options: `node --experimental-wasm-relaxed-simd dist/bench/run.js` on Node 20
 * measures the wasm backend's relaxed SIMD builds, which Node 22 on and Chromium load by default
 * (the notes say which build each wasm row ran).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { absentPackages } from './packages.js';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { MEMORY_NODE_FLAGS, childArgs, protocol } from './measure.js';
import { runChild } from './child.js';
import { formatReport, formatRounds, type Outcome } from './report.js';
import { BROWSER_ROWS, browserRowMissing } from './browser/rows.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const argv = process.argv.slice(2);

const USAGE = `usage: node dist/bench/run.js [--quick] [--only SYSTEMS] [--python PATH] [--rounds N]
  --quick           shorter measurements (a smoke run, not figures to quote)
  --only SYSTEMS    comma-separated systems or groups (cortado, tfjs, torch, onnx, memory, browser);
                    every system when absent
  --python PATH     the Python that imports torch (else Debian's /usr/bin/python3, then python3)
  --rounds N        run the chosen systems N times in turn and end with each ratio's median
See bench/README.md for the systems and what each row measures.`;
// A mistyped option would otherwise be ignored and start the whole bench, minutes of it.
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--help' || a === '-h') {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  if (a === '--quick') continue;
  if (a === '--only' || a === '--python' || a === '--rounds') {
    if (++i >= argv.length || argv[i].startsWith('--')) {
      process.stderr.write(`bench: ${a} needs a value\n${USAGE}\n`);
      process.exit(2);
    }
    continue;
  }
  process.stderr.write(`bench: unknown argument "${a}"\n${USAGE}\n`);
  process.exit(2);
}
const flag = childArgs(argv).get;
const quick = argv.includes('--quick');

interface Task {
  id: string;
  /** Why it cannot run here, checked before spawning. */
  missing?: () => string | undefined;
  command: () => { file: string; args: string[]; env?: NodeJS.ProcessEnv };
}

// SGEMM sizes of native and PyTorch, the two BLAS-class rows (issue 14 compares them up to 4096;
// the others stop at 2048, where js already takes seconds per product).
const BIG_GEMM = '128,512,2048,4096';
/** A compiled bench script under dist/bench, run by this same node with its options. */
const node = (script: string, args: string[], nodeFlags: string[] = []) => () => ({
  file: process.execPath,
  args: [...process.execArgv, ...nodeFlags, dist + script, ...args, ...(quick ? ['--quick'] : [])],
});

const npmPeer = (...pkgs: string[]) => () => {
  const absent = absentPackages(pkgs);
  return absent.length ? `npm package ${absent.join(', ')} not installed (see scripts/setup-bench.sh)` : undefined;
};

let python: string | undefined | null = null;
/** The first Python that can import torch: --python, then Debian's, then the one on PATH. */
function findPython(): string | undefined {
  if (python !== null) return python;
  const candidates = [flag('python'), '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  python = candidates.find((c) => spawnSync(c, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0);
  return python;
}

/** The peer's OpenBLAS must pick its own kernels: the machine's overrides are dropped for it alone. */
function torchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

const tasks: Task[] = [
  { id: 'cortado-js', command: node('cortado-lenet.js', ['--backend', 'js']) },
  { id: 'cortado-native', command: node('cortado-lenet.js', ['--backend', 'native', '--gemm', BIG_GEMM]) },
  { id: 'cortado-native-1t', command: () => ({ ...node('cortado-lenet.js', ['--backend', 'native'])(), env: { ...process.env, CORTADO_NUM_THREADS: '1' } }) },
  { id: 'cortado-wasm', command: node('cortado-lenet.js', ['--backend', 'wasm']) },
  { id: 'cortado-wasm-threads', command: node('cortado-lenet.js', ['--backend', 'wasm', '--threads', String(os.availableParallelism())]) },
  { id: 'cortado-cuda', command: node('cortado-lenet.js', ['--backend', 'cuda']) },
  // The young generation pinned at 16 MiB, as in memory-long.ts: V8 sizes it by the allocation
  // rate, which moves RSS by tens of MiB with no leak.
  { id: 'memory-js', command: node('cortado-lenet.js', ['--backend', 'js', '--mode', 'memory'], MEMORY_NODE_FLAGS) },
  { id: 'memory-native', command: node('cortado-lenet.js', ['--backend', 'native', '--mode', 'memory'], MEMORY_NODE_FLAGS) },
  {
    id: 'pytorch',
    missing: () => (findPython() ? undefined : 'no python3 can import torch (apt-get install python3-torch libopenblas0-pthread, or scripts/setup-bench.sh)'),
    command: () => ({ file: findPython()!, args: [root + 'bench/peers/pytorch_lenet.py', '--gemm', BIG_GEMM, ...(quick ? ['--quick'] : [])], env: torchEnv() }),
  },
  { id: 'tfjs-cpu', missing: npmPeer('@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'), command: node('peers/tfjs-lenet.js', ['--backend', 'cpu']) },
  { id: 'tfjs-wasm', missing: npmPeer('@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'), command: node('peers/tfjs-lenet.js', ['--backend', 'wasm']) },
  { id: 'onnxruntime', missing: npmPeer('onnxruntime-node'), command: node('peers/onnx-lenet.js', []) },
  ...BROWSER_ROWS.map((row): Task => ({ id: row.id, missing: () => browserRowMissing(row), command: node('browser/run.js', ['--row', row.id]) })),
];

const GROUPS: Record<string, string[]> = {
  cortado: ['cortado-js', 'cortado-native', 'cortado-native-1t', 'cortado-wasm', 'cortado-wasm-threads', 'memory-js', 'memory-native'],
  memory: ['memory-js', 'memory-native'],
  torch: ['pytorch'],
  tfjs: ['tfjs-cpu', 'tfjs-wasm'],
  onnx: ['onnxruntime'],
  browser: BROWSER_ROWS.map((r) => r.id),
};
const DEFAULT = tasks.map((t) => t.id).filter((id) => id !== 'cortado-cuda');

function selected(): Task[] {
  const only = flag('only');
  if (!only) return tasks.filter((t) => DEFAULT.includes(t.id));
  const ids = new Set<string>();
  for (const name of only.split(',').map((s) => s.trim()).filter(Boolean)) {
    const group = GROUPS[name] ?? (tasks.some((t) => t.id === name) ? [name] : undefined);
    if (!group) {
      process.stderr.write(`bench: --only: unknown system "${name}"; choose from ${[...Object.keys(GROUPS), ...tasks.map((t) => t.id)].join(', ')}\n`);
      process.exit(2);
    }
    group.forEach((id) => ids.add(id));
  }
  return tasks.filter((t) => ids.has(t.id));
}

/** Runs one child and reads the last JSON line of its stdout. */
function runTask(t: Task): Outcome {
  const why = t.missing?.();
  if (why) return { id: t.id, skipped: why };
  return { id: t.id, ...runChild(`bench: ${t.id}`, t.command(), (quick ? 6 : 20) * 60_000, root) };
}

const chosen = selected();
const roundsArg = flag('rounds') ?? '1';
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`bench: --rounds must be a whole number of at least 1, found "${roundsArg}"\n`);
  process.exit(2);
}
const [load] = os.loadavg();
if (load > 0.5) {
  process.stdout.write(`bench: warning: load average ${load.toFixed(2)} on ${os.cpus().length} cores; other processes will skew these numbers\n`);
}
const byRound: Outcome[][] = [];
for (let r = 0; r < rounds; r++) {
  if (rounds > 1) process.stdout.write(`bench: round ${r + 1} of ${rounds}\n`);
  // A memory row measures growth over a long run, not speed: once is enough.
  const outcomes = chosen.filter((t) => r === 0 || !t.id.startsWith('memory-')).map(runTask);
  byRound.push(outcomes);
  process.stdout.write('\n' + formatReport(outcomes, { quick }) + '\n\n');
}
const summary = rounds > 1 ? formatRounds(byRound) : '';
if (summary) process.stdout.write(summary + '\n\n');

const now = new Date();
const file = `${root}bench/results/${now.toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}.json`;
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(file, JSON.stringify({
  date: now.toISOString(),
  quick,
  loadAverage: os.loadavg(),
  protocol: protocol(quick),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: os.totalmem() / 2 ** 30, node: process.version, platform: `${os.platform()} ${os.release()}` },
  rounds,
  outcomes: byRound.flatMap((outcomes, round) => outcomes.map((o) => ({ round, ...o }))),
}, null, 2) + '\n');
process.stdout.write(`bench: results written to ${file}\n`);
