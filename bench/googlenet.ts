/**
 * `npm run bench:googlenet`: GoogLeNet (224×224, float32, CPU) in Cortado beside torchvision's
 * GoogLeNet in PyTorch, on the same machine, each in its own child process, one after the other.
 * Prints a table (images/s of forward + backward and of inference at --batch N, latency at batch
 * 1) and writes bench/results/googlenet-<date>.json.
 *
 *   node dist/bench/googlenet.js [--batch N] [--quick] [--smoke] [--only cortado-native,pytorch,...] [--python PATH]
 *
 * Systems: cortado-native and pytorch by default; cortado-js (minutes per figure) and
 * cortado-cuda when named. --smoke runs one step of each figure: a check that everything runs,
 * whose numbers mean nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { childArgs } from './measure.js';
import { runChild } from './child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const argv = process.argv.slice(2);
const flag = childArgs(argv).get;
const batch = flag('batch', '16')!;
if (!/^\d+$/.test(batch) || Number(batch) < 1) {
  process.stderr.write(`bench:googlenet: --batch must be a positive whole number, found "${batch}"\n`);
  process.exit(2);
}
const passed = ['--batch', batch, ...['--quick', '--smoke'].filter((f) => argv.includes(f))];

const python = [flag('python'), '/usr/bin/python3', 'python3'].filter((c): c is string => !!c)
  .find((c) => spawnSync(c, ['-c', 'import torch, torchvision'], { stdio: 'ignore', timeout: 120_000 }).status === 0);
const torchEnv = { ...process.env, OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined };

const cortado = (backend: string) => ({ file: process.execPath, args: [dist + 'cortado-googlenet.js', '--backend', backend, ...passed] });
const SYSTEMS: Record<string, () => { file: string; args: string[]; env?: NodeJS.ProcessEnv } | string> = {
  'cortado-native': () => cortado('native'),
  'cortado-js': () => cortado('js'),
  'cortado-cuda': () => cortado('cuda'),
  pytorch: () => python ? { file: python, args: [root + 'bench/peers/pytorch_googlenet.py', ...passed], env: torchEnv } : 'no python3 can import torch and torchvision (apt-get install python3-torch python3-torchvision)',
};
const only = (flag('only') ?? 'cortado-native,pytorch').split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((s) => !SYSTEMS[s]);
if (unknown.length) {
  process.stderr.write(`bench:googlenet: --only: unknown system "${unknown[0]}"; choose from ${Object.keys(SYSTEMS).join(', ')}\n`);
  process.exit(2);
}

const outcomes = only.map((id) => {
  const cmd = SYSTEMS[id]();
  if (typeof cmd === 'string') return { id, skipped: cmd };
  return { id, ...runChild(`bench:googlenet: ${id}`, cmd, 60 * 60_000, root) };
});

const fmt = (v: unknown) => (typeof v !== 'number' ? '-' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const rows = outcomes.map((o) => 'result' in o && o.result
  ? [o.id, fmt(o.result.fwdbwdIps), fmt(o.result.inferIps), fmt(o.result.latencyMs), String(o.result.threads ?? '-'), String(o.result.version ?? '-')]
  : [o.id, 'skipped' in o ? `skipped: ${o.skipped}` : `failed: ${(o as { error: string }).error}`, '', '', '', '']);
const header = ['system', 'fwd+bwd img/s', 'infer img/s', 'latency@1 ms', 'threads', 'version'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r[2] !== '').map((r) => r[i].length)));
const line = (cells: string[]) => cells[2] === '' && cells[1] ? `${cells[0].padEnd(widths[0])}  ${cells[1]}` : cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
const smoke = argv.includes('--smoke') ? ' (--smoke: one step each, not a measurement)' : argv.includes('--quick') ? ' (--quick: provisional)' : '';
process.stdout.write(`\nGoogLeNet 224×224, float32, CPU, batch ${batch}${smoke}\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);

const now = new Date();
const file = `${root}bench/results/googlenet-${now.toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}.json`;
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(file, JSON.stringify({
  date: now.toISOString(), batch: Number(batch), flags: passed, loadAverage: os.loadavg(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
  outcomes,
}, null, 2) + '\n');
process.stdout.write(`bench:googlenet: results written to ${file}\n`);
