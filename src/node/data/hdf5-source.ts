/**
 * The files behind HDF5Data and AsyncHDF5Data (and its worker): the source list, its validation
 * from metadata, the loading of one planned chunk, and serving its samples, transformed, in order.
 *
 * Source list: a text file naming one HDF5 file per line; blank lines and lines starting with `#`
 * are ignored, surrounding spaces trimmed, and relative paths are relative to the list file's
 * folder. Every listed file holds one dataset per top (named as the top), whose first axis is the
 * sample axis (row-major N×C×H×W, which is how Mocha's column-major W×H×C×N files look to a
 * row-major reader). Importing this module registers the SubMean `meanFile` loader.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { countOf } from '../../core/blob.js';
import { DataError, shapeStr } from '../../core/errors.js';
import type { Phase } from '../../core/layer.js';
import { readRegularFile } from '../io/files.js';
import { Hdf5Reader, type DatasetInfo, type StoredRows } from '../io/hdf5-reader.js';
import { MAX_EPOCH_SAMPLES, type PlanChunk } from '../../data/epoch-plan.js';
import { TransformPipeline, joinDrawNeeds, setMeanLoader, type SampleDraw, type TransformerSpec } from '../../data/transformers.js';

/** A listed file, validated: its absolute path, line in the list, and its datasets (one per top). */
export interface SourceFile {
  path: string;
  line: number;
  rows: number;
  datasets: DatasetInfo[];
}

export interface SourceDescription {
  listFile: string;
  files: SourceFile[];
  /** One sample's shape per top (the same in every file). */
  sampleShapes: number[][];
}

/** The listed paths with their line numbers (1-based), resolved against the list's folder. */
export function readSourceList(source: string, where: string): { path: string; line: number }[] {
  const listFile = resolve(source);
  let text: string;
  try {
    text = readRegularFile(listFile, `${where}: source list "${listFile}"`).toString('utf8');
  } catch (e) {
    throw new DataError(`${(e as Error).message}; "source" names a text file listing one HDF5 file per line`, { cause: e });
  }
  const base = dirname(listFile);
  const out: { path: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    out.push({ path: isAbsolute(s) ? s : resolve(base, s), line: i + 1 });
  });
  if (out.length === 0) throw new DataError(`${where}: the source list "${listFile}" names no HDF5 file (only blank or # comment lines)`);
  return out;
}

/**
 * Reads the list and checks every file from its metadata: it exists and is a complete HDF5 file
 * (one without Cortado's seal also passes the guard thread, see io/hdf5-guard.ts), holds every
 * top's dataset with a supported type and filters, stored in the file itself unless
 * `allowExternalStorage`, the same per-sample shape in every file, and the same number of rows for
 * every top within a file.
 */
export function describeSource(source: string, tops: readonly string[], where: string, allowExternalStorage = false): SourceDescription {
  const listFile = resolve(source);
  const listed = readSourceList(source, where);
  const files: SourceFile[] = [];
  let first: SourceFile | undefined;
  for (const { path, line } of listed) {
    const at = `${where}: source list "${listFile}", line ${line}`;
    let reader: Hdf5Reader;
    try {
      reader = Hdf5Reader.open(path);
    } catch (e) {
      throw new DataError(`${at}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const datasets = tops.map((t) => {
        try {
          return reader.info(t, allowExternalStorage);
        } catch (e) {
          throw new DataError(`${at}: ${(e as Error).message}`, { cause: e });
        }
      });
      const rows = datasets[0].shape[0];
      datasets.forEach((d, k) => {
        if (d.shape[0] !== rows) {
          throw new DataError(`${at}: HDF5 file "${path}": every top's dataset must have the same number of rows (samples); dataset "${tops[0]}" has shape ${shapeStr(datasets[0].shape)}, dataset "${tops[k]}" has ${shapeStr(d.shape)}`);
        }
        if (first && shapeStr(d.shape.slice(1)) !== shapeStr(first.datasets[k].shape.slice(1))) {
          throw new DataError(
            `${at}: HDF5 file "${path}", dataset "${tops[k]}" has shape ${shapeStr(d.shape)} (samples of ${shapeStr(d.shape.slice(1))}), ` +
              `but in "${first.path}" (line ${first.line}) it has shape ${shapeStr(first.datasets[k].shape)} (samples of ${shapeStr(first.datasets[k].shape.slice(1))}); every file must hold samples of the same shape`,
          );
        }
      });
      const f = { path, line, rows, datasets };
      first ??= f;
      files.push(f);
    } finally {
      reader.close();
    }
  }
  const total = files.reduce((n, f) => n + f.rows, 0);
  if (!Number.isSafeInteger(total) || total > MAX_EPOCH_SAMPLES) {
    throw new DataError(`${where}: the files of the source list "${listFile}" declare ${total} samples in all, above the limit of ${MAX_EPOCH_SAMPLES} (2^52) an epoch plan can order; split the data into fewer rows`);
  }
  if (files.every((f) => f.rows === 0)) throw new DataError(`${where}: the files of the source list "${listFile}" hold no samples (every dataset has 0 rows)`);
  return { listFile, files, sampleShapes: files[0].datasets.map((d) => d.shape.slice(1)) };
}

