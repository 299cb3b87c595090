/**
 * The GoogLeNet definition files of this folder, made from googlenet.ts:
 *
 *   googlenet-deploy.json  Input data [10, 3, 224, 224] → prob [10, 1000] (classification)
 *   googlenet-train.json   training from scratch on images converted with
 *                          `cortado convert images <folder> --size 256 --list data/train.txt`
 *                          (and data/val.txt): RGB bytes 256×256, the per-channel ImageNet mean
 *                          subtracted, a random 224×224 crop and a mirror in training, the centre
 *                          crop in the test phase; the paper's recipe (momentum 0.9, learning
 *                          rate down 4% every 8 epochs of 1.28M images at batch 32)
 *
 * `node dist/examples/imagenet/definitions.js` rewrites both files; a test checks that the files
 * in the repository are what this writes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerConfig } from '../../src/core/layer.js';
import { googlenetDeploy, googlenetTrain } from './googlenet.js';

/** The ImageNet mean per channel in RGB order (Caffe's 104, 117, 123 are the same in BGR). */
export const MEAN_RGB = [123, 117, 104];

function dataLayer(phase: 'train' | 'test', batchSize: number): LayerConfig {
  const train = phase === 'train';
  const transformers = [{ type: 'SubMean', mean: MEAN_RGB }, { type: 'RandomCrop', height: 224, width: 224 }, ...(train ? [{ type: 'RandomMirror' }] : [])];
  return {
    type: 'AsyncHDF5Data', name: `${phase}-data`, tops: ['data', 'label'], batchSize, ...(train ? { shuffle: true } : {}),
    source: train ? 'data/train.txt' : 'data/val.txt', transformers: { data: transformers }, include: { phase },
  };
}

/** The two definition files' contents, by file name. */
export function definitionFiles(): Map<string, object> {
  const train = {
    name: 'googlenet', seed: 42,
    solver: { baseLr: 0.01, momentum: 0.9, weightDecay: 0.0002, lrPolicy: { type: 'step', gamma: 0.96, stepsize: 320000 }, maxIter: 10000000 },
    coffeeBreaks: { summaryEvery: 40, validateEvery: 4000, snapshotEvery: 40000 },
    layers: googlenetTrain([dataLayer('train', 32), dataLayer('test', 50)]),
  };
  return new Map<string, object>([
    ['googlenet-deploy.json', { name: 'googlenet', layers: googlenetDeploy() }],
    ['googlenet-train.json', train],
  ]);
}

/** A definition as JSON with one layer per line. */
export function formatDefinition(def: object): string {
  const entries = Object.entries(def).map(([k, v]) => k !== 'layers'
    ? `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`
    : `  "layers": [\n${(v as LayerConfig[]).map((l) => `    ${JSON.stringify(l)}`).join(',\n')}\n  ]`);
  return `{\n${entries.join(',\n')}\n}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const folder = resolve(fileURLToPath(import.meta.url), '../../../../examples/imagenet');
  for (const [file, def] of definitionFiles()) {
    writeFileSync(resolve(folder, file), formatDefinition(def));
    console.log(`wrote ${resolve(folder, file)}`);
  }
}
