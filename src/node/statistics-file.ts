/** A coffee lounge store in a JSON file, written atomically (temporary file, then rename). */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Statistics, StatisticsStore } from '../solver/coffee/lounge.js';

export function statisticsFile(path: string): StatisticsStore {
  return {
    load(): Statistics | null {
      if (!existsSync(path)) return null;
      try {
        const s = JSON.parse(readFileSync(path, 'utf8')) as unknown;
        if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error('not an object of statistics');
        return s as Statistics;
      } catch (e) {
        throw new DataError(`statistics file ${path} cannot be read: ${(e as Error).message}; move it away to start a new one`);
      }
    },
    save(stats: Statistics): void {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeFileSync(fd, JSON.stringify(stats));
        fsyncSync(fd); // so that a power cut leaves the old file or the new one, never an empty one
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    },
  };
}
