/**
 * AsyncHDF5Data: HDF5Data whose chunks are read ahead by a worker thread, so the reading overlaps
 * training; the main thread only picks each batch's rows and transforms them as it copies them. The batches are exactly HDF5Data's for the same seed and settings:
 * the worker computes the same epoch plans from the same stream state (handed over when it
 * starts) and posts the chunks in serving order.
 *
 * Protocol: the worker posts each chunk { epoch, chunk, tops } on a MessagePort, the arrays
 * transferred, then bumps `produced` in a shared Int32Array and notifies. The synchronous forward
 * takes messages with receiveMessageOnPort and blocks (Atomics.wait on `produced`) only when the
 * next chunk is not there yet, then bumps `consumed`. The worker waits (Atomics.wait on
 * `consumed`) while it is `readAhead` chunks ahead. An error in the worker (a file vanished or
 * corrupt) is posted as a message and raised from forward as a DataError naming the file.
 * The worker is unref'd (a process that never calls destroy still exits); destroy() stops it.
 * setState restarts it at the saved position. In a data-parallel run the worker skips the chunks
 * that hold none of this rank's samples (ShardFilter), as HDF5Data never loads them.
 * Time limit: while it reads, the worker stores the file's index + 1 in `reading`; forward waits
 * for a chunk being read at most the HDF5 time limit (io/hdf5-guard.ts: 10 s, or
 * CORTADO_HDF5_TIME_LIMIT seconds), then terminates the worker and raises a DataError naming the
 * file and rows, since a damaged file can make HDF5 loop for ever. The files were gone through by
 * the guard at setup; the worker trusts them while they are unchanged (validatedKeys).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DataError, layerRef } from '../../core/errors.js';
import { hdf5TimeLimit, validatedKeys } from '../io/hdf5-guard.js';
import type { LayerType } from '../../core/layer.js';
import { HDF5DataLayer, parseHDF5DataFields, type HDF5DataConfig } from './hdf5-data.js';
import type { PlanSettings } from '../../data/epoch-plan.js';
import { NO_SHARD, type Shard } from '../../core/shard.js';
import type { SourceFile } from './hdf5-source.js';
import type { StoredRows } from '../io/hdf5-reader.js';

export interface AsyncHDF5DataConfig extends HDF5DataConfig {
  /** Chunks the worker reads ahead of the one being served (default 2). */
  readAhead: number;
}

/** Indices into the shared control array. */
export const PRODUCED = 0;
export const CONSUMED = 1;
export const STOP = 2;
export const READING = 3;

/** What the worker is started with (structured-cloned). */
export interface WorkerStart {
  files: SourceFile[];
  settings: PlanSettings;
  /** First chunk to post: chunk `chunk` of epoch `epoch`, whose plan is drawn from `stream`. */
  epoch: number;
  chunk: number;
  stream: number[];
  readAhead: number;
  control: SharedArrayBuffer;
  port: MessagePort;
  where: string;
  /** Files the main thread's guard passed (see trustValidated). */
  validated: string[];
  /** In a data-parallel run: this rank, the batch size and the start of the global batch being served, so that chunks holding none of this rank's samples are not read. */
  shard: Shard;
  batchSize: number;
  phase: { epoch: number; cursor: number };
}

/** A message from the worker. */
export type WorkerMessage =
  | { epoch: number; chunk: number; tops: StoredRows[] }
  | { error: { name: string; message: string } };

export class AsyncHDF5DataLayer extends HDF5DataLayer<AsyncHDF5DataConfig> {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private control = new Int32Array(new SharedArrayBuffer(16));
  private failure: Error | undefined;
  private exited: Promise<unknown> = Promise.resolve();

  /** Whether a worker thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Chunks the worker has posted that forward has not taken yet (at most readAhead). */
  get pending(): number {
    return Atomics.load(this.control, PRODUCED) - Atomics.load(this.control, CONSUMED);
  }

  /** Settles when the last stopped worker thread has exited (for tests and orderly shutdown). */
  whenStopped(): Promise<unknown> {
    return this.exited;
  }

