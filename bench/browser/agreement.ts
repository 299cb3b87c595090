/**
 * One LeNet forward and backward on a backend and on the js backend, from the same seed and batch:
 * the loss's and the parameter gradients' largest difference relative to the js values' largest
 * magnitude. Every Cortado browser row reports it (bench/browser/page.ts, webgpu-worker.ts).
 */
import { JsBackend, Net, type Backend } from '../../src/index.js';
import { lenet } from '../../examples/mnist/lenet.js';

export function agreementWithJs(backend: Backend, batch: number): { lossRelDiff: number; gradRelDiff: number; batch: number } {
  const run = (b: Backend) => {
    const net = new Net(lenet({ batchSize: batch }), { backend: b, phase: 'train', seed: 3 });
    net.clearParamDiffs();
    net.forward();
    net.backward();
    b.synchronize();
    const out = { loss: net.loss(), grads: net.params.map((q) => Float32Array.from(q.blob.readDiff())) };
    net.destroy();
    return out;
  };
  const mine = run(backend);
  const ref = run(new JsBackend('float32'));
  let diff = 0;
  let scale = 0;
  ref.grads.forEach((g, i) => g.forEach((v, j) => {
    diff = Math.max(diff, Math.abs(mine.grads[i]![j]! - v));
    scale = Math.max(scale, Math.abs(v));
  }));
  return { lossRelDiff: Math.abs(mine.loss - ref.loss) / Math.abs(ref.loss), gradRelDiff: diff / scale, batch };
}
