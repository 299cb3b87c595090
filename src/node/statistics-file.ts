/**
 * A run's statistics file: an object mapping each statistic's name to a list of [iteration, value]
 * pairs. `statisticsFile` is the coffee lounge's store in such a file, written atomically
 * (temporary file, fsync, rename); `readStatistics` reads and checks one (`cortado plot` too),
 * refusing anything but a regular file.
 */
import { existsSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from './io/atomic.js';
import { readRegularFile } from './io/files.js';
import { checkStatistics, type Statistics, type StatisticsStore } from '../solver/coffee/lounge.js';

/** Reads and checks a statistics file; errors name the file, the statistic and the entry. */
export function readStatistics(path: string): Statistics {
  const text = readRegularFile(path, `statistics file ${path}`).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError(`statistics file ${path} is not JSON: ${(e as Error).message}`);
  }
  return checkStatistics(raw, `statistics file ${path}`);
}

export function statisticsFile(path: string): StatisticsStore {
  return {
    load(): Statistics | null {
      if (!existsSync(path)) return null;
      try {
        return readStatistics(path);
      } catch (e) {
        throw new DataError(`${(e as Error).message}; move it away to start a new one`, { cause: e });
      }
    },
    /** A failed write (ENOSPC...) is a DataError naming the file; the previous file stays whole. */
    save(stats: Statistics): void {
      writeFileAtomic(path, JSON.stringify(stats), `statistics file ${path}`);
    },
  };
}
