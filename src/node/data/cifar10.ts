/**
 * CIFAR-10 from its binary distribution (cifar-10-batches-bin: data_batch_1.bin ... data_batch_5.bin,
 * test_batch.bin). Node only.
 *
 * Format: records of 3073 bytes, one after the other with no header: 1 label byte (0..9), then
 * the 32 × 32 image as three 1024-byte planes, red, green, blue, each row-major. That is already
 * the NCHW order of a [N, 3, 32, 32] blob, so a record's pixels are copied in order. Pixels are
 * scaled by 1/256 to [0, 1).
 */
import { dirname, resolve } from 'node:path';
import { readRegularFile } from '../io/files.js';
import { DataError } from '../../core/errors.js';

export interface Cifar10Set {
  /** [count, 3, 32, 32] row-major, scaled to [0, 1). */
  images: Float32Array;
  /** [count] class indices 0..9 (see CIFAR10_CLASSES). */
  labels: Float32Array;
  count: number;
}

/** Shape of one image: [channels, height, width]. */
export const CIFAR10_SHAPE: readonly [3, 32, 32] = [3, 32, 32];
/** Bytes of one image (3 planes of 32 × 32). */
export const CIFAR10_IMAGE_BYTES = 3 * 32 * 32;
/** Bytes of one record: the label byte and the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** Pixel scale, 1/256, so that pixels lie in [0, 1). */
export const CIFAR10_SCALE = 1 / 256;
/** Class names by label, as in the data set's batches.meta.txt. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Parses the bytes of one batch file; `where` names the source in errors. */
export function parseCifar10(bytes: Uint8Array, where: string): Cifar10Set {
  if (bytes.length === 0) throw new DataError(`${where}: the file is empty; expected records of ${CIFAR10_RECORD_BYTES} bytes (1 label byte, then 3072 pixel bytes)`);
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new DataError(
      `${where}: truncated CIFAR-10 binary file: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
      `(${whole} records and ${bytes.length - whole * CIFAR10_RECORD_BYTES} bytes over); a complete batch file holds 10000 records, 30730000 bytes`);
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Float32Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * CIFAR10_RECORD_BYTES;
    const label = bytes[at]!;
    if (label > 9) throw new DataError(`${where}: record ${i} (byte ${at}) has label ${label}, outside 0..9; is this a CIFAR-100 file or not a CIFAR-10 batch?`);
    labels[i] = label;
    const out = i * CIFAR10_IMAGE_BYTES;
    for (let k = 0; k < CIFAR10_IMAGE_BYTES; k++) images[out + k] = bytes[at + 1 + k]! * CIFAR10_SCALE;
  }
  return { images, labels, count };
}

/** Reads and parses one batch file. */
export function readCifar10(path: string): Cifar10Set {
  const file = resolve(path);
  const bytes = readRegularFile(file, `CIFAR-10 file "${file}"`);
  return parseCifar10(bytes, `CIFAR-10 file "${file}"`);
}

/**
 * Reads batch files and joins them in the order given (e.g. the five training batches, 50,000
 * images). The first path is resolved against the working directory, the others against the
 * first one's directory, so `["data/cifar/data_batch_1.bin", "data_batch_2.bin"]` names two
 * files of data/cifar.
 */
export function loadCifar10(paths: readonly string[]): Cifar10Set {
  if (paths.length === 0) throw new DataError('CIFAR-10: no batch file given');
  const dir = dirname(resolve(paths[0]!));
  const sets = paths.map((p, i) => readCifar10(i === 0 ? p : resolve(dir, p)));
  if (sets.length === 1) return sets[0]!;
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Float32Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Float32Array(count);
  let n = 0;
  for (const s of sets) {
    images.set(s.images, n * CIFAR10_IMAGE_BYTES);
    labels.set(s.labels, n);
    n += s.count;
  }
  return { images, labels, count };
}
