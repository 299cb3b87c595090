/**
 * Target "cli": `cortado train | convert | plot | draw | summary | time | export | import` with
 * mutated arguments (import reads ONNX and Caffe files of a small net, a fifth of them cut short),
 * each in its own process (`--max-old-space-size` limited, time-limited). A process
 * that exits with a usage error or `cortado: <Cortado error>: ...` naming a flag or file is a
 * framework error; a stack trace or another error class is an other exception; a timeout a hang;
 * a signal a kill. Invalid by construction: a numeric flag given a non-number, a negative or
 * fractional count, unless `--help` is given too (it wins).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../src/backend/js/js-backend.js';
import type { LayerConfig } from '../src/core/layer.js';
import { exportCaffe } from '../src/io/caffe/index.js';
import { exportOnnx } from '../src/io/onnx/index.js';
import { Net } from '../src/net.js';
import { paramEntries } from '../src/node/snapshot.js';
import { FRAMEWORK_ERRORS, namesSomething, type CaseOutcome, type Validity } from './outcome.js';
import { mlp } from './net-defs.js';
import type { FuzzRng } from './random.js';
import type { CaseContext } from './targets.js';

const CLI = fileURLToPath(new URL('../src/node/cli/main.js', import.meta.url));
const TIME_LIMIT_MS = 15000;

const COUNT_FLAGS = ['--max-iter', '--iter-size', '--seed', '--summary-every', '--validate-every', '--snapshot-every', '--stepsize'];
const NUMBER_FLAGS = ['--base-lr', '--momentum', '--weight-decay', '--gamma', '--power', '--clip-gradients'];
const WORDS = ['--backend', '--method', '--regularization', '--lr-policy', '--init-from', '--output', '--stepvalues'];
const VALUES = ['', '-1', '0x10', '1e308', 'NaN', 'abc', '2.5', '1e3', '-0', '99999999999999999999', '/proc/x', '.', 'js', 'SGD', 'L1', 'decoupled', 'inv', '1,2', '#x'];

/** The other commands' flags: their own counts (integers >= 0 or 1), words and switches. */
const TOOL_COUNTS = ['--batch', '--iterations', '--warmup', '--max-batches'];
const TOOL_WORDS = ['--phase', '--format', '--weights', '--precision'];
const SWITCHES = ['--fresh', '--help', '--png', '--force', '--synthetic', '--json'];

/** A deploy form of the MLP (an Input layer, no loss), as the exports want it. */
function deploy(): unknown[] {
  const layers = mlp().filter((l) => !['MemoryData', 'SoftmaxLoss', 'Accuracy'].includes(String((l as { type: string }).type)));
  return [{ type: 'Input', name: 'data', tops: ['x'], shapes: [[4, 4]] }, ...layers, { type: 'Softmax', name: 'prob', bottoms: ['score'], tops: ['prob'] }];
}

/** The deploy MLP as ONNX and Caffe files (written once per folder), then `import` arguments for one of them, whole or cut. */
function importArgs(rng: FuzzRng, dir: string, out: string): string[] {
  const [onnx, prototxt, caffemodel] = ['mlp.onnx', 'mlp.prototxt', 'mlp.caffemodel'].map((f) => join(dir, f));
  if (!existsSync(caffemodel)) {
    const layers = deploy() as LayerConfig[];
    const net = new Net(layers, { backend: new JsBackend('float32'), phase: 'test', seed: 1 });
    try {
      writeFileSync(onnx, exportOnnx(net));
      const weights = paramEntries(net);
      const files = exportCaffe(layers, weights);
      writeFileSync(prototxt, files.prototxt);
      writeFileSync(caffemodel, files.caffemodel);
    } finally {
      net.destroy();
    }
  }
  const cut = (file: string) => {
    if (!rng.chance(0.2)) return file;
    const bytes = readFileSync(file);
    const to = join(dir, `cut-${basename(file)}`);
    writeFileSync(to, bytes.subarray(0, rng.int(0, bytes.length - 1)));
    return to;
  };
  if (rng.chance(0.5)) return ['import', 'onnx', cut(onnx), '--out', out];
  return ['import', 'caffe', cut(prototxt), ...(rng.chance(0.8) ? [cut(caffemodel)] : []), '--out', out];
}

