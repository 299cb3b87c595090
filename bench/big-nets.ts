/**
 * `npm run bench:big`: the big nets beside PyTorch, on the same machine in one run: Caffe's
 * CIFAR-10 quick and full (examples/cifar10, batch 100) and GoogLeNet (examples/imagenet, 224×224,
 * batch 16), float32, CPU. Each (net, system) runs in its own child process, one after the other,
 * with the protocol of measure.ts. Prints one table (training and inference images/s at the batch,
 * latency at batch 1, Cortado / PyTorch ratios), then where Cortado's time goes: `cortado time`'s
 * per-layer table of each train net (GoogLeNet's summed by layer type, with its slowest layers).
 * Results go to bench/results/big-nets-<date>.json.
 *
 *   node dist/bench/big-nets.js [--quick] [--smoke] [--nets cifar10-quick,cifar10-full,googlenet]
 *                               [--only cortado-native,pytorch] [--googlenet-batch N] [--python PATH]
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
import { runChild } from './child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const argv = process.argv.slice(2);
const flag = childArgs(argv).get;
const fail = (message: string): never => {
  process.stderr.write(`bench:big: ${message}\n`);
  process.exit(2);
};
const protocolFlags = ['--quick', '--smoke'].filter((f) => argv.includes(f));
const googlenetBatch = flag('googlenet-batch', '16')!;
if (!/^\d+$/.test(googlenetBatch) || Number(googlenetBatch) < 1) fail(`--googlenet-batch must be a positive whole number, found "${googlenetBatch}"`);

const python = [flag('python'), '/usr/bin/python3', 'python3'].filter((c): c is string => !!c)
  .find((c) => spawnSync(c, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 120_000 }).status === 0);
const torchEnv = { ...process.env, OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined };
const noTorch = 'no python3 can import torch and torchvision (apt-get install python3-torch python3-torchvision)';

type Command = { file: string; args: string[]; env?: NodeJS.ProcessEnv } | string;
const NETS: Record<string, { batch: string; run: (system: string) => Command }> = {
  'cifar10-quick': { batch: '100', run: (s) => cifar(s, 'quick') },
  'cifar10-full': { batch: '100', run: (s) => cifar(s, 'full') },
  googlenet: {
    batch: googlenetBatch,
    run: (s) => s === 'pytorch'
      ? python ? { file: python, args: [root + 'bench/peers/pytorch_googlenet.py', '--batch', googlenetBatch, ...protocolFlags], env: torchEnv } : noTorch
      : { file: process.execPath, args: [dist + 'cortado-googlenet.js', '--backend', backendOf(s), '--batch', googlenetBatch, '--time-iterations', argv.includes('--smoke') ? '1' : '3', ...protocolFlags] },
  },
};
const SYSTEMS = ['cortado-native', 'cortado-js', 'cortado-wasm', 'cortado-cuda', 'pytorch'];
function backendOf(system: string): string {
  return system.replace(/^cortado-/, '');
}
function cifar(system: string, which: string): Command {
  if (system === 'pytorch') return python ? { file: python, args: [root + 'bench/peers/pytorch_cifar10.py', '--net', which, ...protocolFlags], env: torchEnv } : noTorch;
  return { file: process.execPath, args: [dist + 'cortado-cifar10.js', '--backend', backendOf(system), '--net', which, ...protocolFlags] };
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const nets = list(flag('nets') ?? Object.keys(NETS).join(','));
const systems = list(flag('only') ?? 'cortado-native,pytorch');
for (const n of nets) if (!NETS[n]) fail(`--nets: unknown net "${n}"; choose from ${Object.keys(NETS).join(', ')}`);
for (const s of systems) if (!SYSTEMS.includes(s)) fail(`--only: unknown system "${s}"; choose from ${SYSTEMS.join(', ')}`);

interface Outcome { net: string; system: string; seconds?: number; result?: Record<string, unknown>; skipped?: string; error?: string }
const outcomes: Outcome[] = [];
for (const net of nets) {
  for (const system of systems) {
    const cmd = NETS[net]!.run(system);
    if (typeof cmd === 'string') {
      outcomes.push({ net, system, skipped: cmd });
      continue;
    }
    outcomes.push({ net, system, ...runChild(`bench:big: ${net} ${system}`, cmd, 30 * 60_000, root) });
  }
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fmt = (v: unknown) => { const x = num(v); return x === undefined ? '-' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3); };
const trainOf = (r: Record<string, unknown>) => num(r.trainIps) ?? num(r.fwdbwdIps);
const header = ['net', 'system', 'batch', 'train img/s', 'infer img/s', 'latency@1 ms'];
const rows: string[][] = [];
for (const net of nets) {
  const here = outcomes.filter((o) => o.net === net);
  for (const o of here) {
    if (!o.result) rows.push([net, o.system, o.skipped ? `skipped: ${o.skipped}` : `failed: ${o.error}`]);
    else rows.push([net, o.system, String(o.result.batch ?? NETS[net]!.batch), fmt(trainOf(o.result)), fmt(o.result.inferIps), fmt(o.result.latencyMs)]);
  }
  const torch = here.find((o) => o.system === 'pytorch')?.result;
  for (const o of here) {
    if (!o.result || !torch || o.system === 'pytorch') continue;
    const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '-');
    rows.push([net, `${o.system} / pytorch`, '', ratio(trainOf(o.result), trainOf(torch)), ratio(num(o.result.inferIps), num(torch.inferIps)),
      ratio(num(torch.latencyMs), num(o.result.latencyMs)) + ' faster']);
  }
}
const full = rows.filter((r) => r.length === header.length);
const widths = header.map((h, i) => Math.max(h.length, ...full.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.length < header.length
  ? `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]}`
  : cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const note = argv.includes('--smoke') ? ' (--smoke: one step each, not a measurement)' : argv.includes('--quick') ? ' (--quick: provisional)' : '';
process.stdout.write(`\nBig nets, float32, CPU${note}; train = SGD step (CIFAR-10), forward + backward (GoogLeNet)\n`
  + [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n');

for (const o of outcomes) {
  const timing = o.result?.timing as NetTiming | undefined;
  if (!timing) continue;
  process.stdout.write(`\nWhere ${o.system}'s time goes: ${o.net}\n${timing.layers.length > 40 ? byType(timing) : timingTable(timing)}\n`);
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
