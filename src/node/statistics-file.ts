/**
 * A run's statistics file: an object mapping each statistic's name to a list of [iteration, value]
 * pairs. `statisticsFile` is the coffee lounge's store in such a file, written atomically
 * (temporary file, fsync, rename); `readStatistics` reads and checks one (`cortado plot` too).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataError } from '../core/errors.js';
import { commitTmp } from '../io/atomic.js';
import { checkStatistics, type Statistics, type StatisticsStore } from '../solver/coffee/lounge.js';

/** Reads and checks a statistics file; errors name the file, the statistic and the entry. */
export function readStatistics(path: string): Statistics {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`statistics file ${path} cannot be read: ${(e as Error).message}`);
  }
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
    save(stats: Statistics): void {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, JSON.stringify(stats));
      commitTmp(tmp, path);
    },
  };
}
