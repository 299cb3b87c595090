import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { Net } from '../../src/node/net.js';
import { Random } from '../../src/core/random.js';
import { Solver, parseSolverConfig } from '../../src/solver/solver.js';
import type { Dataset } from '../../examples/mnist/lenet.js';
import { syntheticMnist } from '../../examples/mnist/lenet.js';
import { vae, vaeSolver } from '../../examples/vae/net.js';

/** Images with structure to learn: each is one of four random binary patterns. */
function patterns(count: number, seed = 4): Dataset {
  const rng = new Random(seed);
  const protos = new Float32Array(4 * 784);
  rng.fillUniform(protos);
  const images = new Float32Array(count * 784);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 784; j++) images[i * 784 + j] = protos[(i % 4) * 784 + j] < 0.3 ? 1 : 0;
  }
  return { images, labels: new Float32Array(count), count };
}

test('the VAE builds at full size: 784-500-(mu, sigma) 20, z = mu + sigma * eps, 20-500-784 sigmoid', () => {
  const data = syntheticMnist(200);
  const layers = vae({ train: data, test: data });
  for (const phase of ['train', 'test'] as const) {
    const s = new Net(layers, { backend: new JsBackend(), phase, seed: 1 }).toString();
    assert.match(s, /enc +InnerProduct +data\S* -> enc\[100, 500\]/);
    assert.match(s, /mu +InnerProduct +enc\S* -> mu\[100, 20\]/);
    assert.match(s, /sigma +InnerProduct +enc\S* -> sigma\[100, 20\]/);
    assert.match(s, /eps +RandomNormal +- -> eps\[100, 20\]/);
    assert.match(s, /sigma-eps +ElementWise +sigma\S*, eps -> sigma-eps\[100, 20\]/);
    assert.match(s, /z +ElementWise +mu\S*, sigma-eps -> z\[100, 20\]/);
    assert.match(s, /recon +InnerProduct +dec -> recon\[100, 784\]/);
    assert.match(s, /recon-loss +BinaryCrossEntropyLoss +recon, data\S* -> recon-loss\[1\]/);
    assert.match(s, /kl-loss +GaussianKLLoss +mu\S*, sigma\S* -> kl-loss\[1\]/);
  }
  const solver = parseSolverConfig(vaeSolver(100));
  assert.deepEqual([solver.method, solver.baseLr, solver.beta1, solver.beta2], ['Adam', 0.001, 0.9, 0.999]);
});

test('a few Adam steps of the (narrowed) VAE lower its negative ELBO on fixed noise', () => {
  const backend = new JsBackend();
  const data = patterns(40);
  const layers = vae({ train: data, test: data, batchSize: 20, hidden: 32, latent: 4 });
  const train = new Net(layers, { backend, phase: 'train', seed: 6 });
  // The same images and the same eps before and after training: a fresh random source each time.
  const evaluate = () => {
    const net = new Net(layers, { backend, phase: 'test', shareParamsWith: train, rng: new Random(9) });
    net.forward();
    const out = net.outputs();
    const total = net.loss();
    net.destroy();
    return { recon: out.get('recon-loss')!, kl: out.get('kl-loss')!, total };
  };
  const before = evaluate();
  assert.ok(before.recon > 0 && before.kl >= 0, JSON.stringify(before));
  const solver = new Solver(train, vaeSolver(80));
  for (let i = 0; i < 80; i++) solver.step();
  const after = evaluate();
  assert.ok(Number.isFinite(after.total));
  assert.ok(after.recon < 0.8 * before.recon, `reconstruction ${before.recon} -> ${after.recon}`);
  assert.ok(after.total < 0.8 * before.total, `negative ELBO ${before.total} -> ${after.total}`);
});
