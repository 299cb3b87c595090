/** The WebGPU backend's memory bookkeeping (no device needed): first fit, merging, growth, limits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALIGN, Arena } from '../../../src/backend/webgpu/arena.js';
import { BackendError } from '../../../src/core/errors.js';

test('arena: ranges are aligned, freed neighbours merge, and a freed range is reused first', () => {
  const a = new Arena(4 * ALIGN, 16 * ALIGN);
  const never = () => assert.fail('no growth expected');
  const x = a.alloc(1, never);
  const y = a.alloc(ALIGN + 1, never);
  const z = a.alloc(ALIGN, never);
  assert.deepEqual([x, y, z], [0, ALIGN, 3 * ALIGN]);
  assert.equal(a.used(), 4 * ALIGN);
  a.release(x, 1);
  a.release(y, ALIGN + 1);
  assert.equal(a.used(), ALIGN);
  assert.equal(a.alloc(3 * ALIGN, never), 0, 'the two freed ranges merged into one of 3 blocks');
});

test('arena: grows by doubling, keeps the free tail, and refuses past the device limit naming the sizes', () => {
  const a = new Arena(2 * ALIGN, 8 * ALIGN);
  const grown: number[] = [];
  const grow = (n: number) => grown.push(n);
  a.alloc(ALIGN, grow);
  assert.equal(a.alloc(2 * ALIGN, grow), ALIGN, 'the new range starts in the old free tail');
  assert.deepEqual(grown, [4 * ALIGN]);
  assert.equal(a.capacity, 4 * ALIGN);
  a.alloc(4 * ALIGN, grow);
  assert.deepEqual(grown, [4 * ALIGN, 8 * ALIGN]);
  assert.throws(() => a.alloc(ALIGN + 1, grow), (e: Error) => e instanceof BackendError && /65 floats do not fit; the device allows 512 floats .* and 448 are in use/.test(e.message));
});