  protected override loadChunk(index: number): StoredRows[] {
    if (this.failure) throw this.failure;
    if (!this.worker) this.start(index);
    const ctl = this.control;
    const limit = hdf5TimeLimit();
    let deadline: number | undefined;
    for (;;) {
      const seen = Atomics.load(ctl, PRODUCED);
      const got = receiveMessageOnPort(this.port!);
      if (!got) {
        // The clock runs only while the worker reads (not while it starts and loads h5wasm).
        if (Atomics.load(ctl, READING) === 0) deadline = undefined;
        else deadline ??= Date.now() + limit * 1000;
        if (deadline !== undefined && Date.now() >= deadline) throw this.timedOut(index, limit);
        Atomics.wait(ctl, PRODUCED, seen, deadline === undefined ? 1000 : deadline - Date.now());
        continue;
      }
      Atomics.add(ctl, CONSUMED, 1);
      Atomics.notify(ctl, CONSUMED);
      const msg = got.message as WorkerMessage;
      if ('error' in msg) {
        this.stop();
        const text = `${layerRef(this.config.name, this.config.type)}, reader thread: ${msg.error.message}`;
        this.failure = msg.error.name === 'DataError' ? new DataError(text) : new Error(text);
        throw this.failure;
      }
      if (msg.epoch !== this.epochs || msg.chunk !== index) {
        // The worker follows the same plan; a mismatch is a bug, not a data problem.
        this.stop();
        throw new Error(`${layerRef(this.config.name, this.config.type)}: the reader thread sent chunk ${msg.chunk} of epoch ${msg.epoch}, expected chunk ${index} of epoch ${this.epochs}`);
      }
      return msg.tops;
    }
  }

  /** Stops the worker stuck reading chunk `index` and returns the DataError to raise (kept for later forwards). */
  private timedOut(index: number, limit: number): DataError {
    this.stop();
    const chunk = this.plan.range(index);
    const file = this.source.files[chunk.file];
    this.failure = new DataError(
      `${layerRef(this.config.name, this.config.type)}, reader thread: HDF5 file "${file.path}" (line ${file.line} of "${this.source.listFile}"): ` +
        `reading rows [${chunk.start}, ${chunk.start + chunk.count}) did not finish within ${limit} s, so the reader was stopped: a damaged file can make ` +
        'the HDF5 library loop for ever. Check the file with h5dump or h5py; if it is sound and only slow to read, raise the limit with CORTADO_HDF5_TIME_LIMIT=<seconds>',
    );
    return this.failure;
  }

  private start(index: number): void {
    const c = this.config;
    const channel = new MessageChannel();
    this.control = new Int32Array(new SharedArrayBuffer(4 * 4));
    const start: WorkerStart = {
      files: this.source.files, settings: this.settings, epoch: this.epochs, chunk: index, stream: this.epochStart,
      readAhead: c.readAhead, control: this.control.buffer, port: channel.port2, where: layerRef(c.name, c.type), validated: validatedKeys(),
      shard: this.ctx.shard ?? NO_SHARD, batchSize: c.batchSize, phase: this.batchStart,
    };
    const script = new URL('./async-hdf5-worker.js', import.meta.url);
    // A worker that cannot even load would leave forward waiting for ever: check the file first.
    if (!existsSync(fileURLToPath(script))) throw new DataError(`${start.where}: the reader thread's script ${fileURLToPath(script)} is missing (rebuild Cortado)`);
    this.worker = new Worker(script, { workerData: start, transferList: [channel.port2] });
    this.worker.unref();
    // Errors normally reach forward as messages; anything else fails the next forward.
    const worker = this.worker;
    worker.on('error', (e) => {
      if (this.worker === worker) this.failure ??= e;
    });
    this.port = channel.port1;
    this.port.unref();
  }

  /** Stops the worker thread (it exits from any wait) and drops undelivered chunks. */
  private stop(): void {
    if (!this.worker) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, CONSUMED, 1 << 20);
    Atomics.notify(this.control, CONSUMED);
    this.exited = this.worker.terminate();
    this.port?.close();
    this.worker = undefined;
    this.port = undefined;
  }

  override setState(state: Record<string, unknown>): void {
    this.stop();
    this.failure = undefined;
    super.setState(state);
  }

  override destroy(): void {
    this.stop();
    super.destroy();
  }
}

export const AsyncHDF5Data: LayerType<AsyncHDF5DataConfig> = {
  type: 'AsyncHDF5Data',
  parse(r, base) {
    return { ...parseHDF5DataFields(r, base), readAhead: r.int('readAhead', 2, { min: 1, max: 64 }) };
  },
  create: (c) => new AsyncHDF5DataLayer(c),
};
