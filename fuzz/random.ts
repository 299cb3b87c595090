/**
 * The fuzzer's random source: one small generator (mulberry32) per case, seeded from the run's seed,
 * the target's name and the case number, so that any case can be rerun alone, in any order, with
 * `--target T --seed S --case N`.
 */

/** A 32-bit hash (FNV-1a) of a string, to mix target names into seeds. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class FuzzRng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of case `index` of `target` in a run seeded `seed`. */
  static forCase(seed: number, target: string, index: number): FuzzRng {
    const mixed = Math.imul(hashString(target) ^ (seed >>> 0), 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b);
    return new FuzzRng(mixed >>> 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('fuzz: pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
}
