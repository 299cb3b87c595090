/**
 * `npm run bench:big`: the big nets beside PyTorch, on the same machine in one run: Caffe's
 * CIFAR-10 quick and full (examples/cifar10, batch 100) and GoogLeNet (examples/imagenet, 224×224,
 * batch 16), float32, on the CPU or (cortado-cuda beside pytorch-cuda) a GPU; cortado-cuda-graphs
 * is cortado-cuda with each measured step run as one CUDA graph (the solver's cudaGraphs for
 * training; Backend.replayer for GoogLeNet's forward + backward and for forward passes);
 * cortado-cuda-fp16 and cortado-cuda-bf16 are cortado-cuda in mixed precision
 * (CORTADO_CUDA_PRECISION float16 / bfloat16), each also given as a ratio to cortado-cuda, and
 * compared with pytorch-cuda-fp16 / -bf16 (torch.autocast; GoogLeNet only) when those ran. Each (net, batch,
 * system) runs in its own child process, one after the other, with the protocol of measure.ts.
 * Prints one table (training and inference images/s at the batch, latency at batch 1, Cortado /
 * PyTorch ratios, each Cortado system against the PyTorch of its device), then where Cortado's time
 * goes: `cortado time`'s per-layer table of each train net (GoogLeNet's summed by layer type, with
 * its slowest layers). Results go to bench/results/big-nets-<date>.json.
 *
 *   node dist/bench/big-nets.js [--quick] [--smoke] [--nets cifar10-quick,cifar10-full,googlenet]
 *                               [--only cortado-native,pytorch] [--batches 64,256]
 *                               [--googlenet-batch N] [--tf32] [--python PATH]
 *
 * --batches runs every net at each batch size given (default: 100 for CIFAR-10, --googlenet-batch
 * or 16 for GoogLeNet). --tf32 lets cortado-cuda (CORTADO_CUDA_TF32=1) and pytorch-cuda use TF32
 * tensor cores; without it both compute in plain fp32.
 *
 * Training is an SGD step (forward, backward, update) for CIFAR-10 and forward + backward with
 * gradients zeroed for GoogLeNet (as `npm run bench:googlenet` measures it; the update of 13 M
 * parameters is under 1% of a step there).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { timingTable, type NetTiming } from '../src/core/timing.js';
import { childArgs } from './measure.js';
import { runChild, type ChildCommand } from './child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const argv = process.argv.slice(2);
const flag = childArgs(argv).get;
const fail = (message: string): never => {
  process.stderr.write(`bench:big: ${message}\n`);
  process.exit(2);
};
const protocolFlags = ['--quick', '--smoke'].filter((f) => argv.includes(f));
const tf32 = argv.includes('--tf32');
const googlenetBatch = flag('googlenet-batch', '16')!;
const positive = (what: string, v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) fail(`${what} must be a positive whole number, found "${v}"`);
  return v;
};
positive('--googlenet-batch', googlenetBatch);

// torch for every PyTorch row, torchvision also for GoogLeNet's.
const pythons = [flag('python'), '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
const canImport = (modules: string) => pythons.find((c) => spawnSync(c, ['-c', `import ${modules}`], { stdio: 'ignore', timeout: 120_000 }).status === 0);
const torchPython = canImport('torch');
const visionPython = torchPython && canImport('torch, torchvision');
const torchEnv = { ...process.env, OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined };
const noTorch = 'no python3 can import torch (apt-get install python3-torch)';
const noVision = 'no python3 can import torch and torchvision (apt-get install python3-torch python3-torchvision)';

type Command = ChildCommand | string;
const NETS: Record<string, { batch: string; run: (system: string, batch: string) => Command }> = {
  'cifar10-quick': { batch: '100', run: (s, b) => cifar(s, 'quick', b) },
  'cifar10-full': { batch: '100', run: (s, b) => cifar(s, 'full', b) },
  googlenet: {
    batch: googlenetBatch,
    run: (s, b) => isPytorch(s)
      ? visionPython ? pytorch(visionPython, s, ['bench/peers/pytorch_googlenet.py', '--batch', b]) : noVision
      : cortado(s, ['cortado-googlenet.js', '--batch', b, '--time-iterations', argv.includes('--smoke') ? '1' : '3']),
  },
};
const SYSTEMS = ['cortado-native', 'cortado-js', 'cortado-wasm', 'cortado-cuda', 'cortado-cuda-graphs', 'cortado-cuda-fp16', 'cortado-cuda-bf16',
  'pytorch', 'pytorch-cuda', 'pytorch-cuda-fp16', 'pytorch-cuda-bf16'];
/** The mixed-precision systems and their 16-bit type (CORTADO_CUDA_PRECISION; PyTorch's autocast, GoogLeNet only). */
const MIXED: Record<string, string> = { 'cortado-cuda-fp16': 'float16', 'cortado-cuda-bf16': 'bfloat16', 'pytorch-cuda-fp16': 'float16', 'pytorch-cuda-bf16': 'bfloat16' };
const isPytorch = (system: string) => system.startsWith('pytorch');
/**
 * The PyTorch row a Cortado system is compared with: the GPU's for cortado-cuda(-graphs), else the
 * CPU's; for a mixed-precision system, PyTorch's autocast to the same type when it ran.
 */
