/**
 * ImageClassifier: class probabilities for image files or bytes, through a deploy net (Mocha's
 * ImageClassifier). Node-only (decoding and resizing with sharp).
 *
 * Each image is decoded (PNG, JPEG, WebP, GIF, TIFF, AVIF/HEIF; other formats only when listed in
 * `formats`: an SVG may reference other files, even local ones through file://, which the decoder
 * would read), flattened onto black if it has an alpha channel, converted to grey (C = 1) or to
 * RGB (C = 3), fitted to the Input's H×W (`resize`; or to `resizeTo`, then the centre H×W is
 * cropped) and laid out C×H×W in RGB or BGR order, minus an optional mean, times an optional
 * scale (image-layout.ts has the formula). By default the values are the raw pixels 0..255 and
 * any further scaling and mean subtraction are the Input layer's transformers, so a Cortado deploy
 * net states the same preprocessing as the data layer it was trained with; the options `mean`,
 * `meanFile`, `scale` and `resizeTo` are for nets that do not (Caffe's deploy nets). A list of
 * images goes through `net.predict` in batches of the Input's batch size.
 *
 * For Caffe's bvlc_googlenet (trained on BGR images 0..255 resized to 256×256, minus the mean):
 *   { channelOrder: 'BGR', mean: [104, 117, 123], resizeTo: 256, synsetWords: 'synset_words.txt' }
 */
import sharp from 'sharp';
import type { Net } from '../core/net.js';
import { ConfigError, DataError, shapeStr } from '../core/errors.js';
import type { InputLayer } from '../layers/input.js';
import { readRegularFile } from './io/files.js';
import { importCaffeMean } from '../io/caffe/index.js';
import { layoutPixels, makeLayout, type Layout, type MeanImage } from './image-layout.js';
import { readSynsetWords } from './synset-words.js';
import { Hdf5File, hdf5 } from './io/hdf5.js';

export interface ClassifierOptions {
  /** The Input top that takes the images (default: the first top of the net's first Input layer). */
  input?: string;
  /** The blob of class probabilities (default: the net's output, when it has exactly one). */
  probs?: string;
  /** Class names by index (default "0", "1", ...); one per value of a sample of `probs`. */
  classes?: readonly string[];
  /**
   * A synset words file (`n01440764 tench, Tinca tinca`, one line per class; synset-words.ts): the
   * class names are its words and each result carries its id. Not together with `classes`.
   */
  synsetWords?: string;
  /**
   * An HDF5 file written by `cortado convert images` (the training data): the class names are its
   * attribute "classes", the class sub-folders' names in label order. Not together with `classes`
   * or `synsetWords`. Read synchronously: HDF5 support must be loaded (the "cortado" entry does).
   */
  classesFile?: string;
  /**
   * How an image is fitted to the Input's H×W: 'fill' stretches it (default, as Caffe does),
   * 'cover' scales it to cover and crops the centre, 'contain' scales it to fit and pads with black.
   */
  resize?: 'fill' | 'cover' | 'contain';
  /** Channel order for C = 3: 'RGB' (default) or 'BGR' (models trained on images read by OpenCV). */
  channelOrder?: 'RGB' | 'BGR';
  /**
   * Resize the image to this size first, one number (square) or [height, width], then crop the
   * centre H×W of the Input (Caffe's test-phase crop: 256 for a net taking 224). Default: resize
   * straight to the Input's H×W.
   */
  resizeTo?: number | readonly [number, number];
  /**
   * Subtracted from the pixel values (0..255), in the net's channel order: one number per channel
   * (bvlc_googlenet: [104, 117, 123] in BGR), or a mean image [C, H, W] or [1, C, H, W] of the
   * Input's H×W or of the `resizeTo` size (then cropped with the image). Default: none.
   */
  mean?: readonly number[] | MeanImage;
  /** A Caffe mean file (`.binaryproto`, a BlobProto as `mean` takes it). Not together with `mean`. */
  meanFile?: string;
  /** Multiplies the values after the mean: (pixel − mean) × scale (default 1: pixels 0..255). */
  scale?: number;
  /** Classes reported in `top`, most probable first (default 5, at most the number of classes). */
  topK?: number;
  /**
   * Image formats accepted, as sharp names them (default RASTER_FORMATS). A format that can refer
   * to other files, such as 'svg', is read only when listed here; anything else is a DataError.
   */
  formats?: readonly string[];
}

/** The raster formats an ImageClassifier accepts by default, recognised by their first bytes. */
export const RASTER_FORMATS: readonly string[] = ['png', 'jpeg', 'webp', 'gif', 'tiff', 'heif'];

