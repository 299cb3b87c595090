/**
 * Write errors that HDF5 would lose. h5wasm's HDF5 writes through Emscripten's file system, whose
 * Node build (NODERAWFS) calls Node's fs.writeSync. A failure there (ENOSPC on a full disk, EIO)
 * reaches HDF5 as an errno, which HDF5 reports by printing diagnostics to stderr; the failing call
 * is often one whose status h5wasm ignores (closing a dataset, evicting a chunk from the cache), so
 * the write "succeeds" and the file keeps holes that read back as zeros. Measured on a 1 MB tmpfs:
 * every append, flush and close returned success after the disk filled.
 *
 * So the Emscripten file system's write, truncate and close are watched: the first failure on each
 * path is kept until the writer of that path takes it (takeWriteError) after each of its calls.
 */
import { ioErrorText } from './files.js';
import type { H5Wasm } from './hdf5.js';

/** Emscripten's errno numbers (its ERRNO_CODES) for the errors a write can meet. */
const CODES: Record<number, string> = {
  51: 'ENOSPC',
  19: 'EDQUOT',
  29: 'EIO',
  22: 'EFBIG',
  69: 'EROFS',
  2: 'EACCES',
  63: 'EPERM',
  8: 'EBADF',
  28: 'EINVAL',
};

/** A failed write: the Node error code (e.g. 'ENOSPC') and which call failed. */
export interface WriteFailure {
  code: string;
  call: 'write' | 'truncate' | 'close';
}

const failures = new Map<string, WriteFailure>();
let watched = false;

interface EmscriptenFs {
  write: (stream: { path?: string }, ...rest: unknown[]) => number;
  close: (stream: { path?: string }) => void;
  ftruncate: (fd: number, len: number) => void;
  getStream: (fd: number) => { path?: string } | null;
}

/** Installs the watch on h5wasm's file system (once; h5wasm is loaded once per process). */
export function watchWrites(lib: H5Wasm): void {
  if (watched) return;
  const fs = (lib.Module as unknown as { FS?: EmscriptenFs }).FS;
  if (!fs || typeof fs.write !== 'function') return; // another h5wasm build: nothing to hook
  watched = true;
  const record = (path: string | undefined, call: WriteFailure['call'], e: unknown) => {
    const errno = (e as { errno?: number }).errno;
    if (path !== undefined && !failures.has(path)) failures.set(path, { code: errno !== undefined ? CODES[errno] ?? `errno ${errno}` : String(e), call });
  };
  const { write, close, ftruncate } = fs;
  fs.write = function (stream, ...rest) {
    try {
      return write.call(this, stream, ...rest);
    } catch (e) {
      record(stream?.path, 'write', e);
      throw e;
    }
  };
  fs.close = function (stream) {
    try {
      close.call(this, stream);
    } catch (e) {
      record(stream?.path, 'close', e);
      throw e;
    }
  };
  fs.ftruncate = function (fd, len) {
    try {
      ftruncate.call(this, fd, len);
    } catch (e) {
      record(fs.getStream(fd)?.path, 'truncate', e);
      throw e;
    }
  };
}

/** The first write failure on `path` since the last call (absolute path, as HDF5 opened it), and forgets it. */
export function takeWriteError(path: string): WriteFailure | undefined {
  const f = failures.get(path);
  failures.delete(path);
  return f;
}

/** What a failure means, for messages: `no space left on device (ENOSPC) while HDF5 wrote to it`. */
export function writeFailureText(f: WriteFailure): string {
  const verb = f.call === 'write' ? 'wrote to it' : f.call === 'close' ? 'closed it' : 'set its length';
  return `${ioErrorText({ code: f.code })} while HDF5 ${verb}`;
}
