/** The CIFAR-10 child of npm run bench:big runs both nets and reports their figures and per-layer timing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetTiming } from '../../src/core/timing.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

for (const net of ['quick', 'full']) {
  test(`bench/cortado-cifar10 --net ${net} --smoke reports train, inference, latency and a timing table`, () => {
    const r = spawnSync(process.execPath, [join(root, 'dist/bench/cortado-cifar10.js'), '--backend', 'js', '--net', net, '--batch', '2', '--smoke'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(out.net, `cifar10-${net}`);
    assert.equal(out.batch, 2);
    for (const k of ['trainIps', 'inferIps', 'latencyMs', 'loss']) assert.ok(Number.isFinite(out[k]) && (out[k] as number) > 0, `${k}: ${out[k]}`);
    // Caffe's nets: quick has 145,578 parameters, full 89,578.
    assert.equal(out.params, net === 'quick' ? 145_578 : 89_578);
    const timing = out.timing as NetTiming;
    assert.equal(timing.batchSize, 2);
    assert.ok(timing.layers.some((l) => l.name === 'conv2' && l.backwardMs !== null));
    assert.ok(Math.abs(timing.layers.reduce((s, l) => s + l.share, 0) - 100) < 1e-6);
  });
}

// The PyTorch peer of the same rows (bench/peers/pytorch_cifar10.py), where Debian's python3-torch is installed.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
const cudaVisible = python !== undefined
  && spawnSync(python, ['-c', 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore' }).status === 0;
const peer = join(root, 'bench/peers/pytorch_cifar10.py');

for (const net of ['quick', 'full']) {
  test(`bench/peers/pytorch_cifar10.py --net ${net} --smoke builds Caffe's net and reports its figures`,
    { skip: python ? false : 'no python3 can import torch (apt-get install python3-torch)' }, () => {
      const r = spawnSync(python!, [peer, '--net', net, '--batch', '2', '--smoke', '--threads', '1'], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.equal(out.system, 'pytorch');
      assert.equal(out.batch, 2);
      assert.equal(out.params, net === 'quick' ? 145_578 : 89_578);
      for (const k of ['trainIps', 'inferIps', 'latencyMs']) assert.ok(Number.isFinite(out[k]) && (out[k] as number) > 0, `${k}: ${out[k]}`);
    });
}

test('bench/peers/pytorch_cifar10.py --device cuda without a CUDA device stops with a message, no figures',
  { skip: !python ? 'no python3 can import torch (apt-get install python3-torch)' : cudaVisible ? 'PyTorch sees a CUDA device here' : false }, () => {
    const r = spawnSync(python!, [peer, '--net', 'quick', '--batch', '2', '--smoke', '--device', 'cuda'], { cwd: root, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--device cuda, but torch\.cuda\.is_available\(\) is False/);
    assert.ok(!r.stdout.includes('{'), r.stdout);
  });