/** The format of an image from its first bytes, among RASTER_FORMATS ('heif' covers AVIF); undefined otherwise. */
export function rasterFormat(b: Uint8Array): string | undefined {
  const at = (off: number, text: string) => [...text].every((c, i) => b[off + i] === c.charCodeAt(0));
  if (at(0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'GIF87a') || at(0, 'GIF89a')) return 'gif';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'tiff';
  if (at(4, 'ftyp') && ['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1'].some((brand) => at(8, brand))) return 'heif';
  return undefined;
}

/**
 * The class names stored by `cortado convert images` in an HDF5 file (its attribute "classes", a
 * JSON list of strings, in label order). A file without it, or with another value, is a DataError
 * naming the file.
 */
export async function readClassNames(file: string): Promise<string[]> {
  await hdf5();
  return classNamesSync(file);
}

function classNamesSync(file: string): string[] {
  const f = Hdf5File.openSync(file, 'data file');
  try {
    const raw = f.getAttr('classes');
    if (raw === undefined) throw new DataError(`${f.label} has no attribute "classes" (the class names that cortado convert images stores); give the names in option "classes"`);
    let names: unknown;
    try {
      names = JSON.parse(String(raw));
    } catch {
      names = undefined;
    }
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new DataError(`${f.label}: attribute "classes" must be a JSON list of class names, found ${String(raw).slice(0, 60)}`);
    return names as string[];
  } finally {
    f.closeQuietly();
  }
}

export interface Classification {
  /** One probability per class. */
  probs: Float32Array;
  /** The topK most probable classes, most probable first (ties: lower index first). */
  top: { index: number; name: string; prob: number; id?: string }[];
}

/** An image file path, or its bytes. */
export type ImageSource = string | Buffer;

export class ImageClassifier {
  readonly input: string;
  readonly probs: string;
  readonly classes: readonly string[];
  /** The Input's sample shape: channels (1 or 3), height, width. */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** WordNet ids by class, from the synset words file (undefined without one). */
  readonly ids: readonly string[] | undefined;
  private readonly resize: 'fill' | 'cover' | 'contain';
  private readonly layout: Layout;
  private readonly topK: number;
  private readonly formats: readonly string[];

