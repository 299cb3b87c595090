/**
 * The demo's trained weights on the page: a deploy net (the LeNet definition with its data layer
 * replaced by an Input, src/core/deploy.ts) that holds them and classifies. Their bytes as a
 * weights file come from `cortado/weights-bytes` (the layout of Node's saveWeights, so Node's
 * loadWeights reads a downloaded file), which page.ts imports only when a weights button needs
 * it: its HDF5 library (h5wasm, with its WebAssembly) is several MiB. ./store.ts keeps a copy in
 * IndexedDB.
 */
import { JsBackend, Net, deployDefinition } from '../../src/index.js';
import type { TrainerResult } from '../../src/index.js';
import { lenet, syntheticMnist } from '../mnist/lenet.js';

/** LeNet for inference on the page (batch 16), with no weights set yet. */
export function deployNet(): Net {
  return new Net(deployDefinition(lenet({ train: syntheticMnist(1) }), { batchSize: 16 }), { backend: new JsBackend('float32'), phase: 'test', name: 'deploy' });
}

/** A deploy net holding the weights a TrainerWorker run ended with. */
export function trainedNet(weights: TrainerResult['weights']): Net {
  const net = deployNet();
  for (const p of net.params) {
    const w = weights.get(p.key);
    if (!w) throw new Error(`browser-mnist: the trained weights have no parameter "${p.key}"`);
    p.blob.write(w.values);
  }
  return net;
}

/** The class scores (ip2) of `net` for `images` (N x 784 pixels in [0, 1)). */
export function scores(net: Net, images: ArrayLike<number>): Float32Array {
  return net.predict({ data: images }).get('ip2')!;
}
