/**
 * The coffee lounge: every statistic recorded by iteration (Mocha's CoffeeLounge). It can be kept
 * in a store (a file in Node, see src/node/statistics-file.ts); a resumed run loads the store,
 * drops what was recorded after the snapshot it resumes from, and carries on in the same file.
 */

/** Statistics as stored: name -> list of [iteration, value] in increasing iteration order. */
export type Statistics = Record<string, [number, number][]>;

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