  constructor(readonly net: Net, options: ClassifierOptions = {}) {
    const where = `ImageClassifier (${net.name})`;
    const inputs = net.layers.filter((l) => l.type === 'Input') as InputLayer[];
    if (inputs.length === 0) throw new ConfigError(`${where}: the net has no Input layer; build a deploy net whose images come from { type: 'Input', tops: ['data'], shapes: [[batch, channels, height, width]] }`);
    this.input = options.input ?? inputs[0].topNames[0];
    const layer = inputs.find((l) => l.topNames.includes(this.input));
    if (!layer) throw new ConfigError(`${where}: "${this.input}" is not the top of an Input layer; Input tops are ${inputs.flatMap((l) => l.topNames).map((t) => `"${t}"`).join(', ')}`);
    const shape = layer.sampleShape(this.input);
    if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3)) {
      throw new ConfigError(`${where}: Input top "${this.input}" must take images [channels, height, width] with 1 or 3 channels, found samples of shape ${shapeStr(shape)}`);
    }
    [this.channels, this.height, this.width] = shape;
    const outputs = net.outputBlobNames.filter((b) => b !== this.input);
    if (options.probs === undefined && outputs.length !== 1) {
      throw new ConfigError(`${where}: name the probability blob in options.probs; the net's outputs are ${outputs.map((b) => `"${b}"`).join(', ') || 'none'}`);
    }
    this.probs = options.probs ?? outputs[0];
    const perSample = net.blob(this.probs).count / layer.batchSize;
    const sources = (['classes', 'synsetWords', 'classesFile'] as const).filter((k) => options[k] !== undefined);
    if (sources.length > 1) throw new ConfigError(`${where}: give one of the options "classes", "synsetWords" and "classesFile", found ${sources.map((k) => `"${k}"`).join(' and ')}`);
    const synsets = options.synsetWords === undefined ? undefined : readSynsetWords(options.synsetWords);
    const fromFile = options.classesFile === undefined ? undefined : classNamesSync(options.classesFile);
    this.ids = synsets?.ids;
    this.classes = synsets?.words ?? fromFile ?? (options.classes ? [...options.classes] : Array.from({ length: perSample }, (_, i) => String(i)));
    if (this.classes.length !== perSample) {
      const plural = `class${this.classes.length === 1 ? '' : 'es'}`;
      const given = synsets ? `the synset words file ${options.synsetWords} has ${this.classes.length} ${plural}` : fromFile ? `the data file ${options.classesFile} has ${this.classes.length} ${plural}` : `${this.classes.length} class names given`;
      throw new ConfigError(`${where}: ${given}, but blob "${this.probs}" ${shapeStr(net.blob(this.probs).shape)} holds ${perSample} values per sample`);
    }
    this.resize = options.resize ?? 'fill';
    if (!['fill', 'cover', 'contain'].includes(this.resize)) throw new ConfigError(`${where}: option "resize" must be 'fill', 'cover' or 'contain', found "${this.resize}"`);
    const order = options.channelOrder ?? 'RGB';
    if (order !== 'RGB' && order !== 'BGR') throw new ConfigError(`${where}: option "channelOrder" must be 'RGB' or 'BGR', found "${order}"`);
    if (options.mean !== undefined && options.meanFile !== undefined) throw new ConfigError(`${where}: give options "mean" or "meanFile", not both`);
    const mean = options.meanFile === undefined ? options.mean : importCaffeMean(readRegularFile(options.meanFile, `mean file ${options.meanFile}`), options.meanFile);
    this.layout = makeLayout(where, [this.channels, this.height, this.width], order === 'BGR', options.resizeTo, mean, options.scale);
    this.topK = Math.min(options.topK ?? 5, perSample);
    if (!Number.isInteger(this.topK) || this.topK < 1) throw new ConfigError(`${where}: option "topK" must be a positive integer, found ${options.topK}`);
    this.formats = options.formats ?? RASTER_FORMATS;
    if (!Array.isArray(this.formats) || this.formats.some((f) => typeof f !== 'string')) throw new ConfigError(`${where}: option "formats" must be a list of format names such as 'png', found ${String(options.formats)}`);
  }

  /** Classifies one image. */
  async classify(image: ImageSource): Promise<Classification> {
    return (await this.classifyAll([image]))[0];
  }

  /** Classifies several images, in batches of the Input's batch size; results in the same order. */
  async classifyAll(images: readonly ImageSource[]): Promise<Classification[]> {
    if (images.length === 0) return [];
    const size = this.channels * this.height * this.width;
    const data = new Float32Array(images.length * size);
    for (let i = 0; i < images.length; i++) data.set(await this.pixels(images[i]), i * size);
    const probs = this.net.predict({ [this.input]: data }, { blobs: [this.probs] }).get(this.probs) as Float32Array;
    const k = this.classes.length;
    return images.map((_, i) => this.result(probs.slice(i * k, (i + 1) * k)));
  }

  /** The image as the Input takes it: C×H×W, values 0..255 (minus `mean`, times `scale`). */
  async pixels(image: ImageSource): Promise<Float32Array> {
    const name = typeof image === 'string' ? `image ${image}` : `image (${image.length} bytes)`;
    // The bytes are read here (a regular file only) and checked, so that sharp sees nothing else.
    const bytes = typeof image === 'string' ? readRegularFile(image, name) : image;
    await this.checkFormat(bytes, name);
    let raw: { data: Buffer; info: sharp.OutputInfo };
    try {
      let s = sharp(bytes).flatten({ background: '#000000' });
      s = this.channels === 1 ? s.grayscale() : s.toColourspace('srgb');
      raw = await s.resize(this.layout.resizeWidth, this.layout.resizeHeight, { fit: this.resize, background: '#000000' }).removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new DataError(`${name} cannot be decoded: ${(e as Error).message}`);
    }
    const { data, info } = raw;
    const { resizeHeight: h, resizeWidth: w } = this.layout;
    if (info.channels !== this.channels || info.width !== w || info.height !== h) {
      throw new DataError(`${name}: decoded to ${info.channels} channels ${info.height}×${info.width}, expected ${this.channels} channels ${h}×${w}`);
    }
    return layoutPixels(data, this.layout);
  }

  /** Refuses an image whose format is not in `formats` (see ClassifierOptions.formats). */
  private async checkFormat(bytes: Buffer, name: string): Promise<void> {
    let format = rasterFormat(bytes);
    // Other formats are looked at only when the user listed one.
    if (format === undefined && this.formats.some((f) => !RASTER_FORMATS.includes(f))) {
      format = await sharp(bytes).metadata().then((m) => m.format as string, () => undefined);
    }
    if (format !== undefined && this.formats.includes(format)) return;
    const found = format ? `: an image in ${format.toUpperCase()} format` : ' cannot be decoded: not a PNG, JPEG, WebP, GIF, TIFF or AVIF/HEIF image';
    throw new DataError(`${name}${found}; the classifier accepts ${this.formats.join(', ')} (option "formats" lists the formats to accept, e.g. [..., 'svg'] for SVG, whose references to other files are then followed)`);
  }

  private result(probs: Float32Array): Classification {
    const order = Array.from(probs, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
    return { probs, top: order.slice(0, this.topK).map((index) => ({ index, name: this.classes[index], prob: probs[index], ...(this.ids ? { id: this.ids[index] } : {}) })) };
  }
}
