/** bench:vit's children: the Cortado transformer and its PyTorch twin run, and hold the same number of parameters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

function lastJson(r: ReturnType<typeof spawnSync>): Record<string, unknown> {
  assert.equal(r.status, 0, String(r.stderr));
  return JSON.parse(String(r.stdout).trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const cortado = () => lastJson(spawnSync(process.execPath, [join(root, 'dist/bench/cortado-vit.js'), '--backend', 'js', '--batch', '2', '--smoke'],
  { cwd: root, encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1' } }));

test('bench/cortado-vit --smoke trains the transformer and reports images/s', () => {
  const ours = cortado();
  assert.equal(ours.net, 'mnist-vit');
  assert.equal(ours.batch, 2);
  assert.ok(Number.isFinite(ours.trainIps) && (ours.trainIps as number) > 0, `trainIps ${ours.trainIps}`);
});

test('bench/peers/pytorch_vit.py --smoke trains the same net: as many parameters as Cortado\'s', { skip: python ? false : 'no python3 with torch (apt-get install python3-torch)' }, () => {
  const theirs = lastJson(spawnSync(python!, [join(root, 'bench/peers/pytorch_vit.py'), '--batch', '2', '--smoke', '--threads', '1'], { cwd: root, encoding: 'utf8' }));
  assert.equal(theirs.params, cortado().params, 'the two nets differ');
  assert.ok((theirs.trainIps as number) > 0);
});
