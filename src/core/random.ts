import { ConfigError } from './errors.js';
import { describe } from './config.js';

/** The largest seed: seeds are integers in [0, 2^32 - 1]. */
export const MAX_SEED = 4294967295;

/**
 * Throws a ConfigError naming `where` (e.g. `net definition "x.json": field "seed"`) unless `seed`
 * is an integer in [0, 2^32 - 1]; no other value may silently act as some other seed.
 */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ConfigError(`${where} must be an integer in [0, ${MAX_SEED}] (2^32 - 1), found ${describe(seed)}`);
  }
  return seed;
}

/**
 * The one seeded random source of a training run: xoshiro128** (32-bit state words, so the state
 * is exact in JSON and in snapshots). The same seed gives the same initial weights, data order and
 * dropout masks on every backend.
 */
export class Random {
  private s = new Uint32Array(4);
  /** A spare normal deviate from the last Box-Muller pair, or null. */
  private spare: number | null = null;

  constructor(seed = 42) {
    this.seed(seed);
  }

  /**
   * Resets the state from a 32-bit seed through splitmix32: an integer in [0, 2^32 - 1], or a
   * negative 32-bit integer (taken modulo 2^32, as `seed ^ k` gives); anything else is a ConfigError.
   */
  seed(seed: number): void {
    if (!(Number.isInteger(seed) && seed >= -2147483648)) checkSeed(seed, 'the random seed');
    else if (seed > MAX_SEED) checkSeed(seed, 'the random seed');
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spare = null;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal deviate (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with uniform values in [lo, hi). */
  fillUniform(out: { length: number; [i: number]: number }, lo = 0, hi = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
  }

  /** Fills `out` with normal values of the given mean and standard deviation. */
  fillNormal(out: { length: number; [i: number]: number }, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The full state, exact, for snapshots. */
  getState(): number[] {
    return [...this.s, this.spare === null ? 0 : 1, this.spare ?? 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 6) throw new Error(`Random.setState: expected 6 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    this.spare = state[4] ? state[5] : null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
