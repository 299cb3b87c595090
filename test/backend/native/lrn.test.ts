/**
 * Native LRN (lrnForward, lrnBackward) against JsBackend('float32'), within a channel and across
 * channels: the CIFAR-10 and GoogLeNet shapes, rows shorter than a vector and longer than one with
 * a partial last vector, windows wider than the plane or the channels, pixel counts past a tile,
 * powers with and without the square-root path, and blobs large enough to split across threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LRNGeom } from '../../../src/backend/backend.js';
import { BackendError } from '../../../src/core/errors.js';
import { assertClose, buf, pair, read, skipReason, values } from './util.js';

function lrn(shape: [number, number, number, number], within: boolean, localSize: number, more: Partial<LRNGeom> = {}): LRNGeom {
  const [num, channels, height, width] = shape;
  return { num, channels, height, width, localSize, within, alpha: 1.5, beta: 0.75, k: 1, ...more };
}

const CASES: [string, LRNGeom][] = [
  ['CIFAR-10 norm1 (16x16 planes)', lrn([2, 32, 16, 16], true, 3, { alpha: 5e-5 })],
  ['CIFAR-10 norm2 (8x8 planes: rows shorter than a vector)', lrn([3, 32, 8, 8], true, 3)],
  ['within, rows of 37 (partial last vector)', lrn([1, 3, 9, 37], true, 3)],
  ['within, 5x5 window over a 3x2 plane', lrn([2, 2, 3, 2], true, 5)],
  ['within, window 1', lrn([1, 2, 4, 5], true, 1, { k: 2 })],
  ['within, one element', lrn([1, 1, 1, 1], true, 3)],
  ['within, beta 0.6 and k 2 (no square-root path)', lrn([2, 4, 7, 19], true, 3, { beta: 0.6, k: 2 })],
  ['within, large (split across threads)', lrn([4, 8, 40, 40], true, 3)],
  ['GoogLeNet-like across 5 channels', lrn([2, 64, 14, 14], false, 5, { alpha: 1e-4 })],
  ['across, 300 pixels (past one tile)', lrn([1, 7, 1, 300], false, 5)],
  ['across, window 9 over 3 channels', lrn([2, 3, 5, 5], false, 9, { alpha: 0.5 })],
  ['across, one channel, window 1', lrn([1, 1, 3, 3], false, 1)],
  ['across, beta 0.6 and k 2, 7x7 planes', lrn([3, 6, 7, 7], false, 3, { beta: 0.6, k: 2 })],
  ['across, large (split across threads)', lrn([2, 16, 33, 33], false, 5)],
];

test('native LRN matches the TypeScript backend, forward and backward, within and across channels', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  let seed = 900;
  for (const [name, g] of CASES) {
    const n = g.num * g.channels * g.height * g.width;
    const X = values(n, ++seed, -3, 3), DY = values(n, ++seed);
    const run = (b: typeof native | typeof js) => {
      const x = buf(b, X), scale = b.alloc(n), y = b.alloc(n), work = b.alloc(n);
      const dx = buf(b, new Float32Array(n).fill(NaN));
      b.lrnForward(g, x, scale, y, work);
      b.lrnBackward(g, x, y, scale, buf(b, DY), dx, work);
      return { scale: read(b, scale), y: read(b, y), dx: read(b, dx) };
    };
    const got = run(native), want = run(js);
    assertClose(got.scale, want.scale, `${name}: scale`, 1e-5, 1e-6);
    assertClose(got.y, want.y, `${name}: y`, 1e-5, 1e-6);
    assertClose(got.dx, want.dx, `${name}: dx`, 1e-4, 1e-5);
  }
});

test('native LRN keeps NaN where the TypeScript backend does', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native, js } = pair();
  const g = lrn([1, 3, 2, 4], true, 3);
  const X = Array.from({ length: 24 }, (_, i) => (i === 5 ? NaN : i / 10));
  for (const b of [native, js]) {
    const scale = b.alloc(24), y = b.alloc(24);
    b.lrnForward(g, buf(b, X), scale, y, b.alloc(24));
    const nan = [...read(b, y)].flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
    // The NaN reaches its plane's windows that hold it (plane 0, rows 0-1, columns 0-2), nothing else.
    assert.deepEqual(nan, [0, 1, 2, 4, 5, 6], b.name);
  }
});

test('native LRN rejects an even window and short buffers', (t) => {
  if (skipReason) return t.skip(skipReason);
  const { native } = pair();
  const n = 2 * 3 * 4 * 4;
  const ok = lrn([2, 3, 4, 4], false, 5);
  assert.throws(() => native.lrnForward({ ...ok, localSize: 4 }, native.alloc(n), native.alloc(n), native.alloc(n), native.alloc(n)),
    (e: unknown) => e instanceof BackendError && /odd/.test(e.message));
  assert.throws(() => native.lrnBackward(ok, native.alloc(n), native.alloc(n), native.alloc(n), native.alloc(n - 1), native.alloc(n), native.alloc(n)),
    (e: unknown) => e instanceof BackendError && /dy.*needs.*96/.test(e.message));
});
