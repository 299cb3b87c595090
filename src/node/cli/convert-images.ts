/**
 * `cortado convert images <folder> --out FILE.h5`: an image folder to one HDF5 file.
 *
 * The folder holds one sub-folder per class; the sub-folders' names, sorted (by code point, so the
 * order does not depend on the locale), are the classes 0, 1, 2, ... Each class's PNG and JPEG
 * files (.png, .jpg, .jpeg, any case; sorted by name) are decoded with sharp, turned upright by
 * their EXIF orientation, flattened onto black if they have transparency, converted to grey (1
 * channel) or sRGB (3) and, with --size, resized to exactly W×H (stretched, as Caffe's
 * convert_imageset does). Without --size every image must have the first one's size.
 *
 * The file holds `data` [N, C, H, W] uint8 (channels-first, row-major) and `label` [N] float32
 * class numbers, and a root attribute `classes`: the class names as a JSON list. It is written
 * atomically: `FILE.h5.tmp` is written, then renamed; an existing `FILE.h5.tmp` (an interrupted
 * conversion's, or a user's file) is refused, never replaced. A full disk is a DataError naming
 * the file, leaving neither the .tmp nor a file under FILE.h5. Other files in the folders are
 * ignored with a warning; a class folder without
 * images, or an image that cannot be decoded, is an error (or, with --skip-bad, the image is
 * skipped with a warning).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DataError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { hdf5 } from '../io/hdf5.js';
import { Hdf5Writer, writeListFile, type SampleDataset } from '../io/hdf5-writer.js';

export const IMAGES_USAGE = `usage: cortado convert images <folder> --out FILE.h5 [options]

<folder> holds one sub-folder of PNG or JPEG images per class; the sorted sub-folder names are
the classes 0, 1, 2, ... FILE.h5 gets data [N, C, H, W] uint8, label [N] float32 and the class
names as the attribute "classes" (a JSON list).

options:
  --out FILE.h5        the HDF5 file to write (required)
  --size W[xH]         resize every image to W×H (H = W when omitted); without it all images
                       must have the same size
  --channels 1|3       grey or colour (default 3)
  --list FILE.txt      also write a list file naming FILE.h5 (relative to the list's folder)
  --skip-bad           skip images that cannot be decoded, with a warning (default: an error)
  --shuffle            store the images in a random order (default: class by class)
  --seed N             seed of --shuffle (default 42)
  --gzip LEVEL         compress the data with gzip level 1..9 (default: uncompressed)
  --overwrite          replace existing output files (--force is the same)`;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Images decoded at once, and appended to the file together. */
const DECODE_AHEAD = 8;

export interface ImageConversionOptions {
  /** Folder with one sub-folder per class. */
  folder: string;
  /** HDF5 file to write. */
  out: string;
  /** [width, height] to resize to; absent: every image must have the first image's size. */
  size?: [number, number];
  /** 1 (grey) or 3 (sRGB); default 3. */
  channels?: 1 | 3;
  /** A list file to write, naming `out`. */
  list?: string;
  /** Skip undecodable images with a warning instead of failing (default false). */
  skipBad?: boolean;
  /** Store the images in an order shuffled with `seed` (default false, seed 42). */
  shuffle?: boolean;
  seed?: number;
  /** gzip level 1..9 for the data (default 0: uncompressed). */
  gzip?: number;
  overwrite?: boolean;
  /** How to allow overwriting, for messages (default: 'pass overwrite: true'). */
  overwriteHint?: string;
  /** Receives warnings (default: console.warn). */
  warn?: (message: string) => void;
}

export interface ImageConversion {
  /** Absolute path of the HDF5 file, and of the list file when one was asked for. */
  file: string;
  list?: string;
  count: number;
  /** [C, H, W] of every sample. */
  sampleShape: [number, number, number];
  /** Class names in label order, with the number of images stored for each. */
  classes: { name: string; count: number }[];
  /** Images skipped (--skip-bad), with the reason. */
  skipped: { file: string; reason: string }[];
}

interface Item {
  file: string;
  label: number;
}

