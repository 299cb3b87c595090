/**
 * A variational auto-encoder on MNIST (Kingma and Welling's "Auto-Encoding Variational Bayes", as
 * Mocha's VAE example builds it from layers):
 *
 *   encoder  x (784) -> fc 500 + tanh -> mu (20)
 *                                     -> fc 20 + exp = sigma (20)   (the head learns log sigma)
 *   sample   eps ~ N(0, I) (RandomNormal);  z = mu + sigma * eps   (two ElementWise layers: the
 *            reparameterisation trick, so gradients reach mu and sigma)
 *   decoder  z -> fc 500 + tanh -> fc 784 + sigmoid = x̂, each pixel's Bernoulli mean
 *   loss     BinaryCrossEntropyLoss(x̂, x) + GaussianKLLoss(mu, sigma), both summed over the
 *            units and averaged over the batch: the negative evidence lower bound per image
 *
 * The pixels (grey levels in [0, 1)) serve directly as the Bernoulli targets.
 */
import type { LayerConfig } from '../../src/core/layer.js';
import type { SolverConfig } from '../../src/solver/solver.js';
import type { Dataset } from '../mnist/lenet.js';

export interface VaeOptions {
  /** Batch size of both phases (default 100). */
  batchSize?: number;
  /** Units of the encoder's and the decoder's hidden layer (default 500). */
  hidden?: number;
  /** Dimensions of the latent z (default 20). */
  latent?: number;
  /** Training images (required; labels are not used). */
  train: Dataset;
  /** Test images; when absent the net has no test-phase data layer. */
  test?: Dataset;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
}

export function vae(o: VaeOptions): LayerConfig[] {
  const batchSize = o.batchSize ?? 100;
  const layers: LayerConfig[] = [memoryData('train-data', o.train, batchSize, 'train', o.shuffle ?? true)];
  if (o.test) layers.push(memoryData('test-data', o.test, batchSize, 'test', false));
  return layers.concat(vaeBody(batchSize, o.hidden ?? 500, o.latent ?? 20));
}

/** Everything after the data layers, for batches of `batchSize` images in a blob named `data`. */
export function vaeBody(batchSize: number, hidden = 500, latent = 20): LayerConfig[] {
  return [
    { type: 'InnerProduct', name: 'enc', bottoms: ['data'], tops: ['enc'], numOutput: hidden, neuron: 'Tanh' },
    { type: 'InnerProduct', name: 'mu', bottoms: ['enc'], tops: ['mu'], numOutput: latent },
    { type: 'InnerProduct', name: 'sigma', bottoms: ['enc'], tops: ['sigma'], numOutput: latent, neuron: 'Exponential' },
    { type: 'RandomNormal', name: 'eps', tops: ['eps'], shapes: [[batchSize, latent]] },
    { type: 'ElementWise', name: 'sigma-eps', bottoms: ['sigma', 'eps'], tops: ['sigma-eps'], operation: 'multiply' },
    { type: 'ElementWise', name: 'z', bottoms: ['mu', 'sigma-eps'], tops: ['z'], operation: 'add' },
    { type: 'InnerProduct', name: 'dec', bottoms: ['z'], tops: ['dec'], numOutput: hidden, neuron: 'Tanh' },
    { type: 'InnerProduct', name: 'recon', bottoms: ['dec'], tops: ['recon'], numOutput: 784, neuron: 'Sigmoid' },
    { type: 'BinaryCrossEntropyLoss', name: 'recon-loss', bottoms: ['recon', 'data'], tops: ['recon-loss'] },
    { type: 'GaussianKLLoss', name: 'kl-loss', bottoms: ['mu', 'sigma'], tops: ['kl-loss'] },
  ];
}

/** Adam at Kingma and Ba's defaults (lr 0.001, beta1 0.9, beta2 0.999), no weight decay. */
export function vaeSolver(maxIter: number) {
  return { method: 'Adam', baseLr: 0.001, beta1: 0.9, beta2: 0.999, maxIter } satisfies SolverConfig;
}

function memoryData(name: string, d: Dataset, batchSize: number, phase: 'train' | 'test', shuffle: boolean): LayerConfig {
  return {
    type: 'MemoryData',
    name,
    tops: ['data'],
    batchSize,
    shuffle,
    data: [{ values: d.images, shape: [d.count, 784] }],
    include: { phase },
  };
}
