/**
 * The output files of the commands that write a file or a pair (draw, plot, import, export):
 * files already there are left alone unless --force, and a pair is written whole or not at all.
 */
import { existsSync, rmSync } from 'node:fs';
import { DataError } from '../../core/errors.js';

/** Outputs already there stop `command` (before it reads anything, where it can) unless --force: a DataError naming them. */
export function refuseExisting(outputs: readonly string[], force: boolean | undefined, command: string): void {
  const existing = outputs.filter((o) => existsSync(o));
  if (existing.length && !force) {
    throw new DataError(`${command}: ${existing.map((o) => `"${o}"`).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace, or choose another --out`);
  }
}

/** A pair of outputs written whole or not at all: `first` writes a file and returns its path, removed again when `second` fails. */
export async function writePair(first: () => string, second?: () => unknown): Promise<void> {
  const written = first();
  if (!second) return;
  try {
    await second();
  } catch (e) {
    rmSync(written, { force: true });
    throw e;
  }
}
