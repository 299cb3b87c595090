/**
 * bench:vit's children: the Cortado transformer and its PyTorch twin run and hold the same number
 * of parameters; onnxruntime runs the inference net's ONNX export and agrees with Cortado on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { exportOnnx } from '../../src/io/onnx/index.js';
import type { InputLayer } from '../../src/layers/input.js';
import { Net } from '../../src/net.js';
import { vitInference } from '../../examples/mnist-vit/net.js';
import { loadOrt, ortMissing, runOrt } from '../io/onnx/helpers.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const ort = await loadOrt();
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

function lastJson(r: ReturnType<typeof spawnSync>): Record<string, unknown> {
  assert.equal(r.status, 0, String(r.stderr));
  return JSON.parse(String(r.stdout).trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const cortado = () => lastJson(spawnSync(process.execPath, [join(root, 'dist/bench/cortado-vit.js'), '--backend', 'js', '--batch', '2', '--smoke'],
  { cwd: root, encoding: 'utf8', env: { ...process.env, CORTADO_NO_CUDA: '1' } }));

test('bench/cortado-vit --smoke trains the transformer and runs its inference net, reporting images/s', () => {
  const ours = cortado();
  assert.equal(ours.net, 'mnist-vit');
  assert.equal(ours.batch, 2);
  assert.ok(Number.isFinite(ours.trainIps) && (ours.trainIps as number) > 0, `trainIps ${ours.trainIps}`);
  assert.ok(Number.isFinite(ours.inferIps) && (ours.inferIps as number) > 0, `inferIps ${ours.inferIps}`);
});

test('bench/peers/onnx-vit --smoke runs the inference net\'s export in onnxruntime; the export computes what Cortado does', { skip: ort ? false : ortMissing() }, async () => {
  const theirs = lastJson(spawnSync(process.execPath, [join(root, 'dist/bench/peers/onnx-vit.js'), '--batch', '2', '--smoke', '--threads', '1'], { cwd: root, encoding: 'utf8' }));
  assert.equal(theirs.system, 'onnxruntime');
  assert.ok((theirs.inferIps as number) > 0);
  // The same weights and images in both: the class probabilities agree.
  const net = new Net(vitInference(2), { backend: new JsBackend('float32'), phase: 'test', seed: 3 });
  const images = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 29) / 29);
  (net.layers.find((l) => l.type === 'Input') as InputLayer).feed('data', images);
  net.forward();
  const found = (await runOrt(exportOnnx(net), { data: { values: images, shape: [2, 784] } })).get('prob')!;
  const ours = net.blob('prob').read();
  assert.deepEqual(found.dims, [2, 10]);
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(found.data[i]! - ours[i]!) < 1e-5, `prob[${i}]: onnxruntime ${found.data[i]}, Cortado ${ours[i]}`);
  net.destroy();
});

test('bench/peers/pytorch_vit.py --smoke trains the same net: as many parameters as Cortado\'s', { skip: python ? false : 'no python3 with torch (apt-get install python3-torch)' }, () => {
  const theirs = lastJson(spawnSync(python!, [join(root, 'bench/peers/pytorch_vit.py'), '--batch', '2', '--smoke', '--threads', '1'], { cwd: root, encoding: 'utf8' }));
  assert.equal(theirs.params, cortado().params, 'the two nets differ');
  assert.ok((theirs.trainIps as number) > 0);
});
