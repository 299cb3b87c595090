/**
 * The guard thread of hdf5-guard.ts: loads h5wasm, answers { ready }, then for each requested file
 * opens it read-only and walks everything a reader may touch: groups and links, each dataset's
 * metadata, filters and attributes, and its first and last rows (numbers only, at most 64 MiB a
 * row; datasets stored outside the file are not read, readers refuse them). Errors HDF5 reports
 * while walking are left to the reader, which names them better; a trap of the library (a
 * WebAssembly RuntimeError, after which this thread's copy of HDF5 is unusable) or a file HDF5
 * cannot open is answered as an error. After each post the shared counter is bumped and notified,
 * which wakes the waiting thread.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm/node';
import { POSTED, type GuardAnswer, type GuardRequest } from './hdf5-guard.js';

const control = new Int32Array((workerData as { control: SharedArrayBuffer }).control);
const port = (workerData as { port: MessagePort }).port;

function post(answer: GuardAnswer): void {
  port.postMessage(answer);
  Atomics.add(control, POSTED, 1);
  Atomics.notify(control, POSTED);
}

const ROW_BYTES = 64 * 2 ** 20;

async function main(): Promise<void> {
  const { hdf5 } = await import('./hdf5.js');
  const { checkHdf5File } = await import('./integrity.js');
  const { datasetStorage } = await import('./hdf5-layout.js');
  const lib = await hdf5();
  const M = lib.Module;

  function readRow(fileId: bigint, ds: H5Dataset, row: number): void {
    const md = ds.metadata;
    if ((md.type !== 0 && md.type !== 1) || md.vlen || !md.shape) return;
    const shape = md.shape.map(BigInt);
    const rowBytes = md.size * md.shape.slice(1).reduce((a, b) => a * b, 1);
    if (shape.length === 0 || rowBytes > ROW_BYTES || md.shape[0] === 0) return;
    const ptr = M._malloc(Math.max(rowBytes, 1));
    try {
      M.get_dataset_data(fileId, ds.path, [1n, ...shape.slice(1)], [BigInt(row), ...shape.slice(1).map(() => 0n)], shape.map(() => 1n), BigInt(ptr));
    } finally {
      M._free(ptr);
    }
  }

  function walk(file: string): void {
    const sb = checkHdf5File(file, file);
    const f = new lib.File(file, 'r');
    if (f.file_id < 0n) throw new Error('HDF5 cannot open it (see the HDF5 diagnostics above)');
    const seen = new Set<string>([tolerate(() => Buffer.from(M.create_object_reference(f.file_id, '/')).toString('hex')) ?? '']);
    const visit = (g: H5Group): void => {
      for (const name of tolerate(() => g.keys()) ?? []) {
        const m = tolerate(() => g.get(name));
        if (!(m instanceof lib.Group || m instanceof lib.Dataset)) continue;
        for (const a of tolerate(() => Object.keys(m.attrs)) ?? []) tolerate(() => m.get_attribute(a, false));
        if (m instanceof lib.Group) {
          // A hard link back to an ancestor would walk for ever: each object once, by address.
          const ref = tolerate(() => Buffer.from(M.create_object_reference(f.file_id, m.path)).toString('hex'));
          if (ref === undefined || seen.has(ref)) continue;
          seen.add(ref);
          visit(m);
          continue;
        }
        const md = tolerate(() => m.metadata);
        tolerate(() => m.filters);
        const ref = tolerate(() => M.create_object_reference(f.file_id, m.path));
        if (!md || !ref || md.virtual_sources) continue;
        const storage = tolerate(() => datasetStorage(file, sb, Buffer.from(ref).readBigUInt64LE(0), m.path));
        if (!storage || storage.external) continue;
        tolerate(() => readRow(f.file_id, m, 0));
        if (md.shape?.length) tolerate(() => readRow(f.file_id, m, md.shape![0]! - 1));
      }
    };
    try {
      for (const a of tolerate(() => Object.keys(f.attrs)) ?? []) tolerate(() => f.get_attribute(a, false));
      visit(f);
    } finally {
      tolerate(() => f.close());
    }
  }

  port.on('message', (req: GuardRequest) => {
    try {
      walk(req.file);
      post({ id: req.id, ok: true });
    } catch (e) {
      const fatal = isTrap(e);
      const text = e instanceof Error ? e.message : String(e);
      post({ id: req.id, error: fatal ? `the HDF5 library failed on the file (${text}); the file is corrupt` : text, fatal });
    }
  });
  post({ ready: true });
}

/** A trap of WebAssembly code (WebAssembly.RuntimeError: an abort, an out-of-bounds access). */
function isTrap(e: unknown): boolean {
  return e instanceof Error && e.name === 'RuntimeError';
}

/** `fn()`, or undefined when HDF5 reported an error; a trap of the library is passed on. */
function tolerate<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isTrap(e)) throw e;
    return undefined;
  }
}

main().catch((e: unknown) => post({ id: 0, error: e instanceof Error ? e.message : String(e), fatal: true }));
