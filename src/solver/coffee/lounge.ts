/**
 * The coffee lounge: every statistic recorded by iteration (Mocha's CoffeeLounge). It can be kept
 * in a store (a file in Node, see src/node/statistics-file.ts); a resumed run loads the store,
 * drops what was recorded after the snapshot it resumes from, and carries on in the same file.
 */
import { DataError } from '../../core/errors.js';

/** Statistics as stored: name -> list of [iteration, value] in increasing iteration order. */
export type Statistics = Record<string, [number, number][]>;

/**
 * Checks the shape of parsed statistics, { name: [[iteration, value], ...] }, as read from a
 * statistics file or a snapshot; null values (NaN as JSON writes it) become NaN. Errors start
 * with `label`, e.g. `statistics file runs/a/statistics.json`.
 */
export function checkStatistics(raw: unknown, label: string): Statistics {
  const expected = 'an object mapping each statistic to a list of [iteration, value] pairs (a training run\'s statistics.json)';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new DataError(`${label}: expected ${expected}, found ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw}`);
  }
  const out: Statistics = {};
  for (const [name, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new DataError(`${label}: statistic "${name}" must be a list of [iteration, value] pairs, found ${typeof list}`);
    out[name] = list.map((p, i) => {
      const ok = Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && (typeof p[1] === 'number' || p[1] === null);
      if (!ok) throw new DataError(`${label}: statistic "${name}", entry ${i} must be [iteration, value] with numbers, found ${JSON.stringify(p)?.slice(0, 60)}`);
      return [p[0] as number, p[1] === null ? NaN : (p[1] as number)];
    });
  }
  return out;
}

export interface StatisticsStore {
  load(): Statistics | null;
  save(stats: Statistics): void;
}

export class CoffeeLounge {
  private readonly stats = new Map<string, Map<number, number>>();
  store: StatisticsStore | null = null;
  /** Save to the store every this many iterations (and at the end). */
  saveEvery = 1000;

  /** Records `value` for statistic `name` at iteration `iter`. */
  update(name: string, iter: number, value: number): void {
    let m = this.stats.get(name);
    if (!m) this.stats.set(name, (m = new Map()));
    m.set(iter, value);
  }

  /** The recorded values of one statistic, in iteration order. */
  get(name: string): [number, number][] {
    return [...(this.stats.get(name) ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
  }

  /** The latest value of a statistic, if any. */
  last(name: string): number | undefined {
    const s = this.get(name);
    return s.length ? s[s.length - 1][1] : undefined;
  }

  names(): string[] {
    return [...this.stats.keys()].sort();
  }

  toJSON(): Statistics {
    const out: Statistics = {};
    for (const n of this.names()) out[n] = this.get(n);
    return out;
  }

  /** Adds stored statistics up to and including iteration `upTo` (later ones belong to a lost future). */
  merge(stats: Statistics, upTo = Infinity): void {
    for (const [name, list] of Object.entries(stats)) {
      for (const [iter, value] of list) if (iter <= upTo) this.update(name, iter, value);
    }
  }

  /** Loads the store's statistics recorded up to `upTo`. */
  loadFromStore(upTo: number): void {
    const s = this.store?.load();
    if (s) this.merge(s, upTo);
  }

  save(): void {
    this.store?.save(this.toJSON());
  }
}
