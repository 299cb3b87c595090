/**
 * The vision transformer of examples/mnist-vit (attention: MatMul, Softmax, LayerNorm, GELU)
 * trained beside the same net in PyTorch (bench/peers/pytorch_vit.py, 2 threads), and its
 * inference net beside onnxruntime running Cortado's ONNX export of it (bench/peers/onnx-vit.ts,
 * 2 threads). Each system runs in its own child process, in turn, for --rounds rounds (default
 * 3): training and inference images/s at batch 100 and each Cortado backend's ratio to PyTorch
 * (training) and to onnxruntime (inference) per round, then the median ratio.
 *
 *   node dist/bench/vit.js [--rounds 3] [--only native,wasm,pytorch,onnxruntime] [--quick] [--python PATH]
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { childArgs, median } from './measure.js';
import { runChild, type ChildCommand } from './child.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = fileURLToPath(new URL('./', import.meta.url));
const args = childArgs();
const rounds = Number(args.get('rounds', '3'));
const only = args.get('only', 'native,wasm,pytorch,onnxruntime').split(',');
const quick = args.quick ? ['--quick'] : [];
const python = [args.get('python'), '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
const hasOrt = (() => {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
})();

const systems: [string, ChildCommand | string][] = only.map((s) => {
  if (s === 'pytorch') return ['pytorch', python ? { file: python, args: ['bench/peers/pytorch_vit.py', '--threads', '2', ...quick] } : 'no python3 with torch (apt-get install python3-torch)'];
  if (s === 'onnxruntime') return ['onnxruntime', hasOrt ? { file: process.execPath, args: [`${dist}peers/onnx-vit.js`, '--threads', '2', ...quick] } : 'onnxruntime-node is not installed (npm install --no-save onnxruntime-node)'];
  return [`cortado-${s}`, { file: process.execPath, args: [`${dist}cortado-vit.js`, '--backend', s, ...quick] }];
});
const rates = new Map<string, { train: number[]; infer: number[] }>(systems.map(([name]) => [name, { train: [], infer: [] }]));
for (let r = 1; r <= rounds; r++) {
  for (const [name, cmd] of systems) {
    if (typeof cmd === 'string') continue;
    const out = runChild(`round ${r}: ${name}`, cmd, 600_000, root);
    if ('error' in out) {
      console.log(`  ${name} failed: ${out.error}`);
      continue;
    }
    const { trainIps, inferIps } = out.result as { trainIps?: number; inferIps?: number };
    const got = rates.get(name)!;
    got.train.push(trainIps ?? NaN);
    got.infer.push(inferIps ?? NaN);
  }
}
const cell = (xs: number[]) => (xs.every(Number.isNaN) ? '-' : `${xs.map((v) => v.toFixed(0)).join(' ')} (median ${median(xs).toFixed(0)})`);
for (const [kind, peer] of [['train', 'pytorch'], ['infer', 'onnxruntime']] as const) {
  console.log(`\nmnist-vit ${kind === 'train' ? 'training' : 'inference'}, images/s at batch 100 (each round; median)`);
  for (const [name, cmd] of systems) {
    const xs = rates.get(name)![kind];
    if (typeof cmd === 'string') console.log(`  ${name.padEnd(16)} ${cmd}`);
    else if (!xs.every(Number.isNaN)) console.log(`  ${name.padEnd(16)} ${cell(xs)}`);
  }
  const base = rates.get(peer)?.[kind] ?? [];
  for (const [name] of systems.filter(([n]) => n.startsWith('cortado-'))) {
    const ratios = rates.get(name)![kind].map((v, i) => v / base[i]!).filter(Number.isFinite);
    if (ratios.length) console.log(`  ${name} / ${peer}: ${ratios.map((v) => v.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)})`);
  }
}
