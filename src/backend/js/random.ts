/**
 * Counter-based random numbers: the value at position i of a draw depends only on the draw's
 * 32-bit key and i, so any backend fills a buffer in parallel, on the device, and gets the same
 * numbers as this one. The layers take one key per draw from the run's Random (core/random.ts),
 * so a seed still fixes every mask and a snapshot's Random state still resumes them exactly.
 *
 *   mix(x)       = x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
 *                  (32-bit unsigned arithmetic, wrapping; a bijection with full avalanche)
 *   bits(key, i) = mix(mix(i + key) ^ mix(key ^ 0x9e3779b9))
 *   uniform      = (bits(key, i) >> 8) · 2^-24                          in [0, 1), exact in float32
 *   normal       = sqrt(-2 ln u1) cos(2π u2),  u1 = ((bits(key, 2i) >> 8) + 1) · 2^-24 in (0, 1],
 *                  u2 = (bits(key, 2i + 1) >> 8) · 2^-24                (2i taken modulo 2^32)
 *
 * Uniform values are the same bits on every backend; normal values agree to the precision of the
 * backend's log and cos.
 */
import type { HostArray } from '../backend.js';

export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The salt a key adds after the first mix. */
export function keySalt(key: number): number {
  return mix32((key ^ 0x9e3779b9) >>> 0);
}

/** The 32 random bits at position i of the draw with this key (salt = keySalt(key)). */
export function randomBits(key: number, salt: number, i: number): number {
  return mix32((mix32((i + key) >>> 0) ^ salt) >>> 0);
}

const TWO_M24 = 2 ** -24;

export function randomUniform(n: number, key: number, y: HostArray): void {
  const k = key >>> 0;
  const salt = keySalt(k);
  for (let i = 0; i < n; i++) y[i] = (randomBits(k, salt, i) >>> 8) * TWO_M24;
}

export function randomNormal(n: number, key: number, y: HostArray): void {
  const k = key >>> 0;
  const salt = keySalt(k);
  for (let i = 0; i < n; i++) {
    const j = (2 * i) >>> 0;
    const u1 = ((randomBits(k, salt, j) >>> 8) + 1) * TWO_M24;
    const u2 = (randomBits(k, salt, (j + 1) >>> 0) >>> 8) * TWO_M24;
    y[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