function argv(rng: FuzzRng, dir: string): { args: string[]; validity: Validity } {
  const net = join(dir, 'net.json');
  writeFileSync(net, JSON.stringify({ seed: 1, solver: { baseLr: 0.1, maxIter: 4 }, layers: mlp() }));
  const deployNet = join(dir, 'deploy.json');
  writeFileSync(deployNet, JSON.stringify({ name: 'deploy', layers: deploy() }));
  const command = rng.pick(['train', 'train', 'train', 'convert', 'plot', 'bogus', 'draw', 'summary', 'time', 'export', 'import']);
  const out = join(dir, `out-${rng.int(0, 1e9)}`);
  const base: Record<string, string[]> = {
    train: ['train', net, '--backend', 'js', '--output', out],
    draw: ['draw', net, '--out', `${out}.svg`],
    summary: ['summary', net],
    time: ['time', net, '--backend', 'js', '--iterations', '1', '--warmup', '0'],
    export: ['export', rng.pick(['onnx', 'caffe']), deployNet, '--out', out],
    import: importArgs(rng, dir, out),
  };
  const args = base[command] ?? [command];
  const tool = command in base && command !== 'train';
  let validity: Validity = command === 'bogus' ? 'invalid' : 'unknown';
  // import takes only --out: other flags would stop every case before it reads the files.
  for (let k = command === 'import' ? rng.int(0, 1) : rng.int(1, 3); k > 0; k--) {
    const pool = command === 'import' ? ['--help', '--nope', 'extra.json', '--out']
      : tool ? [...TOOL_COUNTS, ...TOOL_WORDS, ...SWITCHES, '--nope', 'extra.json', '--out'] : [...COUNT_FLAGS, ...NUMBER_FLAGS, ...WORDS, '--fresh', '--help', '--nope', 'extra.json', 'mnist', 'images', '--out'];
    const flag = rng.pick(pool);
    const value = rng.pick(VALUES);
    args.push(flag);
    if (flag.startsWith('--') && !SWITCHES.includes(flag)) args.push(value);
    if (TOOL_COUNTS.includes(flag) && !/^\d+$/.test(value)) validity = 'invalid';
    if (flag === '--phase' && value !== 'train' && value !== 'test') validity = 'invalid';
    if (flag === '--nope') validity = 'invalid';
    if (COUNT_FLAGS.includes(flag) && !/^\d+$/.test(value)) validity = 'invalid';
    if (NUMBER_FLAGS.includes(flag) && !Number.isFinite(Number(value))) validity = 'invalid';
    if (NUMBER_FLAGS.includes(flag) && value === '') validity = 'invalid';
  }
  // --help prints the command's usage and exits 0 whatever else is given (as argparse does); an
  // unknown command is refused all the same.
  if (command !== 'bogus' && args.includes('--help')) validity = 'unknown';
  return { args, validity };
}

export async function cliCase(rng: FuzzRng, ctx: CaseContext): Promise<CaseOutcome> {
  const dir = join(ctx.dir, 'cli');
  mkdirSync(dir, { recursive: true });
  const { args, validity } = argv(rng, dir);
  const input = `cortado ${args.map((a) => JSON.stringify(a)).join(' ')}`;
  ctx.announce(input);
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', CLI, ...args], {
    cwd: dir, encoding: 'utf8', timeout: TIME_LIMIT_MS, killSignal: 'SIGKILL', env: { ...process.env, CORTADO_NO_CUDA: '1' },
  });
  const err = (r.stderr ?? '').trim();
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { cls: 'hang', input, detail: `no exit within ${TIME_LIMIT_MS} ms` };
  if (r.signal) return { cls: 'kill', input, detail: `killed by ${r.signal}: ${err.slice(-300)}` };
  if (r.status === 0) return validity === 'invalid' ? { cls: 'silent', input, detail: 'exit 0 for invalid arguments' } : { cls: 'ok', input, detail: '' };
  const line = err.split('\n').find((l) => l.startsWith('cortado')) ?? err.split('\n')[0] ?? '';
  const names = args.filter((a) => a !== '').concat(args.filter((a) => a.startsWith('--')).map((a) => a.slice(2)));
  const named = names.some((n) => line.includes(n));
  const kind = /^cortado[^:]*: (\w+): /.exec(line)?.[1];
  if (/^\s+at /m.test(err) || (kind !== undefined && !FRAMEWORK_ERRORS.includes(kind))) return { cls: 'other', input, detail: err.slice(0, 400) };
  return { cls: named || namesSomething(line, names) ? 'framework' : 'unnamed', input, detail: line.slice(0, 400) };
}