const peerOf = (system: string) => {
  if (!system.startsWith('cortado-cuda')) return 'pytorch';
  const amp = system.replace(/^cortado-/, 'pytorch-');
  return MIXED[system] && systems.includes(amp) ? amp : 'pytorch-cuda';
};
function pytorch(python: string, system: string, args: string[]): ChildCommand {
  const device = system.startsWith('pytorch-cuda') ? ['--device', 'cuda', ...(tf32 ? ['--tf32'] : []), ...(MIXED[system] ? ['--amp', MIXED[system]!] : [])] : [];
  return { file: python, args: [root + args[0], ...args.slice(1), ...device, ...protocolFlags], env: torchEnv };
}
function cortado(system: string, args: string[]): ChildCommand {
  const cuda = system.startsWith('cortado-cuda');
  const env = cuda ? { ...process.env, CORTADO_CUDA_TF32: tf32 ? '1' : '0', CORTADO_CUDA_PRECISION: MIXED[system] ?? 'float32' } : undefined;
  // cortado-cuda-graphs: the CUDA backend, each measured step (a training iteration, a forward pass) one CUDA graph.
  const backend = cuda ? ['--backend', 'cuda', ...(system === 'cortado-cuda-graphs' ? ['--cuda-graphs'] : [])] : ['--backend', system.replace(/^cortado-/, '')];
  return { file: process.execPath, args: [dist + args[0], ...backend, ...args.slice(1), ...protocolFlags], env };
}
function cifar(system: string, which: string, batch: string): Command {
  if (isPytorch(system) && MIXED[system]) return 'the PyTorch autocast peer is written for GoogLeNet only';
  if (isPytorch(system)) return torchPython ? pytorch(torchPython, system, ['bench/peers/pytorch_cifar10.py', '--net', which, '--batch', batch]) : noTorch;
  return cortado(system, ['cortado-cifar10.js', '--net', which, '--batch', batch]);
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const nets = list(flag('nets') ?? Object.keys(NETS).join(','));
const systems = list(flag('only') ?? 'cortado-native,pytorch');
const batches = flag('batches') === undefined ? undefined : list(flag('batches')!).map((b) => positive('--batches', b));
for (const n of nets) if (!NETS[n]) fail(`--nets: unknown net "${n}"; choose from ${Object.keys(NETS).join(', ')}`);
for (const s of systems) if (!SYSTEMS.includes(s)) fail(`--only: unknown system "${s}"; choose from ${SYSTEMS.join(', ')}`);
if (batches?.length === 0) fail('--batches names no batch size');

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown) => { const x = num(v); return x === undefined ? '-' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3); };
const trainOf = (r: Record<string, unknown>) => num(r.trainIps) ?? num(r.fwdbwdIps);
interface Outcome { net: string; batch: string; system: string; seconds?: number; result?: Record<string, unknown>; skipped?: string; error?: string }
const outcomes: Outcome[] = [];
const cases = nets.flatMap((net) => (batches ?? [NETS[net]!.batch]).map((batch) => ({ net, batch })));
for (const { net, batch } of cases) {
  for (const system of systems) {
    const cmd = NETS[net]!.run(system, batch);
    if (typeof cmd === 'string') {
      outcomes.push({ net, batch, system, skipped: cmd });
      continue;
    }
    const outcome = runChild(`bench:big: ${net} batch ${batch} ${system}`, cmd, 30 * 60_000, root);
    outcomes.push({ net, batch, system, ...outcome });
    // Each result as it comes, so that a run cut short still shows what it measured.
    if ('result' in outcome) {
      const r = outcome.result;
      process.stdout.write(`  train ${fmt(trainOf(r))} img/s, infer ${fmt(r.inferIps)} img/s, latency@1 ${fmt(r.latencyMs)} ms\n`);
    }
  }
}

