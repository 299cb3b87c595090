/**
 * Files and folders as Cortado's readers and writers meet them: only regular files are read (a
 * FIFO or a device would block the process forever), folders are created without Node's recursive
 * mkdir (which loops forever on paths such as /proc/x), and I/O errors are told in words.
 */
import { closeSync, fstatSync, mkdirSync, openSync, constants as fs, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataError } from '../../core/errors.js';

/** What I/O errors mean, for messages. */
const MEANINGS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ERR_FS_EISDIR: 'is a folder',
  EEXIST: 'already exists',
};

/** Whether `path` is a folder (false when it is anything else or nothing). */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** An I/O error as users read it: `no space left on device (ENOSPC)`; other errors as their message. */
export function ioErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return MEANINGS[code] ? `${MEANINGS[code]} (${code})` : code;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a whole regular file. Its type is checked on the open descriptor before any byte is read,
 * so a FIFO, a socket or a device is refused instead of blocking: a DataError `${label}: not a
 * regular file (found a FIFO)`. Missing or unreadable files are DataErrors naming `label` too.
 */
export function readRegularFile(path: string, label: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(path, fs.O_RDONLY | fs.O_NONBLOCK);
  } catch (e) {
    throw new DataError(`${label}: cannot read it (${ioErrorText(e)})`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DataError(`${label}: not a regular file (found ${fileKind(st)})`);
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${label}: cannot read it (${ioErrorText(e)})`, { cause: e });
  } finally {
    closeSync(fd);
  }
}

/** What a non-regular file is, for messages: 'a FIFO', 'a folder', ... */
export function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/**
 * Creates the folder `dir` and its missing parents (as mkdir -p). Node's own recursive mkdir
 * never returns on some paths (under /proc, mkdir fails with ENOENT although the parent exists):
 * here each missing folder is made once, from the nearest existing one down, and a failure is a
 * DataError `${label}: cannot create the folder "<dir>" (<reason>)`.
 */
export function makeDir(dir: string, label: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let d = abs; ; d = dirname(d)) {
    let st;
    try {
      st = statSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || dirname(d) === d) throw new DataError(`${label}: cannot create the folder "${abs}": "${d}" cannot be read (${ioErrorText(e)})`, { cause: e });
      missing.push(d);
      continue;
    }
    if (!st.isDirectory()) throw new DataError(`${label}: cannot create the folder "${abs}": "${d}" is ${fileKind(st)}, not a folder`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new DataError(`${label}: cannot create the folder "${d}" (${ioErrorText(e)})`, { cause: e });
    }
  }
}
