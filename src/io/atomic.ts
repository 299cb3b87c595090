/**
 * Durable replacement of a file: the new contents go to a temporary file, which is fsynced and then
 * renamed over the old one, and the folder is fsynced, so that a crash or a power cut leaves the
 * old file or the new one, never a mix or an empty file.
 */
import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';

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
