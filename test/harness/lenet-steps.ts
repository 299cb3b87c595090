/**
 * Three training iterations of LeNet (batch 4, Net + Solver with the tutorial's SGD) on a backend
 * and on JsBackend float32: the losses within 1e-4 (relative, above 1) and conv2's weights within
 * 1e-5. The device backends' whole-stack check (the CUDA emulator, webgpu).
 */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/net.js';
import { Solver } from '../../src/solver/solver.js';
import { lenet } from '../../examples/mnist/lenet.js';

function run(backend: Backend): { losses: number[]; weights: Float64Array } {
  const net = new Net(lenet({ batchSize: 4 }), { backend, phase: 'train', seed: 3 });
  const solver = new Solver(net, { baseLr: 0.01, momentum: 0.9, weightDecay: 5e-4, lrPolicy: { type: 'inv', gamma: 1e-4, power: 0.75 }, maxIter: 3 });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    solver.step();
    losses.push(net.loss());
  }
  const weights = Float64Array.from(net.layer('conv2').params[0].blob.read());
  net.destroy();
  return { losses, weights };
}

export function assertLenetTrainsAsOnJs(backend: Backend): void {
  const gpu = run(backend);
  const ref = run(new JsBackend('float32'));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(gpu.losses[i] - ref.losses[i]) < 1e-4 * Math.max(1, ref.losses[i]), `loss ${i}: ${gpu.losses[i]} vs ${ref.losses[i]}`);
  let worst = 0;
  for (let i = 0; i < ref.weights.length; i++) worst = Math.max(worst, Math.abs(gpu.weights[i] - ref.weights[i]));
  assert.ok(worst < 1e-5, `conv2 weights differ by up to ${worst}`);
}
