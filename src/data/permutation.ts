/**
 * A seeded bijection of [0, n) computed one element at a time, in O(1) memory: a balanced
 * Feistel network on the smallest even number of bits 2h with 2^(2h) >= n, walked until the
 * value falls inside [0, n) (cycle walking: the permutation of [0, 2^(2h)) restricted to the
 * cycle through x, which stays a bijection of [0, n); since 2^(2h) < 4n, fewer than 4 walks on
 * average). `at` and `inverse` undo each other. n may be up to MAX_PERMUTED (2^52), so that every
 * intermediate value is an exact double and every half fits 32-bit arithmetic.
 */

/** The largest domain a Permutation covers (2^52). */
export const MAX_PERMUTED = 2 ** 52;

const ROUNDS = 6;

export class Permutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;

  /** A permutation of [0, n) chosen by the two 32-bit key words. */
  constructor(readonly n: number, key0: number, key1: number) {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PERMUTED) throw new RangeError(`Permutation: n must be an integer in [0, 2^52], found ${n}`);
    let h = 1;
    while (2 ** (2 * h) < n) h++;
    this.half = 2 ** h;
    this.mask = this.half - 1;
    this.keys = Uint32Array.from({ length: ROUNDS }, (_, r) => mix(key0 ^ Math.imul(r + 1, 0x9e3779b9), key1));
  }

  /** The image of x (0 <= x < n). */
  at(x: number): number {
    let y = this.encrypt(x);
    while (y >= this.n) y = this.encrypt(y);
    return y;
  }

  /** The x whose image is y (0 <= y < n). */
  inverse(y: number): number {
    let x = this.decrypt(y);
    while (x >= this.n) x = this.decrypt(x);
    return x;
  }

  private encrypt(v: number): number {
    let r = v % this.half;
    let l = (v - r) / this.half;
    for (let i = 0; i < ROUNDS; i++) [l, r] = [r, (l ^ (mix(r, this.keys[i]) & this.mask)) >>> 0];
    return l * this.half + r;
  }

  private decrypt(v: number): number {
    let r = v % this.half;
    let l = (v - r) / this.half;
    for (let i = ROUNDS - 1; i >= 0; i--) [l, r] = [(r ^ (mix(l, this.keys[i]) & this.mask)) >>> 0, l];
    return l * this.half + r;
  }
}

/** A 32-bit hash of two 32-bit words (murmur3's finalizer around a multiply-xor). */
export function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^ b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of a key word and a non-negative safe integer (its two 32-bit halves). */
export function mixIndex(key: number, i: number): number {
  return mix(mix(key, i % 4294967296), Math.floor(i / 4294967296));
}
