/**
 * dotInto on a large vector, beyond what the method cases cover: exact on products whose every
 * partial sum is a float32 integer (so a lost or doubled element shows), the same bits on every
 * run on random floats (the two-pass sum uses no atomics), and n = 0 over NaN with beta = 0.
 */
import assert from 'node:assert/strict';
import type { Backend } from '../../../src/backend/backend.js';
import { Random } from '../../../src/core/random.js';

/** n must be below 2^24, so that every partial sum of products in {-1, 0, 1} is exact in float32. */
export function assertDotIntoExactAndDeterministic(b: Backend, n: number): void {
  assert.ok(n < 2 ** 24, `n = ${n} is too large for exact float32 sums`);
  const r = new Random(21);
  const xi = Float32Array.from({ length: n }, () => r.int(3) - 1);
  const yi = Float32Array.from({ length: n }, () => (r.uniform() < 0.5 ? -1 : 1));
  let exact = 0;
  for (let i = 0; i < n; i++) exact += xi[i] * yi[i];
  const xf = new Float32Array(n), yf = new Float32Array(n);
  r.fillUniform(xf, -1, 1);
  r.fillUniform(yf, 0, 1);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += xf[i] * yf[i];
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(xf[i] * yf[i]);

  const bufs = [xi, yi, xf, yf].map((v) => b.fromHost(v));
  const [xib, yib, xfb, yfb] = bufs;
  const out = b.fromHost([NaN, NaN, NaN, NaN, NaN]);
  b.dotInto(n, xib, yib, 1, 0, b.view(out, 0, 1));
  b.dotInto(n, xfb, yfb, 1, 0, b.view(out, 1, 1));
  b.dotInto(n, xfb, yfb, 1, 0, b.view(out, 2, 1));
  b.dotInto(0, xfb, yfb, 1, 0, b.view(out, 3, 1));
  b.dotInto(n, xib, yib, -0.5, 0, b.view(out, 4, 1));
  b.dotInto(n, xib, yib, 2, 3, b.view(out, 4, 1));
  const [integer, first, second, empty, accumulated] = b.download(out);
  for (const buf of [...bufs, out]) b.free(buf);

  assert.equal(integer, exact, `dotInto of ${n} products in {-1, 0, 1}`);
  assert.ok(Object.is(first, second), `dotInto of ${n} random products gave ${first}, then ${second}`);
  assert.ok(Math.abs(first - expected) <= 1e-6 * scale, `dotInto of ${n} random products gave ${first}, a float64 sum ${expected}`);
  assert.equal(empty, 0, 'dotInto of 0 elements with beta 0 must overwrite the NaN in out');
  // 2 exact + 3 (-exact / 2): exact in float32 while |exact| < 2^22.
  assert.equal(accumulated, 0.5 * exact, `dotInto with alpha 2, beta 3 over -exact / 2`);
}
