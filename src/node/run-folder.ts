/**
 * A run's output folder (snapshots/, statistics.json) belongs to one run at a time.
 *
 * Lock: `<dir>/cortado.lock`, a JSON file `{ pid, host, started, command, token }`, created whole
 * and exclusively (written to a temporary file, then hard-linked to the lock's name, which fails
 * when the lock exists). A second run on the folder gets a LockError naming the lock file and the
 * pid, host and start time of its holder. A lock whose pid no longer runs on this host is stale (a
 * run killed with SIGKILL or a power cut leaves one): it is taken over with a warning. A lock held
 * on another host cannot be checked from here: it is an error that says how to remove it. The lock
 * is released (deleted, when it is still this run's) by `release()`, and at process exit.
 *
 * Fresh start: `moveAsidePreviousRun` moves an earlier run's files into `<dir>/previous-<time>/`
 * instead of letting the new run overwrite its snapshots and statistics.
 */
import { DataError } from '../core/errors.js';
import { makeDir } from './io/files.js';
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

/** The output folder is in use by another run, or its lock cannot be read (a DataError: a file in the way). */
export class LockError extends DataError {
  override name = 'LockError';
}

export const LOCK_NAME = 'cortado.lock';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
  token: string;
}

export interface FolderLock {
  /** The lock file. */
  readonly file: string;
  /** Deletes the lock file if it is still this run's; idempotent. */
  release(): void;
}

/**
 * Creates `dir` when needed and locks it for this process (see the module comment); `warn`
 * receives the line saying a stale lock was taken over. Throws LockError when the folder is held.
 */
export function lockFolder(dir: string, warn: (line: string) => void = (l) => console.warn(l)): FolderLock {
  makeDir(dir, 'output folder');
  const file = join(dir, LOCK_NAME);
  const mine: LockInfo = {
    pid: process.pid, host: hostname(), started: new Date().toISOString(),
    command: process.argv.slice(1).join(' '), token: `${process.pid}-${Math.random().toString(36).slice(2)}`,
  };
  const text = JSON.stringify(mine) + '\n';
  const tmp = `${file}.${mine.token}.tmp`;
  writeFileSync(tmp, text);
  try {
    if (!createFrom(tmp, file, text)) {
      const { info, raw } = readLock(file);
      if (!info) throw new LockError(`lock file ${file} is unreadable (found ${JSON.stringify(raw.slice(0, 80))}); if no Cortado run uses ${dir}, delete the lock file`);
      const holder = `pid ${info.pid} on host ${info.host}, started ${info.started}${info.command ? `: ${info.command}` : ''}`;
      if (info.host !== mine.host) {
        throw new LockError(`output folder ${dir} is locked by ${holder} (lock file ${file}); this host (${mine.host}) cannot tell whether that run still goes on. If it does not, delete the lock file`);
      }
      if (alive(info.pid)) {
        const who = info.pid === process.pid ? 'this process' : 'another run';
        throw new LockError(
          `output folder ${dir} is in use by ${who}: ${holder} (lock file ${file}). Wait for it to finish, stop it, or choose another --output ` +
            '(if that pid is no Cortado run, e.g. after a reboot, delete the lock file)',
        );
      }
      takeOver(file, raw, tmp, text, holder);
      warn(`cortado: took over the stale lock ${file}: ${holder}, which no longer runs`);
    }
  } finally {
    tryUnlink(tmp);
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    if (readLock(file).raw === text) tryUnlink(file);
  };
  process.on('exit', release);
  return { file, release };
}

/** Moves the stale lock (exactly the text judged stale) away and links ours in its place. */
function takeOver(file: string, staleText: string, tmp: string, text: string, holder: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    throw new LockError(`lock file ${file} (${holder}) changed while it was being taken over; try again`);
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } finally {
    if (moved !== staleText) tryLink(aside, file); // another run's fresh lock: give it back
    tryUnlink(aside);
  }
  if (moved !== staleText || !createFrom(tmp, file, text)) {
    throw new LockError(`output folder ${dirname(file)} was locked by another run while a stale lock was taken over (lock file ${file})`);
  }
}

function readLock(file: string): { info: LockInfo | null; raw: string } {
  let raw = '';
  try {
    raw = readFileSync(file, 'utf8');
    const info = JSON.parse(raw) as LockInfo;
    const ok = info !== null && typeof info === 'object' && Number.isInteger(info.pid) && info.pid > 0 && typeof info.host === 'string';
    return { info: ok ? info : null, raw };
  } catch {
    return { info: null, raw };
  }
}

/**
 * Whether a process with this pid exists (EPERM: it exists, owned by another user) and is not a
 * zombie: a killed run whose parent is gone (an MPI rank after mpirun exited) stays a zombie until
 * init reaps it, holding nothing.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state follows the parenthesised command name in /proc/<pid>/stat.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Creates `file` holding `text` unless it exists: a hard link to `tmp` (which holds `text`), so
 * that the file never shows half written; where the file system has no hard links, an exclusive
 * create and write.
 */
function createFrom(tmp: string, file: string, text: string): boolean {
  try {
    return tryLink(tmp, file);
  } catch (e) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(String((e as NodeJS.ErrnoException).code))) throw e;
  }
  try {
    writeFileSync(file, text, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The files of a run in its output folder (besides the lock). */
const RUN_FILES = /^(snapshots|statistics\.json|statistics\.unreadable-.*\.json)$/;

/**
 * Moves the files of an earlier run in `dir` (snapshots/, statistics.json, statistics moved
 * aside as unreadable) into a new folder `<dir>/previous-<time>/`, which it returns; returns null
 * when there is nothing to move (no such files, or only an empty snapshots/ folder). Other files
 * (plots, data) stay where they are. Call it with the folder locked.
 */
export function moveAsidePreviousRun(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => RUN_FILES.test(n));
  } catch {
    return null;
  }
  if (names.length === 1 && names[0] === 'snapshots' && isEmptyDir(join(dir, 'snapshots'))) return null;
  if (names.length === 0) return null;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = join(dir, `previous-${stamp}`);
  for (let k = 2; !tryMkdir(target); k++) target = join(dir, `previous-${stamp}-${k}`);
  for (const n of names) renameSync(join(dir, n), join(target, n));
  return target;
}

function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

function tryMkdir(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}