/** Converts an image folder (see the module comment). */
export async function convertImages(options: ImageConversionOptions): Promise<ImageConversion> {
  const folder = resolve(options.folder);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new DataError(`channels must be 1 or 3, found ${String(channels)}`);
  const warn = options.warn ?? ((m: string) => console.warn(m));
  if (options.list !== undefined && resolve(options.list) === resolve(options.out)) {
    throw new DataError(`the list file and the HDF5 file are both "${resolve(options.out)}"; give the list file (--list) another name`);
  }
  const { classes, items } = scanFolder(folder, warn);
  if (options.shuffle) {
    const order = Int32Array.from(items, (_, i) => i);
    new Random(options.seed ?? 42).shuffle(order);
    const copy = [...items];
    order.forEach((j, i) => { items[i] = copy[j]!; });
  }
  await hdf5();
  const w = Hdf5Writer.create(options.out, { atomic: true, overwrite: options.overwrite, overwriteHint: options.overwriteHint, kind: 'image data file' });
  const counts = classes.map(() => 0);
  const skipped: ImageConversion['skipped'] = [];
  let sampleShape: [number, number, number] | undefined;
  let first = '';
  let data: SampleDataset | undefined;
  let label: SampleDataset | undefined;
  try {
    if (options.list && !options.overwrite) writeListFileCheck(options.list, options.overwriteHint);
    for (let start = 0; start < items.length; start += DECODE_AHEAD) {
      const group = items.slice(start, start + DECODE_AHEAD);
      const decoded = await Promise.allSettled(group.map((it) => decode(it.file, channels, options.size)));
      const pixels: Uint8Array[] = [];
      const labels: number[] = [];
      decoded.forEach((d, k) => {
        const item = group[k]!;
        if (d.status === 'rejected') {
          const reason = d.reason instanceof Error ? d.reason.message : String(d.reason);
          if (!options.skipBad) throw new DataError(`image "${item.file}": cannot decode it (${reason}); pass --skip-bad to skip such files`);
          warn(`cortado convert images: skipping "${item.file}": cannot decode it (${reason})`);
          skipped.push({ file: item.file, reason });
          return;
        }
        const img = d.value;
        if (!sampleShape) {
          sampleShape = [channels, img.height, img.width];
          first = item.file;
        } else if (img.height !== sampleShape[1] || img.width !== sampleShape[2]) {
          throw new DataError(`image "${item.file}" is ${img.width}x${img.height} but the first image "${first}" is ${sampleShape[2]}x${sampleShape[1]}; pass --size W[xH] to resize every image`);
        }
        pixels.push(img.chw);
        labels.push(item.label);
        counts[item.label]!++;
      });
      if (pixels.length === 0) continue;
      data ??= w.createDataset('data', { dtype: 'uint8', sampleShape: sampleShape!, gzip: options.gzip });
      label ??= w.createDataset('label', { dtype: 'float32', sampleShape: [] });
      data.append(concat(pixels));
      label.append(Float32Array.from(labels));
    }
    const empty = classes.findIndex((_, c) => counts[c] === 0);
    if (empty >= 0) throw new DataError(`class folder "${join(folder, classes[empty]!)}": none of its images could be decoded (see the warnings above)`);
    w.setAttr('classes', JSON.stringify(classes));
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
  const list = options.list ? writeListFile(options.list, [w.path], { overwrite: options.overwrite, overwriteHint: options.overwriteHint }) : undefined;
  return { file: w.path, list, count: data!.rows, sampleShape: sampleShape!, classes: classes.map((name, c) => ({ name, count: counts[c]! })), skipped };
}

/** Class sub-folders (sorted) and their image files (sorted within each class). */
function scanFolder(folder: string, warn: (m: string) => void): { classes: string[]; items: Item[] } {
  const entries = listDir(folder, 'image folder');
  const classes = entries.filter((e) => !e.startsWith('.') && isDir(join(folder, e))).sort(byCodePoint);
  if (classes.length === 0) throw new DataError(`image folder "${folder}": no class sub-folders; expected one sub-folder of PNG or JPEG images per class`);
  const loose = entries.filter((e) => !e.startsWith('.') && !classes.includes(e));
  if (loose.length > 0) warn(`cortado convert images: ignoring ${loose.length} file${loose.length > 1 ? 's' : ''} directly in "${folder}" (such as "${loose[0]}"); images go in one sub-folder per class`);
  const items: Item[] = [];
  classes.forEach((name, label) => {
    const dir = join(folder, name);
    const files = listDir(dir, 'class folder').filter((f) => !f.startsWith('.')).sort(byCodePoint);
    const images = files.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) && !isDir(join(dir, f)));
    if (images.length === 0) throw new DataError(`class folder "${dir}" (class ${label}) has no PNG or JPEG files (.png, .jpg, .jpeg); every class needs at least one image`);
    const others = files.length - images.length;
    if (others > 0) warn(`cortado convert images: ignoring ${others} entr${others > 1 ? 'ies' : 'y'} of "${dir}" that ${others > 1 ? 'are not PNG or JPEG files' : 'is not a PNG or JPEG file'}`);
    for (const f of images) items.push({ file: join(dir, f), label });
  });
  return { classes, items };
}