/** The pipelines of a layer's tops (null where a top has no transformers). */
export function buildPipelines(transformers: readonly TransformerSpec[][], sampleShapes: readonly number[][], phase: Phase, where: string, tops: readonly string[]): (TransformPipeline | null)[] {
  const pipelines = transformers.map((specs, k) => (specs.length ? new TransformPipeline(specs, sampleShapes[k], phase, `${where}, field "transformers" (top "${tops[k]}")`) : null));
  joinDrawNeeds(pipelines, where);
  return pipelines;
}

/** Reads planned chunks: keeps the last file open, reads each chunk's rows as one hyperslab per top. */
export class ChunkReader {
  private open: { file: number; reader: Hdf5Reader } | undefined;

  constructor(private readonly files: readonly SourceFile[]) {}

  /**
   * The chunk's rows per top, in file order and in the datasets' own types (uint8 images stay
   * bytes: a quarter of the memory and of the bytes a worker posts); `serveSample` picks and
   * transforms them in serving order.
   */
  load(chunk: PlanChunk): StoredRows[] {
    const f = this.files[chunk.file];
    if (this.open?.file !== chunk.file) {
      this.close();
      this.open = { file: chunk.file, reader: Hdf5Reader.open(f.path) };
    }
    const reader = this.open.reader;
    return f.datasets.map((info) => reader.readRowsStored(info, chunk.start, chunk.count));
  }

  close(): void {
    this.open?.reader.close();
    this.open = undefined;
  }
}

/**
 * Writes the sample at serving position `j` of a loaded chunk into `out[k]` at sample slot `b`,
 * for every top k: its row (the plan's permutation), through top k's pipeline with the plan's draw
 * for that sample (crop offsets, mirror), or converted to float as it is. A top whose pipeline is
 * a single Scale is only converted: `batchScale[k]` is then the factor for the caller to apply to
 * the whole batch on the backend (a SIMD pass there; per value in JavaScript it costs as much as
 * a few percent of a LeNet training step).
 */
export class SampleServer {
  private readonly draw: SampleDraw = { cropY: 0, cropX: 0, mirror: false };
  readonly inSizes: number[];
  readonly outSizes: number[];
  readonly batchScale: (number | undefined)[];
  private readonly pipelines: (TransformPipeline | null)[];

  constructor(sampleShapes: readonly number[][], pipelines: readonly (TransformPipeline | null)[]) {
    this.inSizes = sampleShapes.map((s) => countOf(s));
    this.outSizes = sampleShapes.map((s, k) => pipelines[k]?.outputSize ?? countOf(s));
    this.batchScale = pipelines.map((p) => p?.scaleOnly);
    this.pipelines = pipelines.map((p, k) => (this.batchScale[k] === undefined ? p : null));
  }

  serve(chunk: PlanChunk, raw: readonly StoredRows[], j: number, out: readonly Float32Array[], b: number): void {
    const row = chunk.rows ? chunk.rows[j] : j;
    const drawn = chunk.cropY !== null || chunk.cropX !== null || chunk.mirror !== null;
    if (drawn) {
      this.draw.cropY = chunk.cropY ? chunk.cropY[j] : 0;
      this.draw.cropX = chunk.cropX ? chunk.cropX[j] : 0;
      this.draw.mirror = chunk.mirror ? chunk.mirror[j] === 1 : false;
    }
    for (let k = 0; k < raw.length; k++) {
      const n = this.inSizes[k];
      const p = this.pipelines[k];
      if (p) p.apply(raw[k], row * n, out[k], b * this.outSizes[k], drawn ? this.draw : undefined);
      else out[k].set(raw[k].subarray(row * n, (row + 1) * n), b * n);
    }
  }
}

/** The SubMean meanFile loader: dataset "mean" of an HDF5 file (a relative path is relative to the working directory). */
function loadMean(file: string, where: string): { shape: number[]; values: Float32Array } {
  try {
    const reader = Hdf5Reader.open(file, 'mean file');
    try {
      const info = reader.info('mean');
      return { shape: info.shape, values: reader.readRows(info, 0, info.shape[0]) };
    } finally {
      reader.close();
    }
  } catch (e) {
    throw new DataError(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

setMeanLoader(loadMean);
