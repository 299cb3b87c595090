/**
 * Reading a run's statistics file (what src/node/statistics-file.ts writes: an object mapping
 * each statistic's name to a list of [iteration, value] pairs) for plotting, with errors that name
 * the file, the statistic and the entry. Node-only.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import type { Statistics } from '../solver/coffee/lounge.js';

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
  return checkStatistics(raw, path);
}

/** Checks the shape of parsed statistics: { name: [[iteration, value], ...] }; null values (NaN as JSON writes it) become NaN. */
export function checkStatistics(raw: unknown, path: string): Statistics {
  const expected = 'an object mapping each statistic to a list of [iteration, value] pairs (a training run\'s statistics.json)';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DataError(`statistics file ${path}: expected ${expected}, found ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw}`);
  }
  const out: Statistics = {};
  for (const [name, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new DataError(`statistics file ${path}: statistic "${name}" must be a list of [iteration, value] pairs, found ${typeof list}`);
    out[name] = list.map((p, i) => {
      const ok = Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && (typeof p[1] === 'number' || p[1] === null);
      if (!ok) throw new DataError(`statistics file ${path}: statistic "${name}", entry ${i} must be [iteration, value] with numbers, found ${JSON.stringify(p)?.slice(0, 60)}`);
      return [p[0] as number, p[1] === null ? NaN : (p[1] as number)];
    });
  }
  return out;
}
