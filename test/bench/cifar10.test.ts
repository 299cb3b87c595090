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
