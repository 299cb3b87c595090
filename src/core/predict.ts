/**
 * `net.predict`: runs N samples through a net whose inputs are Input layers, batch by batch, and
 * returns chosen blobs for the N samples.
 *
 * With batch size B (the Input layers' first axis), predict runs ceil(N / B) forward passes; the
 * last batch is padded with zeros and its padding rows are cut from the results, so the result of
 * blob y is N × (y.count / B) values, sample after sample. The net is not rebuilt: predict can be
 * called any number of times, also between training iterations of a net it shares weights with.
 * Layers that behave differently by phase (Dropout, BatchNorm) act as the net's phase says, so
 * build the deploy net with phase 'test'.
 */
import type { Net } from './net.js';
import type { Blob } from './blob.js';
import type { Feeder } from './layer.js';
import { ConfigError, ShapeError, layerRef, shapeStr } from './errors.js';

/** Values per Input top: N samples, row-major, N × (values of one fed sample). */
export type PredictInputs = ReadonlyMap<string, ArrayLike<number>> | Readonly<Record<string, ArrayLike<number>>>;

export interface PredictOptions {
  /**
   * Blobs to return. Default: the net's outputs, that is the blobs that no layer reads, whose
   * first axis is the batch (a loss's scalar top is left out).
   */
  blobs?: readonly string[];
}

interface Feed {
  layer: Feeder;
  top: string;
  values: ArrayLike<number>;
  sampleSize: number;
}

/** See the module comment. `outputNames` are the blobs no layer reads (Net.outputBlobNames). */
export function predict(net: Net, outputNames: readonly string[], inputs: PredictInputs, options: PredictOptions = {}): Map<string, Float32Array> {
  const layers = net.layers.map((l) => l.feeder).filter((f): f is Feeder => f !== null);
  if (layers.length === 0) {
    throw new ConfigError(`${net.name}: predict feeds Input layers, and this net has none; declare the inputs as { type: 'Input', name, tops, shapes: [[batchSize, ...sample shape]] } (a deploy net)`);
  }
  const batch = layers[0].batchSize;
  const other = layers.find((l) => l.batchSize !== batch);
  if (other) throw new ShapeError(`${net.name}: predict needs one batch size; ${layerRef(layers[0].name, 'Input')} has ${batch}, ${layerRef(other.name, 'Input')} has ${other.batchSize}`);

  const given: ReadonlyMap<string, ArrayLike<number>> = inputs instanceof Map ? inputs : new Map(Object.entries(inputs));
  const feeds: Feed[] = layers.flatMap((layer) => layer.topNames.map((top) => {
    const values = given.get(top);
    if (values === undefined || values === null || typeof values.length !== 'number') {
      throw new ConfigError(`${net.name}: predict needs values for Input top "${top}" (${layerRef(layer.name, 'Input')}), found ${values === undefined ? 'none' : 'no array'}; inputs are ${describeTops(layers)}`);
    }
    return { layer, top, values, sampleSize: layer.sampleSize(top) };
  }));
  for (const name of given.keys()) {
    if (!feeds.some((f) => f.top === name)) throw new ConfigError(`${net.name}: predict got values for "${name}", which is not the top of an Input layer; inputs are ${describeTops(layers)}`);
  }
  const n = feeds[0].values.length / feeds[0].sampleSize;
  for (const f of feeds) {
    const count = f.values.length / f.sampleSize;
    if (!Number.isInteger(count) || count < 1 || count !== n) {
      const shape = shapeStr(f.layer.sampleShape(f.top));
      const want = Number.isInteger(n) && n >= 1 && f !== feeds[0] ? `${n} samples (as "${feeds[0].top}"), that is ${n * f.sampleSize} values` : `N >= 1 samples of ${f.sampleSize} values`;
      throw new ShapeError(`${net.name}: predict input "${f.top}" takes samples of shape ${shape}, ${want}; found ${f.values.length} values`);
    }
  }

  const blobs = chooseBlobs(net, outputNames, batch, options.blobs);
  const results = blobs.map((b) => new Float32Array(n * (b.count / batch)));
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    for (const f of feeds) f.layer.feed(f.top, batchOf(f.values, start, rows, batch, f.sampleSize));
    net.forward();
    blobs.forEach((b, i) => {
      const per = b.count / batch;
      results[i].set(net.backend.download(b.data, undefined, rows * per), start * per);
    });
  }
  return new Map(blobs.map((b, i) => [b.name, results[i]]));
}

function chooseBlobs(net: Net, outputNames: readonly string[], batch: number, requested: readonly string[] | undefined): Blob[] {
  if (requested === undefined) {
    const blobs = outputNames.map((name) => net.blob(name)).filter((b) => b.shape[0] === batch);
    if (blobs.length === 0) {
      throw new ConfigError(`${net.name}: predict found no output blob with a batch axis (outputs are ${outputNames.map((b) => `"${b}"`).join(', ') || 'none'}); name the blobs to return in options.blobs`);
    }
    return blobs;
  }
  return requested.map((name) => {
    const b = net.blob(name);
    if (b.shape.length === 0 || b.shape[0] !== batch) {
      throw new ShapeError(`${net.name}: predict returns blobs whose first axis is the batch (${batch}), and blob "${name}" is ${shapeStr(b.shape)}`);
    }
    return b;
  });
}

/** Samples [start, start + rows) of `values`, zero-padded to `batch` samples. */
function batchOf(values: ArrayLike<number>, start: number, rows: number, batch: number, size: number): ArrayLike<number> {
  if (rows === batch && values instanceof Float32Array) return values.subarray(start * size, (start + batch) * size);
  const out = new Float32Array(batch * size);
  const from = start * size;
  for (let i = 0; i < rows * size; i++) out[i] = values[from + i];
  return out;
}

function describeTops(layers: Feeder[]): string {
  return layers.flatMap((l) => l.topNames.map((t) => `"${t}" ${shapeStr(l.sampleShape(t))} per sample`)).join(', ');
}
