/**
 * LRN composed of primitives (the device backends' lrnForward and lrnBackward) against the
 * TypeScript backend's direct formula, both on JsBackend in float64, so that any difference is
 * the composition's, not rounding's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LRNGeom } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/js-backend.js';
import { lrnBackwardComposed, lrnForwardComposed } from '../../src/backend/lrn-composed.js';
import { Random } from '../../src/core/random.js';

const SHAPES: [number, number, number, number][] = [[2, 5, 4, 7], [1, 1, 3, 3], [3, 2, 1, 9]];

for (const within of [false, true]) {
  for (const localSize of [1, 3, 5, 9]) {
    test(`composed LRN equals the direct formula ${within ? 'within a channel' : 'across channels'}, window ${localSize}`, () => {
      const b = new JsBackend('float64');
      const r = new Random(localSize * 10 + (within ? 1 : 0));
      for (const [num, channels, height, width] of SHAPES) {
        const g: LRNGeom = { num, channels, height, width, localSize, within, alpha: 1.7, beta: 0.65, k: 1.5 };
        const n = num * channels * height * width;
        const x = b.alloc(n), dy = b.alloc(n);
        b.upload(x, Array.from({ length: n }, () => 4 * r.uniform() - 2));
        b.upload(dy, Array.from({ length: n }, () => 2 * r.uniform() - 1));
        const run = (composed: boolean) => {
          const scale = b.alloc(n), y = b.alloc(n), dx = b.alloc(n), work = b.alloc(n);
          if (composed) {
            lrnForwardComposed(b, g, x, scale, y, work);
            lrnBackwardComposed(b, g, x, y, scale, dy, dx, work);
          } else {
            b.lrnForward(g, x, scale, y, work);
            b.lrnBackward(g, x, y, scale, dy, dx, work);
          }
          return [b.download(scale), b.download(y), b.download(dx)];
        };
        const got = run(true), want = run(false);
        ['scale', 'y', 'dx'].forEach((what, k) => {
          for (let i = 0; i < n; i++) {
            assert.ok(Math.abs(got[k][i] - want[k][i]) <= 1e-12 * (1 + Math.abs(want[k][i])),
              `[${num}, ${channels}, ${height}, ${width}] ${what}[${i}]: ${got[k][i]} against ${want[k][i]}`);
          }
        });
      }
    });
  }
}