const header = ['net', 'system', 'batch', 'train img/s', 'infer img/s', 'latency@1 ms'];
const rows: string[][] = [];
const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '-');
for (const { net, batch } of cases) {
  const here = outcomes.filter((o) => o.net === net && o.batch === batch);
  for (const o of here) {
    if (!o.result) rows.push([net, o.system, o.skipped ? `skipped: ${o.skipped}` : `failed: ${o.error}`]);
    else rows.push([net, o.system, String(o.result.batch ?? batch), fmt(trainOf(o.result)), fmt(o.result.inferIps), fmt(o.result.latencyMs)]);
  }
  for (const o of here) {
    const torch = here.find((t) => t.system === peerOf(o.system))?.result;
    if (!o.result || !torch || isPytorch(o.system)) continue;
    rows.push([net, `${o.system} / ${peerOf(o.system)}`, batch, ratio(trainOf(o.result), trainOf(torch)), ratio(num(o.result.inferIps), num(torch.inferIps)),
      ratio(num(torch.latencyMs), num(o.result.latencyMs)) + ' faster']);
  }
  // Mixed precision against the same system's float32 on the same card.
  for (const o of here) {
    const base = isPytorch(o.system) ? 'pytorch-cuda' : 'cortado-cuda';
    const fp32 = here.find((t) => t.system === base)?.result;
    if (!o.result || !fp32 || !MIXED[o.system]) continue;
    rows.push([net, `${o.system} / ${base}`, batch, ratio(trainOf(o.result), trainOf(fp32)), ratio(num(o.result.inferIps), num(fp32.inferIps)),
      ratio(num(fp32.latencyMs), num(o.result.latencyMs)) + ' faster']);
  }
}
const full = rows.filter((r) => r.length === header.length);
const widths = header.map((h, i) => Math.max(h.length, ...full.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.length < header.length
  ? `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]}`
  : cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const note = argv.includes('--smoke') ? ' (--smoke: one step each, not a measurement)' : argv.includes('--quick') ? ' (--quick: provisional)' : '';
const where = systems.some((x) => x.includes('-cuda')) ? (systems.every((x) => x.includes('-cuda')) ? 'GPU' : 'CPU and GPU') : 'CPU';
const precision = (tf32 && systems.some((x) => x.includes('-cuda')) ? 'float32 (TF32 tensor cores on the GPU)' : 'float32')
  + (systems.some((x) => MIXED[x]) ? ', -fp16 and -bf16 in mixed precision' : '');
process.stdout.write(`\nBig nets, ${precision}, ${where}${note}; train = SGD step (CIFAR-10), forward + backward (GoogLeNet)\n`
  + [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');

for (const o of outcomes) {
  const timing = o.result?.timing as NetTiming | undefined;
  if (!timing) continue;
  process.stdout.write(`\nWhere ${o.system}'s time goes: ${o.net}, batch ${o.batch}\n${timing.layers.length > 40 ? byType(timing) : timingTable(timing)}\n`);
}

/** A long net's timing summed by layer type (slowest first), then its ten slowest layers. */
function byType(t: NetTiming): string {
  const types = new Map<string, { n: number; fwd: number; bwd: number; share: number }>();
  for (const l of t.layers) {
    const e = types.get(l.type) ?? { n: 0, fwd: 0, bwd: 0, share: 0 };
    e.n++; e.fwd += l.forwardMs; e.bwd += l.backwardMs ?? 0; e.share += l.share;
    types.set(l.type, e);
  }
  const head = `${t.net} (${t.phase} phase, ${t.backend} backend, batch ${t.batchSize}): ${t.layers.length} layers, mean of ${t.iterations} iterations`;
  const typeRows = [...types].sort((a, b) => b[1].share - a[1].share)
    .map(([type, e]) => `  ${type.padEnd(14)} ${String(e.n).padStart(4)} layers  ${e.fwd.toFixed(1).padStart(9)} ms fwd  ${e.bwd.toFixed(1).padStart(9)} ms bwd  ${e.share.toFixed(1).padStart(5)}%`);
  const slowest = [...t.layers].sort((a, b) => b.share - a.share).slice(0, 10)
    .map((l) => `  ${l.name.padEnd(28)} ${l.type.padEnd(14)} ${l.forwardMs.toFixed(1).padStart(9)} ms fwd  ${(l.backwardMs ?? 0).toFixed(1).padStart(9)} ms bwd  ${l.share.toFixed(1).padStart(5)}%`);
  return [head, 'by type:', ...typeRows, 'slowest layers:', ...slowest,
    `total ${t.forwardMs.toFixed(1)} ms forward, ${t.backwardMs.toFixed(1)} ms backward; iteration timed whole ${t.iterationMs.toFixed(1)} ms (${t.imagesPerSecond.toFixed(1)} images/s)`].join('\n');
}

const now = new Date();
const file = `${root}bench/results/big-nets-${now.toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}.json`;
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${file}.tmp`, JSON.stringify({
  date: now.toISOString(), flags: argv, loadAverage: os.loadavg(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
  outcomes,
}, null, 2) + '\n');
renameSync(`${file}.tmp`, file);
process.stdout.write(`bench:big: results written to ${file}\n`);
