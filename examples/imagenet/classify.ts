/**
 * Classifies images with an ImageNet model imported from Caffe (README.md: `cortado import caffe`
 * writes the definition and the weights this reads), preprocessing as Caffe's models expect;
 * the defaults are bvlc_googlenet's.
 *
 *   npm run imagenet:classify -- <net.json> <weights.h5> <image>... [options]
 *
 * Prints, for each image, the top K classes with their probabilities (and synset ids and words
 * with --synset-words). The Input's batch is set to the number of images (at most --batch).
 */
import { parseArgs } from 'node:util';
import type { LayerConfig } from '../../src/core/layer.js';
import { Net } from '../../src/node/net.js';
import { createBackend, type BackendName } from '../../src/node/backends.js';
import { ImageClassifier, type ClassifierOptions } from '../../src/node/classifier.js';
import { readDefinition } from '../../src/node/definition.js';

const USAGE = `usage: npm run imagenet:classify -- <net.json> <weights.h5> <image>... [options]

options (defaults: Caffe's bvlc_googlenet):
  --synset-words FILE     class names, one "n01440764 tench, Tinca tinca" line per class
  --mean B,G,R            per-channel mean in the net's channel order (default 104,117,123)
  --mean-file FILE        a Caffe mean file (.binaryproto) instead of --mean
  --resize-to N           resize to N×N, then crop the centre to the Input's size (default 256)
  --channel-order BGR|RGB channel order the net was trained with (default BGR)
  --scale S               multiply (pixel - mean) by S (default 1: pixels 0..255)
  --top K                 classes shown per image (default 5)
  --batch N               images per forward pass, at most (default 10)
  --backend NAME          auto, js, native or cuda (default auto)`;

const s = { type: 'string' } as const;
const { values: f, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'synset-words': s, mean: s, 'mean-file': s, 'resize-to': s, 'channel-order': s, scale: s, top: s, batch: s, backend: s, help: { type: 'boolean' } },
});
if (f.help || positionals.length < 3) {
  console.log(USAGE);
  process.exit(f.help ? 0 : 2);
}
const [netFile, weightsFile, ...images] = positionals;
const batch = Math.min(images.length, Number(f.batch ?? 10));
const def = readDefinition(netFile);
// The Input's batch becomes `batch`: a deploy.prototxt usually says 10.
const layers: LayerConfig[] = def.layers.map((l) => l.type !== 'Input' ? l : { ...l, shapes: (l.shapes as number[][]).map((sh) => [batch, ...sh.slice(1)]) });
const net = new Net(layers, { backend: createBackend((f.backend ?? 'auto') as BackendName), phase: 'test', name: def.name });
await net.loadWeights(weightsFile);

const options: ClassifierOptions = {
  channelOrder: (f['channel-order'] ?? 'BGR') as 'BGR' | 'RGB',
  resizeTo: Number(f['resize-to'] ?? 256),
  scale: Number(f.scale ?? 1),
  topK: Number(f.top ?? 5),
  ...(f['mean-file'] ? { meanFile: f['mean-file'] } : { mean: (f.mean ?? '104,117,123').split(',').map(Number) }),
  ...(f['synset-words'] ? { synsetWords: f['synset-words'] } : {}),
};
const classifier = new ImageClassifier(net, options);
const results = await classifier.classifyAll(images);
results.forEach((r, i) => {
  console.log(images[i]);
  for (const t of r.top) console.log(`  ${t.prob.toFixed(4)}  ${t.id ? `${t.id} ` : ''}${t.name}`);
});
net.destroy();
