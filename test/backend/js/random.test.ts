/**
 * The counter-based generator of randomUniform / randomNormal: the spec's bits against a BigInt
 * implementation of it, the distributions, and the independence of positions and keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../../src/backend/js/js-backend.js';

const M32 = (1n << 32n) - 1n;

/** The generator's spec (js/random.ts), written again in BigInt arithmetic. */
function mixBig(x: bigint): bigint {
  x ^= x >> 16n;
  x = (x * 0x7feb352dn) & M32;
  x ^= x >> 15n;
  x = (x * 0x846ca68bn) & M32;
  x ^= x >> 16n;
  return x;
}

function bitsBig(key: number, i: number): bigint {
  const k = BigInt(key);
  return mixBig(mixBig((BigInt(i) + k) & M32) ^ mixBig(k ^ 0x9e3779b9n));
}

function uniform(n: number, key: number, dtype: 'float32' | 'float64' = 'float32'): Float64Array {
  const b = new JsBackend(dtype);
  const y = b.alloc(n);
  b.randomUniform(n, key, y);
  return Float64Array.from(b.download(y));
}

function normal(n: number, key: number): Float64Array {
  const b = new JsBackend('float64');
  const y = b.alloc(n);
  b.randomNormal(n, key, y);
  return Float64Array.from(b.download(y));
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('randomUniform gives the spec\'s bits: (bits(key, i) >> 8) 2^-24, the same on float32 and float64', () => {
  for (const key of [0, 1, 42, 0x9e3779b9, 0xffffffff]) {
    const u = uniform(300, key);
    for (let i = 0; i < u.length; i++) {
      assert.equal(u[i], Number(bitsBig(key, i) >> 8n) / 2 ** 24, `key ${key}, position ${i}`);
    }
    assert.deepEqual(uniform(300, key, 'float64'), u);
  }
  // i + key wraps past 2^32, as a device's 32-bit arithmetic does.
  assert.equal(uniform(21, 0xfffffff0)[20], Number(bitsBig(0xfffffff0, 20) >> 8n) / 2 ** 24);
});

test('randomUniform is uniform in [0, 1): moments, 64 buckets (chi-square), no correlation between positions or keys', () => {
  const n = 1 << 17;
  const u = uniform(n, 12345);
  let lo = 1, hi = 0;
  for (const v of u) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.ok(lo >= 0 && hi < 1, `range [${lo}, ${hi}]`);
  assert.ok(Math.abs(mean(u) - 0.5) < 0.005, `mean ${mean(u)}`);
  const variance = mean(u.map((v) => (v - 0.5) ** 2));
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  const buckets = new Float64Array(64);
  for (const v of u) buckets[Math.floor(v * 64)]++;
  const expected = n / 64;
  const chi2 = buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 63 degrees of freedom: the 99.9% quantile is about 103.4.
  assert.ok(chi2 < 103.4, `chi-square ${chi2.toFixed(1)} over 64 buckets`);
  assert.ok(Math.abs(correlation(u.subarray(0, n - 1), u.subarray(1))) < 0.01, 'neighbouring positions correlate');
  // Neighbouring keys (the inner mix sees i + key, the salt tells them apart) and far ones.
  for (const other of [12346, 12344, 12345 ^ 0x80000000]) {
    const v = uniform(n, other);
    assert.ok(Math.abs(correlation(u, v)) < 0.01, `keys 12345 and ${other} correlate`);
    assert.ok(Math.abs(correlation(u.subarray(1), v.subarray(0, n - 1))) < 0.01, `keys 12345 and ${other} correlate shifted by one`);
  }
});

test('randomNormal is standard normal: moments, the share within one and two sigmas, finite everywhere', () => {
  const n = 1 << 17;
  const z = normal(n, 777);
  assert.ok(z.every(Number.isFinite));
  assert.ok(Math.abs(mean(z)) < 0.015, `mean ${mean(z)}`);
  const variance = mean(z.map((v) => v * v));
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  const within = (s: number) => z.filter((v) => Math.abs(v) < s).length / n;
  assert.ok(Math.abs(within(1) - 0.6827) < 0.005, `within one sigma ${within(1)}`);
  assert.ok(Math.abs(within(2) - 0.9545) < 0.003, `within two sigmas ${within(2)}`);
  assert.ok(Math.abs(correlation(z.subarray(0, n - 1), z.subarray(1))) < 0.01);
  // Each value uses the uniforms at 2i and 2i + 1.
  const u1 = (Number(bitsBig(777, 10) >> 8n) + 1) / 2 ** 24, u2 = Number(bitsBig(777, 11) >> 8n) / 2 ** 24;
  assert.equal(z[5], Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
});

test('randomUniform and randomNormal fill only n values and refuse a short buffer', () => {
  const b = new JsBackend('float32');
  const y = b.alloc(5);
  b.set(5, -1, y);
  b.randomUniform(3, 9, y);
  assert.deepEqual(Array.from(b.download(y)).slice(3), [-1, -1]);
  assert.throws(() => b.randomNormal(6, 9, y), /randomNormal: y has 5 elements, needs 6/);
});
