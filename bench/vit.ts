/**
 * The vision transformer of examples/mnist-vit (attention: MatMul, Softmax, LayerNorm, GELU)
 * trained beside the same net in PyTorch (bench/peers/pytorch_vit.py, 2 threads), each system in
 * its own child process, in turn, for --rounds rounds (default 3): training images/s at batch 100
 * and each Cortado backend's ratio to PyTorch per round, then the median ratio.
 *
 *   node dist/bench/vit.js [--rounds 3] [--only native,wasm,pytorch] [--quick] [--python PATH]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childArgs, median } from './measure.js';
import { runChild, type ChildCommand } from './child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const args = childArgs();
const rounds = Number(args.get('rounds', '3'));
const only = args.get('only', 'native,wasm,pytorch').split(',');
const quick = args.quick ? ['--quick'] : [];
const python = [args.get('python'), '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

const systems: [string, ChildCommand | string][] = only.map((s) => {
  if (s !== 'pytorch') return [`cortado-${s}`, { file: process.execPath, args: [`${dist}cortado-vit.js`, '--backend', s, ...quick] }];
  return ['pytorch', python ? { file: python, args: ['bench/peers/pytorch_vit.py', '--threads', '2', ...quick] } : 'no python3 with torch (apt-get install python3-torch)'];
});
const rates = new Map<string, number[]>(systems.map(([name]) => [name, []]));
for (let r = 1; r <= rounds; r++) {
  for (const [name, cmd] of systems) {
    if (typeof cmd === 'string') continue;
    const out = runChild(`round ${r}: ${name}`, cmd, 600_000, root);
    if ('error' in out) console.log(`  ${name} failed: ${out.error}`);
    else rates.get(name)!.push(out.result.trainIps as number);
  }
}
console.log('\nmnist-vit training, images/s at batch 100 (each round; median)');
for (const [name, cmd] of systems) {
  const xs = rates.get(name)!;
  console.log(`  ${name.padEnd(16)} ${typeof cmd === 'string' ? cmd : `${xs.map((v) => v.toFixed(0)).join(' ')} (median ${xs.length ? median(xs).toFixed(0) : '-'})`}`);
}
const torch = rates.get('pytorch') ?? [];
for (const [name] of systems.filter(([n]) => n !== 'pytorch')) {
  const xs = rates.get(name)!;
  const ratios = xs.map((v, i) => v / torch[i]).filter(Number.isFinite);
  if (ratios.length) console.log(`  ${name} / pytorch: ${ratios.map((v) => v.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`);
}
