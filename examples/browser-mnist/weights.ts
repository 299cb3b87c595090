/**
 * The demo's trained weights: a deploy net on the page (the LeNet definition with its data layer
 * replaced by an Input, src/core/deploy.ts) holding them, their bytes as a weights file
 * (`cortado/weights-bytes`: the same layout as Node's saveWeights, so Node's loadWeights reads a
 * downloaded file; ./store.ts keeps a copy in IndexedDB). Loaded lazily by page.ts: the HDF5
 * library (h5wasm, with its WebAssembly) is several MiB and only needed here.
 */
import { JsBackend, Net, deployDefinition } from '../../src/index.js';
import { loadWeightsFromBytes, weightsToBytes } from '../../src/browser/weights.js';
import type { TrainerResult } from '../../src/index.js';
import { lenet, syntheticMnist } from '../mnist/lenet.js';

export { loadWeightsFromBytes, weightsToBytes };

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
