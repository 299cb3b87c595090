/**
 * The reader thread of AsyncHDF5Data (see async-hdf5-data.ts for the protocol): from the handed-
 * over stream state it plans epochs exactly as HDF5Data does, and posts chunk after chunk as read
 * (rows in file order, in the datasets' own types), at most `readAhead` ahead of what the main
 * thread consumed, until told to stop; in a data-parallel run, only the chunks holding samples of
 * this rank. While it reads it stores the file's index + 1 in `reading`
 * (the main thread's time limit runs meanwhile).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import type { WorkerMessage, WorkerStart } from './async-hdf5-data.js';

const PRODUCED = 0;
const CONSUMED = 1;
const STOP = 2;
const READING = 3;

const start = workerData as WorkerStart;
const ctl = new Int32Array(start.control);
const port = start.port;

function post(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
  Atomics.add(ctl, PRODUCED, 1);
  Atomics.notify(ctl, PRODUCED);
}

/**
 * Lowers this thread's CPU priority to the lowest (Linux: a thread's id from /proc/thread-self is
 * a valid target of setpriority). Reading then takes the cycles the training loop leaves idle
 * instead of preempting a compute thread, which on a machine whose cores all compute stalls every
 * thread of the pool; when reading falls behind, forward blocks and the cores it frees run it.
 * Best effort: elsewhere the thread keeps the normal priority.
 */
function yieldToCompute(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // not Linux, or not permitted: normal priority
  }
}

async function run(): Promise<void> {
  yieldToCompute();
  // Imported here so that a failure to load reaches the main thread as a message.
  const { hdf5 } = await import('../io/hdf5.js');
  await hdf5();
  const { trustValidated } = await import('../io/hdf5-guard.js');
  trustValidated(start.validated);
  const { Random } = await import('../../core/random.js');
  const { planEpoch } = await import('../../data/epoch-plan.js');
  const { ChunkReader } = await import('./hdf5-source.js');
  const { ShardFilter } = await import('../../core/shard.js');
  const reader = new ChunkReader(start.files);
  const counts = start.files.map((f) => f.rows);
  const stream = new Random(0);
  stream.setState(start.stream);
  let epoch = start.epoch;
  let plan = planEpoch(counts, start.settings, stream);
  let chunk = start.chunk;
  let produced = 0;
  const filter = new ShardFilter(start.shard, start.batchSize, plan.total, start.phase);
  const next = () => {
    if (++chunk === plan.chunkCount) {
      epoch++;
      chunk = 0;
      plan = planEpoch(counts, start.settings, stream);
    }
  };
  try {
    for (;;) {
      if (!filter.needs(epoch, plan.offset(chunk), plan.offset(chunk + 1))) {
        next();
        continue;
      }
      for (;;) {
        if (Atomics.load(ctl, STOP)) return;
        const consumed = Atomics.load(ctl, CONSUMED);
        if (produced - consumed < start.readAhead) break;
        Atomics.wait(ctl, CONSUMED, consumed);
      }
      const spec = plan.chunk(chunk);
      // Tells the main thread which file is being read, for its time limit.
      Atomics.store(ctl, READING, spec.file + 1);
      const tops = reader.load(spec);
      Atomics.store(ctl, READING, 0);
      post({ epoch, chunk, tops }, tops.map((t) => t.buffer as ArrayBuffer));
      produced++;
      next();
    }
  } finally {
    reader.close();
  }
}

// The port stays open after an error so the message is still there to receive; the thread then ends.
run().catch((e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ error: { name: err.name, message: err.message } });
});
