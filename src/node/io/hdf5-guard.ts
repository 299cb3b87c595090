/**
 * The guard for HDF5 files without Cortado's seal. Some damage makes the HDF5 library loop for
 * ever (or trap) instead of failing, and a loop inside WebAssembly cannot be interrupted on the
 * thread running it. So before a foreign file is opened on the calling thread, a guard thread
 * (hdf5-guard-worker.ts) opens it and walks it: every group and link, every dataset's metadata,
 * filters, attributes, and its first and last rows (which walks its chunk index). The calling
 * thread waits synchronously, at most the time limit; past it the guard thread is terminated and
 * the file is refused with a DataError naming it.
 *
 * Time limit: 10 s (DEFAULT_TIME_LIMIT), or the CORTADO_HDF5_TIME_LIMIT environment variable in
 * seconds, or the caller's option. The guard thread starts once (loading h5wasm into it is not
 * counted against the limit) and stays for later files; it is unref'd, so it never keeps a process
 * alive. A file that passed is remembered by path, size, modification time and inode, so reopening
 * it (every snapshot load, each chunk of a data layer) costs a stat. Reads of other rows later are
 * not covered (AsyncHDF5Data's reader thread has its own limit; see async-hdf5-data.ts).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ConfigError, DataError } from '../../core/errors.js';

/** Seconds a foreign file may take to open and walk before it is refused. */
export const DEFAULT_TIME_LIMIT = 10;

/** Seconds the guard thread may take to start (load h5wasm), on a busy machine. */
const START_LIMIT = 120;

/**
 * The time limit in seconds: `override` when given, else CORTADO_HDF5_TIME_LIMIT, else
 * DEFAULT_TIME_LIMIT. A value that is not a positive number is a ConfigError naming its source.
 */
export function hdf5TimeLimit(override?: number): number {
  const raw = process.env.CORTADO_HDF5_TIME_LIMIT;
  const [value, source] = override !== undefined ? [override, 'the HDF5 time limit'] : raw !== undefined && raw !== '' ? [Number(raw), `CORTADO_HDF5_TIME_LIMIT="${raw}"`] : [DEFAULT_TIME_LIMIT, ''];
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new ConfigError(`${source}: expected a positive number of seconds, found ${String(value)}`);
  return value;
}

/** A request to the guard thread, and its answers. */
export interface GuardRequest {
  id: number;
  file: string;
}
export type GuardAnswer = { ready: true } | { id: number; ok: true } | { id: number; error: string; fatal: boolean };

/** Indices into the shared control array: messages posted (bumped after every post). */
export const POSTED = 0;

interface GuardThread {
  worker: Worker;
  port: MessagePort;
  control: Int32Array;
  ready: boolean;
}

let thread: GuardThread | undefined;
let nextId = 1;
const validated = new Set<string>();

function keyOf(file: string): string {
  const st = statSync(file);
  return `${file}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
}

/** The files that passed on this thread, as opaque keys (for trustValidated on another thread). */
export function validatedKeys(): string[] {
  return [...validated];
}

/** Takes keys from validatedKeys of another thread: those files, unchanged, pass without a walk. */
export function trustValidated(keys: readonly string[]): void {
  for (const k of keys) validated.add(k);
}

/**
 * Opens and walks the foreign HDF5 file `file` (an absolute path) on the guard thread, waiting at
 * most `limit` seconds; returns when HDF5 went through it. A hang, a trap of the HDF5 library or a
 * failure to open is a DataError naming `label`. Files passed before, unchanged, return at once.
 */
export function guardForeignFile(file: string, label: string, limit = hdf5TimeLimit()): void {
  let key: string;
  try {
    key = keyOf(file);
  } catch (e) {
    throw new DataError(`${label}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  if (validated.has(key)) return;
  const t = startThread(label);
  const id = nextId++;
  t.port.postMessage({ id, file } satisfies GuardRequest);
  const answer = waitFor(t, (a) => 'id' in a && a.id === id, limit);
  if (!answer) {
    stopThread();
    throw new DataError(
      `${label}: HDF5 did not finish opening and reading the file's structure within ${limit} s, so the file is refused: ` +
        'a damaged file can make the HDF5 library loop for ever. Check it with h5dump or h5py; if it is sound and only slow to read, ' +
        'raise the limit with CORTADO_HDF5_TIME_LIMIT=<seconds>',
    );
  }
  if ('error' in answer) {
    if (answer.fatal) stopThread(); // the library trapped: that thread's copy is unusable
    throw new DataError(`${label}: ${answer.error}`);
  }
  validated.add(key);
}

function startThread(label: string): GuardThread {
  if (thread?.ready) return thread;
  if (!thread) {
    const script = new URL('./hdf5-guard-worker.js', import.meta.url);
    const channel = new MessageChannel();
    const control = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(script, { workerData: { control: control.buffer, port: channel.port2 }, transferList: [channel.port2] });
    worker.unref();
    channel.port1.unref();
    thread = { worker, port: channel.port1, control, ready: false };
  }
  const t = thread;
  const answer = waitFor(t, (a) => 'ready' in a, START_LIMIT);
  if (!answer || 'error' in answer) {
    stopThread();
    const script = fileURLToPath(new URL('./hdf5-guard-worker.js', import.meta.url));
    throw new DataError(`${label}: the HDF5 guard thread (${script}) ${answer && 'error' in answer ? `failed to start: ${answer.error}` : `did not start within ${START_LIMIT} s`}`);
  }
  t.ready = true;
  return t;
}

/** The first answer accepted by `want`, or undefined after `limit` seconds; an error about no request (id 0: the thread failed to start) ends the wait too. */
function waitFor(t: GuardThread, want: (a: GuardAnswer) => boolean, limit: number): GuardAnswer | undefined {
  const deadline = Date.now() + limit * 1000;
  for (;;) {
    const seen = Atomics.load(t.control, POSTED);
    let got;
    while ((got = receiveMessageOnPort(t.port))) {
      const a = got.message as GuardAnswer;
      if (want(a)) return a;
      if ('error' in a && a.id === 0) return a;
    }
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(t.control, POSTED, seen, left);
  }
}

/** Terminates the guard thread (it may be stuck inside HDF5); the next file starts a new one. */
function stopThread(): void {
  if (!thread) return;
  void thread.worker.terminate();
  thread.port.close();
  thread = undefined;
}