/** Decodes one image to channels-first bytes [C, H, W]. */
async function decode(file: string, channels: 1 | 3, size: [number, number] | undefined): Promise<{ chw: Uint8Array; width: number; height: number }> {
  let p = sharp(file, { failOn: 'warning' }).rotate().flatten({ background: '#000000' });
  p = channels === 1 ? p.grayscale() : p.toColourspace('srgb');
  if (size) p = p.resize(size[0], size[1], { fit: 'fill' });
  const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || data.length !== info.width * info.height * channels) {
    throw new Error(`decoded to ${info.channels} channels of ${info.width}x${info.height}, expected ${channels} channels`);
  }
  const hw = info.width * info.height;
  const chw = new Uint8Array(hw * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < hw; i++) chw[c * hw + i] = data[i * channels + c]!;
  return { chw, width: info.width, height: info.height };
}

function writeListFileCheck(list: string, hint: string | undefined): void {
  if (existsSync(resolve(list))) throw new DataError(`list file "${resolve(list)}" already exists; ${hint ?? 'pass overwrite: true'} to replace it, or choose another name`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function listDir(dir: string, what: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    throw new DataError(`${what} "${dir}": cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A gzip level from a flag: undefined when absent. */
export function gzipFlag(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new DataError(`--gzip must be a level 1 to 9, found "${v}"`);
  return n;
}

/** Parses --size W[xH] into [width, height]. */
export function sizeFlag(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/i.exec(v.trim());
  const w = m ? Number(m[1]) : NaN;
  const h = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(w >= 1 && h >= 1 && w <= 65535 && h <= 65535)) throw new DataError(`--size must be W or WxH with sizes 1 to 65535, found "${v}"`);
  return [w, h];
}

export async function convertImagesCommand(rest: string[]): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(IMAGES_USAGE);
    return 0;
  }
  const s = { type: 'string' } as const;
  const b = { type: 'boolean' } as const;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { out: s, size: s, channels: s, list: s, gzip: s, seed: s, 'skip-bad': b, shuffle: b, overwrite: b, force: b },
    });
  } catch (e) {
    console.error(`cortado convert images: ${(e as Error).message}\n\n${IMAGES_USAGE}`);
    return 2;
  }
  const { values: f, positionals } = parsed;
  const usage = (msg: string) => {
    console.error(`cortado convert images: ${msg}\n\n${IMAGES_USAGE}`);
    return 2;
  };
  if (positionals.length !== 1) return usage(`expected one image folder, found ${positionals.length} arguments`);
  if (!f.out) return usage('--out FILE.h5 is required');
  if (f.channels !== undefined && f.channels !== '1' && f.channels !== '3') return usage(`--channels must be 1 or 3, found "${f.channels}"`);
  const seed = f.seed === undefined ? undefined : Number(f.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) return usage(`--seed must be an integer, found "${f.seed}"`);
  const r = await convertImages({
    folder: positionals[0]!,
    out: f.out,
    size: sizeFlag(f.size),
    channels: f.channels === '1' ? 1 : 3,
    list: f.list,
    skipBad: f['skip-bad'],
    shuffle: f.shuffle,
    seed,
    gzip: gzipFlag(f.gzip),
    overwrite: f.overwrite || f.force,
    overwriteHint: 'pass --overwrite',
  });
  const [c, h, w] = r.sampleShape;
  console.log(`wrote ${r.file}: ${r.count} images, data [${r.count}, ${c}, ${h}, ${w}] uint8, label [${r.count}] float32${r.skipped.length ? ` (${r.skipped.length} skipped)` : ''}`);
  console.log('classes:');
  r.classes.forEach((k, i) => console.log(`  ${i} ${k.name} (${k.count} images)`));
  if (r.list) console.log(`list file: ${r.list}`);
  return 0;
}
