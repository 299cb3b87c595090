/**
 * Durable replacement of a file: the new contents go to a temporary file, which is fsynced and then
 * renamed over the old one, and the folder is fsynced, so that a crash or a power cut leaves the
 * old file or the new one, never a mix or an empty file.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataError } from '../../core/errors.js';
import { ioErrorText, makeDir } from './files.js';

/**
 * Puts the finished temporary file `tmp` in place at `path`: runs `last` on it (open for reading
 * and writing; e.g. to append a seal), fsyncs it, renames it over `path` and fsyncs the folder.
 * Errors propagate; removing `tmp` after one is the caller's part.
 */
export function commitTmp(tmp: string, path: string, last?: (fd: number) => void): void {
  const fd = openSync(tmp, 'r+');
  try {
    last?.(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}

/**
 * Writes `data` as the file `path` durably and atomically (commitTmp): the bytes go to
 * `<path>.tmp`, created here (its folder too); a file at `path` is replaced only by a complete new
 * one. On any failure (ENOSPC on a full disk, EIO) the .tmp is removed, `path` is untouched, and
 * the error is a DataError `${label}: cannot write it: no space left on device (ENOSPC)`.
 * `exclusive`: an existing `<path>.tmp` is refused instead of replaced, for names a user chose,
 * where that file may not be Cortado's. Returns the absolute path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, label: string, options: { exclusive?: boolean } = {}): string {
  const file = resolve(path);
  const tmp = `${file}.tmp`;
  makeDir(dirname(file), label);
  let fd: number;
  try {
    // Not exclusive: the .tmp is this writer's own (an interrupted write's); removed, not opened,
    // since opening a FIFO of that name for writing would wait forever.
    if (!options.exclusive) rmSync(tmp, { force: true });
    fd = openSync(tmp, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new DataError(`${label}: "${tmp}" already exists (left by an interrupted write, or a file of yours); Cortado does not remove files it did not create: move it away and run again`, { cause: e });
    throw new DataError(`${label}: cannot write it: ${ioErrorText(e)}`, { cause: e });
  }
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
    commitTmp(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new DataError(`${label}: cannot write it: ${ioErrorText(e)}; nothing was written under its name`, { cause: e });
  }
  return file;
}

/** Makes a rename durable; best effort where directories cannot be opened (Windows). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported on this platform; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
