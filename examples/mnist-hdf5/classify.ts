/**
 * After `npm run mnist-hdf5`: the trained LeNet as a deploy net (an Input layer with the training
 * data's Scale transformer, Softmax probabilities instead of the loss), its weights loaded from the
 * newest snapshot, then
 *   - net.predict over the 10,000 test images (bytes 0..255, as the HDF5 files hold them): accuracy;
 *   - the ImageClassifier on a few test images written as PNG files: probabilities and top classes.
 *
 *   npm run mnist-hdf5:classify -- [--backend NAME] [--images N]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Net } from '../../src/node/net.js';
import type { LayerConfig } from '../../src/core/layer.js';
import { mnistDataDir, readMnistSplit } from '../../src/node/data/mnist.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { ImageClassifier } from '../../src/node/classifier.js';
import { loadFrom } from '../../src/node/snapshot.js';
import { lenetBody } from '../mnist/lenet.js';

const here = fileURLToPath(new URL('../../../examples/mnist-hdf5/', import.meta.url));
const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, images: { type: 'string', default: '5' } } });
const batch = 100;

/** LeNet for inference: the training body up to ip2, then Softmax. */
const deploy: LayerConfig[] = [
  { type: 'Input', name: 'input', tops: ['data'], shapes: [[batch, 1, 28, 28]], transformers: [{ type: 'Scale', scale: 1 / 256 }] },
  ...lenetBody().filter((l) => !['loss', 'accuracy'].includes(l.name)),
  { type: 'Softmax', name: 'prob', bottoms: ['ip2'], tops: ['prob'] },
];

const snapshots = `${here}output/snapshots`;
if (!existsSync(snapshots)) {
  console.error(`mnist-hdf5:classify: no snapshot folder ${snapshots}; run npm run mnist-hdf5 first (a run writes a snapshot when it ends)`);
  process.exit(1);
}
const net = new Net(deploy, { backend: createBackend(args.backend as BackendName), phase: 'test' });
const from = await loadFrom(net, snapshots).catch((e: unknown) => {
  console.error(`mnist-hdf5:classify: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  process.exit(1);
});
if (!from) {
  console.error(`mnist-hdf5:classify: no snapshot in ${snapshots}; run npm run mnist-hdf5 first (a run writes a snapshot when it ends)`);
  process.exit(1);
}
console.log(`weights from ${from}`);

const test = readMnistSplit(mnistDataDir(), 't10k');
const start = performance.now();
const prob = net.predict({ data: test.pixels }).get('prob')!;
const seconds = (performance.now() - start) / 1000;
let correct = 0;
for (let i = 0; i < test.count; i++) {
  const row = prob.subarray(i * 10, i * 10 + 10);
  if (row.indexOf(Math.max(...row)) === test.labels[i]) correct++;
}
console.log(`net.predict: ${test.count} test images in ${seconds.toFixed(2)} s, accuracy ${(100 * correct / test.count).toFixed(2)}%`);

const dir = `${here}output/images`;
mkdirSync(dir, { recursive: true });
const classifier = new ImageClassifier(net, { classes: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'], topK: 3 });
for (let i = 0; i < Number(args.images); i++) {
  const file = `${dir}/test-${i}.png`;
  await sharp(Buffer.from(test.pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
  const { top } = await classifier.classify(file);
  const shown = top.map((t) => `${t.name} ${(100 * t.prob).toFixed(2)}%`).join(', ');
  console.log(`${file}: label ${test.labels[i]}, ${shown}`);
}
net.destroy();
