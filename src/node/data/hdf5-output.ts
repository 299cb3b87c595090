/**
 * HDF5Output: saves its bottoms to an HDF5 file, one dataset per bottom, appending every batch
 * (Mocha's HDF5OutputLayer). Node only (in Node's layer types, src/node/layers.ts).
 *
 * Shapes: bottom k is [N, ...rest_k]; dataset k grows as [rows, ...rest_k] with rows += N at each
 * forward (the first axis counts samples). No tops.
 *   forward   dataset_k[rows .. rows + N) = bottom_k, in the blob's dtype (float32 or float64)
 *   backward  none (no gradient flows into the saved blobs)
 * The file is created at setup (its directory too) and flushed after every forward, so what it
 * holds on disk is a complete HDF5 file of the batches so far, even if the process stops;
 * `destroy()` (called by Net.destroy) closes it. An existing file is refused unless `overwrite`,
 * so a second run, or a resumed one, needs a new filename or `overwrite: true`.
 * A failed write (ENOSPC on a full disk, EIO) stops the forward pass with a DataError naming the
 * file and the reason, and the file, which then has holes, is removed (see io/hdf5-writer.ts): a
 * file left under `filename` always reads back as what was appended.
 */
import type { Blob, Shape } from '../../core/blob.js';
import { DataError, layerRef, shapeStr } from '../../core/errors.js';
import { Layer, expectBlobs, type BaseConfig, type LayerType } from '../../core/layer.js';
import { Hdf5Writer, type SampleDataset } from '../io/hdf5-writer.js';

export interface HDF5OutputConfig extends BaseConfig {
  /** Path of the HDF5 file to write (relative paths from the working directory); required. */
  filename: string;
  /** Dataset name for each bottom, in order (default: the bottom names); no '/' in a name. */
  datasets: string[];
  /** Replace an existing file (default false: an existing file is an error at setup). */
  overwrite: boolean;
}

export class HDF5OutputLayer extends Layer<HDF5OutputConfig> {
  private writer: Hdf5Writer | undefined;
  private outputs: SampleDataset[] = [];

  override propagatesTo(): boolean {
    return false;
  }

  /** The file's absolute path (known after setup). */
  get path(): string | undefined {
    return this.writer?.path;
  }

  setup(bottoms: Blob[]): Shape[] {
    const c = this.config;
    const where = layerRef(c.name, c.type);
    bottoms.forEach((b) => {
      if (b.shape.length < 1) throw new DataError(`${where}: bottom "${b.name}" must have a first (sample) axis, found shape ${shapeStr(b.shape)}`);
    });
    this.writer = Hdf5Writer.create(c.filename, {
      overwrite: c.overwrite,
      kind: `${where}: output file`,
      overwriteHint: 'set "overwrite": true on the layer',
    });
    try {
      const dtype = this.ctx.backend.dtype;
      this.outputs = bottoms.map((b, k) => this.writer!.createDataset(c.datasets[k], { dtype, sampleShape: b.shape.slice(1) }));
      this.writer.flush();
    } catch (e) {
      this.writer.abort();
      this.writer = undefined;
      throw e;
    }
    return [];
  }

  forward(bottoms: Blob[]): void {
    const w = this.writer;
    const where = layerRef(this.config.name, this.config.type);
    if (w?.failure) throw new DataError(`${where}: writing the output file "${w.path}" failed before (${w.failure}); the file was removed`);
    if (!w || w.isClosed) throw new DataError(`${where}: the output file is closed (the net was destroyed)`);
    bottoms.forEach((b, k) => this.outputs[k].append(b.read()));
    w.flush();
  }

  /** Closes the file; a second call does nothing. A failed close is a DataError. */
  override destroy(): void {
    const w = this.writer;
    if (w && !w.isClosed) w.close();
  }
}

export const HDF5Output: LayerType<HDF5OutputConfig> = {
  type: 'HDF5Output',
  parse(r, base) {
    expectBlobs(r, base, [1, Infinity], 0);
    const filename = r.string('filename');
    const datasets = r.strings('datasets', base.bottoms);
    if (datasets.length !== base.bottoms.length) r.fail('datasets', `a list of ${base.bottoms.length} names, one per bottom`, datasets);
    const bad = datasets.find((d) => d.includes('/') || d === '.' || d === '..');
    if (bad !== undefined) r.fail('datasets', "names without '/' (set \"datasets\" to rename a bottom whose name has one)", bad);
    const dup = datasets.find((d, i) => datasets.indexOf(d) !== i);
    if (dup !== undefined) r.fail('datasets', 'distinct names', `"${dup}" twice`);
    return { ...base, filename, datasets, overwrite: r.bool('overwrite', false) };
  },
  create: (c) => new HDF5OutputLayer(c),
};
